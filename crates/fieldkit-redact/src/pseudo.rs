//! Keyed pseudonyms: HMAC-SHA256 as a PRF, prefix-preserving address permutations and a small
//! Feistel permutation for MAC addresses.

use std::collections::HashMap;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::{Key, RedactError};

type HmacSha256 = Hmac<Sha256>;

/// Lower-case RFC 4648 base32 alphabet: tokens are valid host labels and user names.
const B32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

#[derive(Clone)]
pub(crate) struct Prf {
    mac: HmacSha256,
    /// (family, octet index, original prefix) -> PRF output, for the prefix-preserving map.
    pp_cache: HashMap<(u8, u8, u128), [u8; 32]>,
}

impl Prf {
    pub(crate) fn new(key: &Key) -> Result<Self, RedactError> {
        let mac = <HmacSha256 as KeyInit>::new_from_slice(key.as_bytes()).map_err(|_| RedactError::Hmac)?;
        Ok(Prf { mac, pp_cache: HashMap::new() })
    }

    /// HMAC-SHA256(key, domain || len-prefixed parts). The domain separates kinds, so equal
    /// text of two kinds gets unrelated tokens.
    pub(crate) fn prf(&self, domain: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut m = self.mac.clone();
        m.update(b"fieldkit-redact/1\0");
        m.update(domain);
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        let out = m.finalize().into_bytes();
        let mut r = [0u8; 32];
        r.copy_from_slice(&out);
        r
    }

    /// `n` base32 characters (5 bits each) of PRF(domain, parts), appended to `out`. The first
    /// character is always a letter.
    pub(crate) fn b32(&self, domain: &[u8], parts: &[&[u8]], n: usize, out: &mut String) {
        let h = self.prf(domain, parts);
        let mut acc: u64 = 0;
        let mut bits = 0u32;
        let mut bytes = h.iter();
        for k in 0..n.min(48) {
            if bits < 5 {
                acc = (acc << 8) | u64::from(*bytes.next().unwrap_or(&0));
                bits += 8;
            }
            let v = ((acc >> (bits - 5)) & 31) as usize;
            bits -= 5;
            let v = if k == 0 { v % 26 } else { v };
            out.push(B32[v] as char);
        }
    }

    fn pp_round(&mut self, fam: u8, idx: u8, prefix: u128) -> [u8; 32] {
        if let Some(r) = self.pp_cache.get(&(fam, idx, prefix)) {
            return *r;
        }
        let r = self.prf(b"pp", &[&[fam, idx], &prefix.to_be_bytes()]);
        if self.pp_cache.len() > 1 << 20 {
            self.pp_cache.clear();
        }
        self.pp_cache.insert((fam, idx, prefix), r);
        r
    }

    /// Prefix-preserving permutation of an `nbits`-bit address (Crypto-PAn construction): output
    /// bit k = input bit k XOR f(first k input bits), for k >= `keep`; bits below `keep` are
    /// unchanged. f comes from one PRF call per octet: its 256 output bits hold f for the 255
    /// possible in-octet prefixes (index 2^j - 1 + prefix value for the j-bit prefix).
    /// It is a bijection, and two addresses sharing a p-bit prefix map to outputs sharing a
    /// p-bit prefix.
    pub(crate) fn pp_map(&mut self, fam: u8, addr: u128, nbits: u32, keep: u32) -> u128 {
        let mut out = addr;
        for i in 0..nbits / 8 {
            if i * 8 + 8 <= keep {
                continue;
            }
            let prefix = if i == 0 { 0 } else { addr >> (nbits - 8 * i) };
            let r = self.pp_round(fam, i as u8, prefix);
            let shift = nbits - 8 * (i + 1);
            let byte = ((addr >> shift) & 0xff) as u32;
            let mut flips = 0u32;
            for j in 0..8u32 {
                if i * 8 + j < keep {
                    continue;
                }
                let q = if j == 0 { 0 } else { byte >> (8 - j) };
                let idx = ((1u32 << j) - 1 + q) as usize;
                let bit = u32::from((r[idx / 8] >> (idx % 8)) & 1);
                flips |= bit << (7 - j);
            }
            out ^= u128::from(flips) << shift;
        }
        out
    }

    /// Keyed permutation of the low `bits` bits of `value` (a balanced Feistel network with the
    /// PRF as round function); higher bits are unchanged. `bits` must be even and <= 62.
    pub(crate) fn feistel(&self, tweak: &[u8], value: u64, bits: u32) -> u64 {
        let half = bits / 2;
        let mask = (1u64 << half) - 1;
        let high = value >> bits << bits;
        let mut l = (value >> half) & mask;
        let mut r = value & mask;
        for round in 0u8..6 {
            let h = self.prf(b"feistel", &[tweak, &[round], &r.to_be_bytes()]);
            let mut f = [0u8; 8];
            f.copy_from_slice(&h[..8]);
            let f = u64::from_be_bytes(f) & mask;
            let nl = r;
            r = l ^ f;
            l = nl;
        }
        high | (l << half) | r
    }
}

/// How an IPv4 address is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddrClass {
    /// Identifies nothing: kept (loopback, unspecified, multicast, reserved, broadcast).
    Keep,
    /// A special range: the range prefix (this many bits) is kept, the rest permuted
    /// prefix-preservingly. `id` names the range, for cycle walking.
    Range { keep: u32, id: u8 },
}

/// Ranges kept as ranges, so a private address stays private and a documentation address stays
/// a documentation address; everything else is "public" (id 0).
pub(crate) fn class_v4(a: u32) -> AddrClass {
    let o = (a >> 24) as u8;
    let in_net = |net: u32, len: u32| (a ^ net) >> (32 - len) == 0;
    if o == 0 || o == 127 || o >= 224 {
        return AddrClass::Keep;
    }
    const RANGES: &[(u32, u32, u8)] = &[
        (0x0a00_0000, 8, 1),   // 10/8
        (0xac10_0000, 12, 2),  // 172.16/12
        (0xc0a8_0000, 16, 3),  // 192.168/16
        (0x6440_0000, 10, 4),  // 100.64/10 (CGNAT)
        (0xa9fe_0000, 16, 5),  // 169.254/16 (link local)
        (0xc000_0000, 24, 6),  // 192.0.0/24
        (0xc000_0200, 24, 7),  // 192.0.2/24 (TEST-NET-1)
        (0xc633_6400, 24, 8),  // 198.51.100/24 (TEST-NET-2)
        (0xcb00_7100, 24, 9),  // 203.0.113/24 (TEST-NET-3)
        (0xc612_0000, 15, 10), // 198.18/15 (benchmarking)
    ];
    for &(net, len, id) in RANGES {
        if in_net(net, len) {
            return AddrClass::Range { keep: len, id };
        }
    }
    AddrClass::Range { keep: 0, id: 0 }
}

/// IPv6 ranges; `::ffff:0:0/96` (IPv4-mapped) is handled by the caller.
pub(crate) fn class_v6(a: u128) -> AddrClass {
    if a <= 1 || a >> 120 == 0xff {
        return AddrClass::Keep;
    }
    let in_net = |net: u128, len: u32| (a ^ net) >> (128 - len) == 0;
    const RANGES: &[(u128, u32, u8)] = &[
        (0x2001_0db8 << 96, 32, 1), // documentation
        (0x0064_ff9b << 96, 96, 2), // NAT64
        (0xfe80 << 112, 10, 3),     // link local
        (0xfc00 << 112, 7, 4),      // unique local
        (0x2000 << 112, 3, 5),      // global unicast
    ];
    for &(net, len, id) in RANGES {
        if in_net(net, len) {
            return AddrClass::Range { keep: len, id };
        }
    }
    AddrClass::Range { keep: 0, id: 0 }
}

impl Prf {
    /// Maps an address within its class: prefix-preserving permutation of the non-range bits,
    /// then "cycle walking" (apply the permutation again) until the result is back in the same
    /// class. Walking restricts a permutation to a subset and stays a bijection, so no two
    /// addresses share a token; it only matters where a range contains a smaller special range
    /// (public IPv4 space around 10/8 etc., 2000::/3 around 2001:db8::/32).
    pub(crate) fn map_addr(&mut self, v6: bool, a: u128) -> u128 {
        let (fam, nbits) = if v6 { (6u8, 128u32) } else { (4u8, 32u32) };
        let class = |x: u128| {
            if v6 { class_v6(x) } else { class_v4(x as u32) }
        };
        let AddrClass::Range { keep, id } = class(a) else {
            return a;
        };
        let mut x = a;
        for _ in 0..4096 {
            x = self.pp_map(fam, x, nbits, keep);
            if class(x) == (AddrClass::Range { keep, id }) {
                return x;
            }
        }
        // Unreachable in practice (expected walk length is about 1.2 steps).
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prf() -> Prf {
        Prf::new(&Key::from_bytes([7; 32])).unwrap()
    }

    #[test]
    fn pp_map_is_a_prefix_preserving_bijection_on_small_spaces() {
        let mut p = prf();
        // 16-bit "addresses": exhaustive
        let mut seen = std::collections::HashSet::new();
        let all: Vec<u128> = (0..1u128 << 16).map(|a| p.pp_map(9, a, 16, 0)).collect();
        for &o in &all {
            assert!(seen.insert(o), "not injective");
        }
        let cp = |x: u128, y: u128| ((x ^ y) as u16).leading_zeros();
        for a in (0..1u128 << 16).step_by(97) {
            for b in (0..1u128 << 16).step_by(101) {
                assert_eq!(cp(a, b), cp(all[a as usize], all[b as usize]), "{a:x} {b:x}");
            }
        }
    }

    #[test]
    fn map_addr_keeps_classes() {
        let mut p = prf();
        for a in [0x0a00_0001u32, 0xac10_0505, 0xc0a8_0101, 0x0808_0808, 0x3400_0001] {
            let m = p.map_addr(false, u128::from(a)) as u32;
            assert_eq!(class_v4(a), class_v4(m), "{a:x} -> {m:x}");
            assert_ne!(a, m);
        }
        assert_eq!(p.map_addr(false, 0x7f00_0001), 0x7f00_0001);
    }

    #[test]
    fn feistel_is_a_permutation() {
        let p = prf();
        let mut seen = std::collections::HashSet::new();
        for v in 0..1u64 << 12 {
            let o = p.feistel(b"t", v | 0xabc000, 12);
            assert_eq!(o >> 12, 0xabc);
            assert!(seen.insert(o));
        }
    }
}
