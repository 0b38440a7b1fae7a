//! Byte-level parsers for IPv4, IPv6 and MAC addresses, and their formatting.

use crate::tables::{is_alnum, is_digit, is_hex};

/// Parses an IPv4 address that spans exactly `b` (1-3 decimal digits per octet).
pub(crate) fn parse_ipv4_exact(b: &[u8]) -> Option<u32> {
    let (v, end) = parse_ipv4_at(b, 0)?;
    (end == b.len()).then_some(v)
}

/// Parses a dotted quad starting at `start`; returns the value and the end position.
/// Does not check what follows.
pub(crate) fn parse_ipv4_at(b: &[u8], start: usize) -> Option<(u32, usize)> {
    let mut i = start;
    let mut v: u32 = 0;
    for octet in 0..4 {
        if octet > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let s = i;
        let mut n: u32 = 0;
        while i < b.len() && is_digit(b[i]) && i - s < 3 {
            n = n * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        if i == s || n > 255 || (i < b.len() && is_digit(b[i])) {
            return None;
        }
        v = (v << 8) | n;
    }
    Some((v, i))
}

/// A parsed IPv6 address.
#[derive(Clone, Copy, Debug)]
pub(crate) struct V6 {
    pub addr: u128,
    pub end: usize,
    /// Written with `::`.
    pub compressed: bool,
    /// Ends in a dotted quad.
    pub dotted: bool,
    /// Hex letters were upper case.
    pub upper: bool,
}

/// Parses an IPv6 address starting at `start` (the caller checked the left boundary).
///
/// Greedy, but gives back trailing groups that run into a word (`...:2181:FastLeader...`), and
/// stops after 8 groups so Java's `/0:0:0:0:0:0:0:1:9092` (address then port) works. Requires a
/// decimal digit somewhere so hex words (`dead::beef`, Scala `a::b`) are not addresses.
pub(crate) fn parse_ipv6_at(b: &[u8], start: usize) -> Option<V6> {
    #[derive(Clone, Copy)]
    struct Cand {
        end: usize,
        n: usize,
        dc: Option<usize>,
        dotted: bool,
    }
    let mut groups = [0u16; 8];
    let mut cands = [Cand { end: 0, n: 0, dc: None, dotted: false }; 10];
    let mut nc = 0usize;
    let mut n = 0usize;
    let mut dc: Option<usize> = None;
    let mut i = start;
    if b.get(i) == Some(&b':') {
        if b.get(i + 1) != Some(&b':') {
            return None;
        }
        dc = Some(0);
        i += 2;
        cands[nc] = Cand { end: i, n, dc, dotted: false };
        nc += 1;
    }
    loop {
        let cap = if dc.is_some() { 7 } else { 8 };
        if n >= cap {
            break;
        }
        // embedded dotted quad as the last two groups
        if n + 2 <= cap
            && let Some((v4, e)) = parse_ipv4_at(b, i)
        {
            groups[n] = (v4 >> 16) as u16;
            groups[n + 1] = v4 as u16;
            n += 2;
            cands[nc] = Cand { end: e, n, dc, dotted: true };
            nc += 1;
            break;
        }
        let s = i;
        let mut v: u32 = 0;
        while i < b.len() && is_hex(b[i]) && i - s < 5 {
            v = (v << 4) | u32::from(hex_digit(b[i]));
            i += 1;
        }
        let len = i - s;
        if len == 0 || len > 4 {
            break;
        }
        groups[n] = v as u16;
        n += 1;
        cands[nc] = Cand { end: i, n, dc, dotted: false };
        nc += 1;
        if b.get(i) == Some(&b':') && b.get(i + 1) == Some(&b':') && dc.is_none() {
            dc = Some(n);
            i += 2;
            cands[nc] = Cand { end: i, n, dc, dotted: false };
            nc += 1;
            if !b.get(i).is_some_and(|&c| is_hex(c)) {
                break;
            }
        } else if b.get(i) == Some(&b':') && b.get(i + 1).is_some_and(|&c| is_hex(c)) {
            i += 1;
        } else {
            break;
        }
    }
    for c in cands[..nc].iter().rev() {
        match c.dc {
            None if c.n != 8 => continue,
            Some(_) if c.n > 7 => continue,
            _ => {}
        }
        let bad_next = match b.get(c.end) {
            None => false,
            Some(&x) => x == b'_' || is_alnum(x) || (x == b'.' && b.get(c.end + 1).is_some_and(|&d| is_digit(d))),
        };
        if bad_next {
            continue;
        }
        let text = &b[start..c.end];
        if !text.iter().any(|&x| is_digit(x)) {
            continue;
        }
        // more colon-separated hex groups after it than a port: a hex dump or chip id
        // (`FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC`), not an address
        if c.n + groups_after(b, c.end) > 9 {
            return None;
        }
        let mut full = [0u16; 8];
        match c.dc {
            None => full = groups,
            Some(at) => {
                let tail = c.n - at;
                full[..at].copy_from_slice(&groups[..at]);
                full[8 - tail..].copy_from_slice(&groups[at..c.n]);
            }
        }
        let mut addr: u128 = 0;
        for g in full {
            addr = (addr << 16) | u128::from(g);
        }
        let upper = text.iter().any(|x| x.is_ascii_uppercase()) && !text.iter().any(|x| x.is_ascii_lowercase());
        return Some(V6 { addr, end: c.end, compressed: c.dc.is_some(), dotted: c.dotted, upper });
    }
    None
}

/// Number of further `:hex` groups (each ending at a non-word byte) after `i`.
fn groups_after(b: &[u8], mut i: usize) -> usize {
    let mut n = 0;
    while b.get(i) == Some(&b':') {
        let s = i + 1;
        let mut e = s;
        while e < b.len() && is_hex(b[e]) && e - s < 5 {
            e += 1;
        }
        if e == s || e - s > 4 || b.get(e).is_some_and(|&c| is_alnum(c) || c == b'_') {
            break;
        }
        n += 1;
        i = e;
    }
    n
}

/// A parsed MAC address.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mac {
    pub value: u64,
    pub end: usize,
    pub sep: u8,
    pub upper: bool,
    /// Cisco dotted form `001a.2b3c.4d5e`.
    pub cisco: bool,
}

/// `hh:hh:hh:hh:hh:hh` or `hh-hh-hh-hh-hh-hh` at `start`, not followed by more address or word.
pub(crate) fn parse_mac_at(b: &[u8], start: usize, sep: u8) -> Option<Mac> {
    if start + 17 > b.len() {
        return None;
    }
    let t = &b[start..start + 17];
    let mut v: u64 = 0;
    for (k, &c) in t.iter().enumerate() {
        if k % 3 == 2 {
            if c != sep {
                return None;
            }
        } else if is_hex(c) {
            v = (v << 4) | u64::from(hex_digit(c));
        } else {
            return None;
        }
    }
    if let Some(&c) = b.get(start + 17)
        && (is_alnum(c) || c == b'_' || c == sep || (c == b'.' && b.get(start + 18).is_some_and(|&d| is_digit(d))))
    {
        return None;
    }
    Some(Mac { value: v, end: start + 17, sep, upper: t.iter().any(|c| c.is_ascii_uppercase()), cisco: false })
}

/// Cisco `hhhh.hhhh.hhhh` spanning exactly `w`; needs a decimal digit.
pub(crate) fn parse_mac_cisco(w: &[u8]) -> Option<Mac> {
    if w.len() != 14 || w[4] != b'.' || w[9] != b'.' {
        return None;
    }
    let mut v: u64 = 0;
    let mut digit = false;
    for (k, &c) in w.iter().enumerate() {
        if k == 4 || k == 9 {
            continue;
        }
        if !is_hex(c) {
            return None;
        }
        digit |= is_digit(c);
        v = (v << 4) | u64::from(hex_digit(c));
    }
    digit.then_some(Mac { value: v, end: 14, sep: b'.', upper: w.iter().any(|c| c.is_ascii_uppercase()), cisco: true })
}

pub(crate) fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

pub(crate) fn format_ipv4(a: u32, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{}", std::net::Ipv4Addr::from(a));
}

/// Formats like the original: compressed (RFC 5952) if it was written with `::`, otherwise all 8
/// groups without leading zeros (Java's style); upper case if it was.
pub(crate) fn format_ipv6(a: u128, compressed: bool, upper: bool, out: &mut String) {
    use std::fmt::Write;
    let start = out.len();
    if compressed {
        let _ = write!(out, "{}", std::net::Ipv6Addr::from(a));
    } else {
        for k in 0..8 {
            if k > 0 {
                out.push(':');
            }
            let g = (a >> (112 - 16 * k)) as u16;
            let _ = write!(out, "{g:x}");
        }
    }
    if upper {
        let tail = out.split_off(start);
        out.push_str(&tail.to_ascii_uppercase());
    }
}

pub(crate) fn format_mac(m: &Mac, value: u64, out: &mut String) {
    const LO: &[u8; 16] = b"0123456789abcdef";
    const UP: &[u8; 16] = b"0123456789ABCDEF";
    let digits = if m.upper { UP } else { LO };
    for k in 0..12 {
        let nib = ((value >> (44 - 4 * k)) & 15) as usize;
        if m.cisco {
            if k > 0 && k % 4 == 0 {
                out.push('.');
            }
        } else if k > 0 && k % 2 == 0 {
            out.push(m.sep as char);
        }
        out.push(digits[nib] as char);
    }
}

/// A canonical spelling of an address (for deciding that two originals are the same value).
pub(crate) fn normalize_addr(s: &str) -> Option<String> {
    let s = s.trim_start_matches('[').trim_end_matches(']');
    if let Ok(a) = s.parse::<std::net::IpAddr>() {
        return Some(a.to_string());
    }
    if let Some((a, len)) = s.split_once('/')
        && let Ok(a) = a.parse::<std::net::IpAddr>()
    {
        return Some(format!("{a}/{len}"));
    }
    let b = s.as_bytes();
    if let Some(m) = parse_mac_at(b, 0, b':').or_else(|| parse_mac_at(b, 0, b'-')).or_else(|| parse_mac_cisco(b)) {
        return Some(format!("{:012x}", m.value));
    }
    if let Some((v, _)) = parse_ipv4_at(b, 0) {
        return Some(std::net::Ipv4Addr::from(v).to_string());
    }
    None
}
