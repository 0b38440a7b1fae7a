//! fieldkit-redact: consistent, type-preserving, reversible redaction of Kafka / Confluent log
//! text.
//!
//! A [`Redactor`] rewrites lines so that IP addresses, host names, URLs, e-mail and MAC
//! addresses, user names / principals, secrets and user-supplied keywords are replaced by
//! pseudonyms:
//!
//! * **consistent** — a pseudonym is HMAC-SHA256 over (kind, value) with a 32-byte [`Key`], so the
//!   same value gets the same token in every file and every run with the same key;
//! * **type-preserving** — an IPv4 address stays a valid IPv4 address (prefix-preserving, private
//!   stays private), an IPv6 a valid IPv6, a host name a valid host name with the same label
//!   count, an e-mail a valid e-mail, a MAC a valid MAC, `User:alice` stays `User:user-…`;
//! * **reversible** — every token except secrets is recorded in a [`Mapping`] (token → original),
//!   which is saved next to the redacted bundle and never shared;
//! * **structure-preserving** — lines are never added or removed, so `file:line` evidence in a
//!   redacted bundle points at the same place as in the original; bytes that are not UTF-8 pass
//!   through untouched.
//!
//! What triage needs is kept: Java class and package names, config keys, file names, versions,
//! timestamps, thread names, log levels, topic names, error texts, loopback addresses, ports.
//!
//! See `docs/redaction.md` for the full list of rules.
//!
//! ```
//! use fieldkit_redact::{Key, RedactConfig, Redactor};
//! let mut r = Redactor::new(Key::from_bytes([1; 32]), RedactConfig::default()).unwrap();
//! let out = r.redact_str("Connection to node 1 (kafka-1.acme.com/10.0.0.1:9093) could not be established.");
//! assert!(!out.contains("acme") && !out.contains("10.0.0.1") && out.contains(":9093"));
//! ```

mod error;
mod key;
mod mapping;
mod net;
mod pseudo;
mod scan;
mod tables;

use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

pub use error::RedactError;
pub use key::{Key, load_or_create_key};
pub use mapping::{Entry, Kind, Mapping};

use pseudo::{AddrClass, Prf, class_v4, class_v6};
use scan::{Act, DnAttr, SLOTS, Scanner, Span, prio};

/// Which built-in kinds are redacted. All on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kinds {
    /// IPv4 addresses and networks.
    pub ipv4: bool,
    /// IPv6 addresses and networks.
    pub ipv6: bool,
    /// Host names and FQDNs (also inside URLs, DNs, Kerberos principals, e-mail domains are
    /// governed by `emails`).
    pub hosts: bool,
    /// URL parsing: credentials in `user:pass@`, hosts of any form after `scheme://`, and
    /// identifier-like path segments. Off: URLs are only seen by the other detectors.
    pub urls: bool,
    /// e-mail addresses.
    pub emails: bool,
    /// MAC addresses.
    pub macs: bool,
    /// User names and principals (`User:alice`, `username="alice"`, DN values, URL users).
    pub users: bool,
    /// Passwords, tokens, keys and other secrets.
    pub secrets: bool,
}

impl Kinds {
    /// Everything on.
    pub const ALL: Kinds =
        Kinds { ipv4: true, ipv6: true, hosts: true, urls: true, emails: true, macs: true, users: true, secrets: true };
    /// Everything off (only keywords and regexes apply).
    pub const NONE: Kinds = Kinds {
        ipv4: false,
        ipv6: false,
        hosts: false,
        urls: false,
        emails: false,
        macs: false,
        users: false,
        secrets: false,
    };
    /// The names accepted by [`Kinds::set`].
    pub const NAMES: &'static [&'static str] = &["ipv4", "ipv6", "hosts", "urls", "emails", "macs", "users", "secrets"];

    /// Switches a kind on or off by name (`ipv4`, `ipv6`, `hosts`, `urls`, `emails`, `macs`,
    /// `users`, `secrets`; `ip` means both address families).
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), RedactError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "ipv4" => self.ipv4 = on,
            "ipv6" => self.ipv6 = on,
            "ip" | "ips" => {
                self.ipv4 = on;
                self.ipv6 = on;
            }
            "hosts" | "host" => self.hosts = on,
            "urls" | "url" => self.urls = on,
            "emails" | "email" => self.emails = on,
            "macs" | "mac" => self.macs = on,
            "users" | "user" => self.users = on,
            "secrets" | "secret" => self.secrets = on,
            other => return Err(RedactError::UnknownKind(other.to_string())),
        }
        Ok(())
    }
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds::ALL
    }
}

/// What to redact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactConfig {
    /// Built-in kinds on/off.
    pub kinds: Kinds,
    /// Literal keywords (customer names, project code names...), matched anywhere in a line.
    pub keywords: Vec<String>,
    /// Match keywords ignoring ASCII case (default true); equal keywords in any case then get the
    /// same token.
    pub keywords_ignore_case: bool,
    /// Extra regexes (Rust `regex` syntax, matched on bytes). If a regex has a capture group,
    /// only group 1 is replaced (`password:\s*(\S+)`), else the whole match.
    pub regexes: Vec<String>,
}

impl Default for RedactConfig {
    fn default() -> Self {
        RedactConfig { kinds: Kinds::ALL, keywords: Vec::new(), keywords_ignore_case: true, regexes: Vec::new() }
    }
}

/// Rewrites lines; see the crate documentation.
///
/// `redact_line` takes `&mut self` because it caches pseudonyms (HMAC runs once per distinct
/// value) and records the reverse [`Mapping`]. For parallel use, clone one `Redactor` per worker
/// (tokens only depend on the key and the value, so all clones produce identical tokens) and
/// merge their mappings with [`Mapping::merge`] at the end.
#[derive(Clone)]
pub struct Redactor {
    prf: Prf,
    kinds: Kinds,
    keywords: Option<AhoCorasick>,
    keywords_ignore_case: bool,
    regexes: Vec<(regex::bytes::Regex, bool)>,
    cache: Vec<TokenCache>,
    mapping: Mapping,
    spans: Vec<Span>,
    accepted: Vec<Span>,
    /// Inside a PEM private-key block (state carried from line to line).
    in_pem: bool,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("kinds", &self.kinds)
            .field("keywords", &self.keywords.as_ref().map_or(0, |k| k.patterns_len()))
            .field("regexes", &self.regexes.len())
            .field("mapping_entries", &self.mapping.len())
            .finish_non_exhaustive()
    }
}

/// original bytes -> token (None: the original is kept, e.g. a loopback address).
type TokenCache = HashMap<Box<[u8]>, Option<Box<str>>>;

/// Cache entries per kind before the cache is cleared (bounds memory on huge inputs; tokens do
/// not change, they are just computed again).
const CACHE_LIMIT: usize = 1 << 21;

impl Redactor {
    /// Builds a redactor. Fails on an empty keyword or a regex that does not compile.
    pub fn new(key: Key, config: RedactConfig) -> Result<Self, RedactError> {
        let keywords = if config.keywords.is_empty() {
            None
        } else {
            if config.keywords.iter().any(|k| k.is_empty()) {
                return Err(RedactError::EmptyKeyword);
            }
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .ascii_case_insensitive(config.keywords_ignore_case)
                    .build(&config.keywords)?,
            )
        };
        let mut regexes = Vec::with_capacity(config.regexes.len());
        for pattern in &config.regexes {
            let re = regex::bytes::Regex::new(pattern)
                .map_err(|source| RedactError::Regex { pattern: pattern.clone(), source: Box::new(source) })?;
            let has_group = re.captures_len() > 1;
            regexes.push((re, has_group));
        }
        Ok(Redactor {
            prf: Prf::new(&key)?,
            kinds: config.kinds,
            keywords,
            keywords_ignore_case: config.keywords_ignore_case,
            regexes,
            cache: (0..SLOTS).map(|_| HashMap::new()).collect(),
            mapping: Mapping::new(),
            spans: Vec::new(),
            accepted: Vec::new(),
            in_pem: false,
        })
    }

    /// Redacts one line given WITHOUT its line terminator and appends the result to `out`.
    /// Any bytes are accepted; bytes that are not part of a redacted value are copied unchanged
    /// (invalid UTF-8 included). If `line` does contain `\n` it is handled like
    /// [`Redactor::redact_text`], so newlines are never added or removed.
    pub fn redact_line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        if memchr::memchr(b'\n', line).is_some() {
            self.redact_text(line, out);
        } else {
            self.line(line, out);
        }
    }

    /// Redacts text of many lines, keeping every line terminator (`\n`, `\r\n`) exactly. Text may
    /// be fed in chunks that end at line boundaries; call [`Redactor::end_file`] between files.
    pub fn redact_text(&mut self, text: &[u8], out: &mut Vec<u8>) {
        out.reserve(text.len() + text.len() / 16);
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', text) {
            self.line(&text[start..nl], out);
            out.push(b'\n');
            start = nl + 1;
        }
        if start < text.len() {
            self.line(&text[start..], out);
        }
    }

    /// Forgets state carried from line to line (an open PEM private-key block). Call it between
    /// files when one `Redactor` redacts several files line by line or in chunks.
    pub fn end_file(&mut self) {
        self.in_pem = false;
    }

    /// Convenience: redacts a string (lines and newlines preserved).
    pub fn redact_str(&mut self, text: &str) -> String {
        let mut out = Vec::with_capacity(text.len() + 16);
        self.redact_text(text.as_bytes(), &mut out);
        // only ASCII tokens replace whole runs of ASCII bytes, so UTF-8 stays UTF-8
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// A keyed pseudonym for a whole value, whatever it holds: `v-` and 16 base32 characters
    /// (80 bits), equal for equal values under one key. For identities the detectors do not
    /// recognise in free text (a bare node label, a tenant id, a dedup key); 80 bits keep
    /// distinct values distinct in practice, so a pseudonymised identity still identifies.
    pub fn pseudonym(&mut self, value: &[u8]) -> String {
        let mut t = String::from("v-");
        self.prf.b32(b"value", &[value], 16, &mut t);
        self.mapping.insert(&t, Kind::Value, value);
        t
    }

    /// The reverse map built so far: token → (kind, original), secrets excluded.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Takes the reverse map out, leaving an empty one (the pseudonym cache is kept, so tokens
    /// seen before are not recorded again: take it once, at the end).
    pub fn take_mapping(&mut self) -> Mapping {
        std::mem::take(&mut self.mapping)
    }

    /// The kinds this redactor redacts.
    pub fn kinds(&self) -> Kinds {
        self.kinds
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        self.spans.clear();
        if self.kinds.secrets {
            self.pem(line);
        }
        Scanner::new(line, self.kinds, &mut self.spans).run();
        if let Some(ac) = &self.keywords {
            for m in ac.find_iter(line) {
                if m.start() < m.end() {
                    self.spans.push(Span { start: m.start(), end: m.end(), prio: prio::KEYWORD, act: Act::Keyword });
                }
            }
        }
        for (re, group) in &self.regexes {
            if *group {
                for c in re.captures_iter(line) {
                    if let Some(m) = c.get(1)
                        && m.start() < m.end()
                    {
                        self.spans.push(Span { start: m.start(), end: m.end(), prio: prio::REGEX, act: Act::Regex });
                    }
                }
            } else {
                for m in re.find_iter(line) {
                    if m.start() < m.end() {
                        self.spans.push(Span { start: m.start(), end: m.end(), prio: prio::REGEX, act: Act::Regex });
                    }
                }
            }
        }
        if self.spans.is_empty() {
            out.extend_from_slice(line);
            return;
        }
        self.resolve();
        let mut pos = 0;
        for i in 0..self.accepted.len() {
            let sp = self.accepted[i];
            out.extend_from_slice(&line[pos..sp.start]);
            self.emit(&line[sp.start..sp.end], sp.act, out);
            pos = sp.end;
        }
        out.extend_from_slice(&line[pos..]);
    }

    /// PEM private keys: `-----BEGIN ... PRIVATE KEY-----`, then base64 lines up to `-----END`.
    /// Each base64 run becomes a secret token; the markers, headers and line structure stay.
    /// Also a whole block on one line (a properties value).
    fn pem(&mut self, line: &[u8]) {
        use scan::find_short as find;
        let b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=');
        let begin = scan::PEM_BEGIN.find(line);
        let mut from = 0;
        if let Some(b) = begin {
            let close = find(&line[b + 11..], b"-----").map(|x| b + 11 + x + 5);
            match close {
                Some(close) if find(&line[b..close], b"PRIVATE KEY").is_some() => {
                    self.in_pem = true;
                    from = close;
                }
                _ => {
                    self.in_pem = false;
                    return;
                }
            }
        } else if !self.in_pem {
            return;
        }
        let end = scan::PEM_END.find(&line[from..]).map(|x| from + x);
        let stop = end.unwrap_or(line.len());
        if begin.is_none() && end.is_none() {
            let t = line.trim_ascii();
            // headers of encrypted keys are not key material
            if t.starts_with(b"Proc-Type:") || t.starts_with(b"DEK-Info:") {
                return;
            }
            // anything but base64 ends the block (an unterminated key must not swallow the log)
            if !t.iter().all(|&c| b64(c) || matches!(c, b' ' | b'\t' | b'\\' | b'"' | b'\'')) {
                self.in_pem = false;
                return;
            }
        }
        let mut i = from;
        while i < stop {
            if b64(line[i]) {
                let s = i;
                while i < stop && b64(line[i]) {
                    i += 1;
                }
                self.spans.push(Span { start: s, end: i, prio: prio::SECRET, act: Act::Secret });
            } else {
                i += 1;
            }
        }
        if end.is_some() {
            self.in_pem = false;
        }
    }

    /// Keeps spans in priority order (then leftmost, then longest) that do not overlap a span
    /// already kept; leaves them in `self.accepted` sorted by position.
    fn resolve(&mut self) {
        self.spans.sort_unstable_by_key(|s| (s.prio, s.start, std::cmp::Reverse(s.end)));
        self.accepted.clear();
        if self.spans.len() <= 32 {
            for sp in &self.spans {
                if self.accepted.iter().all(|a| sp.end <= a.start || sp.start >= a.end) {
                    self.accepted.push(*sp);
                }
            }
        } else {
            let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
            for sp in &self.spans {
                if let Some((_, &e)) = taken.range(..=sp.start).next_back()
                    && e > sp.start
                {
                    continue;
                }
                if let Some((&s, _)) = taken.range(sp.start..).next()
                    && s < sp.end
                {
                    continue;
                }
                taken.insert(sp.start, sp.end);
                self.accepted.push(*sp);
            }
        }
        self.accepted.sort_unstable_by_key(|s| s.start);
    }

    fn emit(&mut self, orig: &[u8], act: Act, out: &mut Vec<u8>) {
        let slot = act.slot();
        if let Some(tok) = self.cache[slot].get(orig) {
            match tok {
                Some(t) => out.extend_from_slice(t.as_bytes()),
                None => out.extend_from_slice(orig),
            }
            return;
        }
        let tok = self.generate(act, orig);
        match &tok {
            Some(t) => out.extend_from_slice(t.as_bytes()),
            None => out.extend_from_slice(orig),
        }
        let cache = &mut self.cache[slot];
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(orig.into(), tok.map(String::into_boxed_str));
    }

    /// The token for `orig` (None: keep it), recording it in the mapping.
    fn generate(&mut self, act: Act, orig: &[u8]) -> Option<String> {
        match act {
            Act::Ipv4 => self.ipv4_token(orig),
            Act::Ipv6 => self.ipv6_token(orig),
            Act::Mac => self.mac_token(orig),
            Act::Host => self.host_token(orig),
            Act::Email => self.email_token(orig),
            Act::User => Some(self.user_token(orig)),
            Act::Secret => {
                let mut t = String::from("secret-");
                self.prf.b32(b"secret", &[orig], 8, &mut t);
                Some(t)
            }
            Act::Dn(attr) => self.dn_token(attr, orig),
            Act::UrlPath => Some(self.simple_token("id-", b"urlpath", Kind::Urlpath, orig)),
            Act::Keyword => {
                let norm = if self.keywords_ignore_case { orig.to_ascii_lowercase() } else { orig.to_vec() };
                let mut t = String::from("kw-");
                self.prf.b32(b"keyword", &[&norm], 8, &mut t);
                self.mapping.insert(&t, Kind::Keyword, orig);
                Some(t)
            }
            Act::Regex => Some(self.simple_token("rx-", b"regex", Kind::Regex, orig)),
        }
    }

    fn simple_token(&mut self, prefix: &str, domain: &[u8], kind: Kind, orig: &[u8]) -> String {
        let mut t = String::from(prefix);
        self.prf.b32(domain, &[orig], 8, &mut t);
        self.mapping.insert(&t, kind, orig);
        t
    }

    /// `user-xxxxxxxx` (8 base32 characters = 40 bits). User names are case-sensitive (Kafka
    /// principals are).
    fn user_token(&mut self, orig: &[u8]) -> String {
        let mut t = String::from("user-");
        self.prf.b32(b"user", &[orig], 8, &mut t);
        self.mapping.insert(&t, Kind::User, orig);
        t
    }

    /// IPv4: prefix-preserving within the address's class (see [`pseudo`]); `a.b.c.d/len`
    /// networks keep the length and zero host bits stay zero.
    fn ipv4_token(&mut self, orig: &[u8]) -> Option<String> {
        let (addr_text, len) = split_cidr(orig);
        if len.is_some_and(|l| l > 32) {
            return None;
        }
        let a = net::parse_ipv4_exact(addr_text)?;
        if class_v4(a) == AddrClass::Keep {
            return None;
        }
        let mut m = self.prf.map_addr(false, u128::from(a)) as u32;
        if let Some(len) = len {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            if a & !mask == 0 {
                m &= mask;
            }
        }
        let mut t = String::with_capacity(18);
        net::format_ipv4(m, &mut t);
        if let Some(len) = len {
            t.push('/');
            t.push_str(&len.to_string());
        }
        self.mapping.insert(&t, Kind::Ipv4, orig);
        Some(t)
    }

    /// IPv6: prefix-preserving within its class; IPv4-mapped addresses map their IPv4 part like
    /// IPv4 (so `::ffff:10.0.0.1` and `10.0.0.1` stay linked). Written in the original's style.
    fn ipv6_token(&mut self, orig: &[u8]) -> Option<String> {
        let (addr_text, len) = split_cidr(orig);
        if len.is_some_and(|l| l > 128) {
            return None;
        }
        let v = net::parse_ipv6_at(addr_text, 0)?;
        if v.end != addr_text.len() {
            return None;
        }
        let mapped = if v.addr >> 32 == 0xffff {
            let a = v.addr as u32;
            if class_v4(a) == AddrClass::Keep {
                return None;
            }
            (0xffffu128 << 32) | u128::from(self.prf.map_addr(false, u128::from(a)) as u32)
        } else {
            if class_v6(v.addr) == AddrClass::Keep {
                return None;
            }
            self.prf.map_addr(true, v.addr)
        };
        let mut m = mapped;
        if let Some(len) = len {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            if v.addr & !mask == 0 {
                m &= mask;
            }
        }
        let mut t = String::with_capacity(40);
        if v.dotted && m >> 32 == 0xffff {
            t.push_str(if v.upper { "::FFFF:" } else { "::ffff:" });
            net::format_ipv4(m as u32, &mut t);
        } else {
            net::format_ipv6(m, v.compressed || v.dotted, v.upper, &mut t);
        }
        if let Some(len) = len {
            t.push('/');
            t.push_str(&len.to_string());
        }
        self.mapping.insert(&t, Kind::Ipv6, orig);
        Some(t)
    }

    /// MAC: a keyed permutation of the device part. A universally administered address keeps its
    /// OUI (the vendor: says nothing about the customer, helps spot VMs and NIC types); a locally
    /// administered one keeps only its first octet (its flag bits).
    fn mac_token(&mut self, orig: &[u8]) -> Option<String> {
        let m = net::parse_mac_at(orig, 0, b':')
            .or_else(|| net::parse_mac_at(orig, 0, b'-'))
            .or_else(|| net::parse_mac_cisco(orig))?;
        if m.value == 0 || m.value == 0xffff_ffff_ffff {
            return None;
        }
        let local = (m.value >> 40) & 0x02 != 0;
        let bits = if local { 40 } else { 24 };
        let tweak = (m.value >> bits).to_be_bytes();
        let v = self.prf.feistel(&tweak, m.value, bits);
        let mut t = String::with_capacity(17);
        net::format_mac(&m, v, &mut t);
        self.mapping.insert(&t, Kind::Mac, orig);
        Some(t)
    }

    /// Host names keep their label count. Each label is replaced by `h-` and 8 base32 characters
    /// computed from the label AND the (original) parent domain, so hosts of one domain stay in
    /// one (pseudonymous) domain: `kafka-1.prod.acme.com` and `kafka-2.prod.acme.com` become
    /// `h-aaa.h-bbb.h-ccc.com` and `h-ddd.h-bbb.h-ccc.com`. The public suffix is kept — the TLD,
    /// or a provider suffix such as `co.uk`, `amazonaws.com`, `svc.cluster.local`,
    /// `confluent.cloud` — since millions of names share it. Case is normalised (DNS is
    /// case-insensitive) except that an all-upper-case name (a Kerberos realm) stays upper case.
    fn host_token(&mut self, orig: &[u8]) -> Option<String> {
        let trimmed = orig.strip_suffix(b".").unwrap_or(orig);
        if trimmed.is_empty() || scan::is_localhost(trimmed) {
            return None;
        }
        let lower = trimmed.to_ascii_lowercase();
        let starts: Vec<usize> = std::iter::once(0).chain(memchr::memchr_iter(b'.', &lower).map(|d| d + 1)).collect();
        let n = starts.len();
        let mut keep = 0;
        for k in [3usize, 2] {
            if n > k && tables::is_kept_suffix(&lower[starts[n - k]..]) {
                keep = k;
                break;
            }
        }
        if keep == 0 && n > 1 && tables::is_known_tld(&lower[starts[n - 1]..]) {
            keep = 1;
        }
        if keep >= n {
            return None;
        }
        let mapped = n - keep;
        // tokens of the mapped labels, right to left
        let mut labels: Vec<String> = Vec::with_capacity(mapped);
        for i in (0..mapped).rev() {
            let label_end = starts.get(i + 1).map_or(lower.len(), |&s| s - 1);
            let label = &lower[starts[i]..label_end];
            let parent = starts.get(i + 1).map_or(&b""[..], |&s| &lower[s..]);
            let mut t = String::from("h-");
            self.prf.b32(b"host-label", &[parent, label], 8, &mut t);
            labels.push(t);
        }
        labels.reverse();
        let suffix = if keep > 0 { std::str::from_utf8(&lower[starts[n - keep] - 1..]).unwrap_or("") } else { "" };
        let upper = trimmed.iter().any(|c| c.is_ascii_uppercase()) && !trimmed.iter().any(|c| c.is_ascii_lowercase());
        let fix = |s: String| if upper { s.to_ascii_uppercase() } else { s };
        // parent domains, so partial tokens reverse too
        for i in 1..mapped {
            let tok = fix(format!("{}{}", labels[i..].join("."), suffix));
            let orig_suffix = &trimmed[starts[i]..];
            self.mapping.insert(&tok, Kind::Domain, orig_suffix);
        }
        let tok = fix(format!("{}{}", labels.join("."), suffix));
        self.mapping.insert(&tok, Kind::Host, orig);
        Some(tok)
    }

    /// `local@domain` → `user-xxxxxxxx@<host token of domain>`; the local part is lower-cased and
    /// gets the same token as the user name it usually is.
    fn email_token(&mut self, orig: &[u8]) -> Option<String> {
        let at = memchr::memrchr(b'@', orig)?;
        let local = orig[..at].to_ascii_lowercase();
        let domain = &orig[at + 1..];
        let user = self.user_token(&local);
        let dom = match self.host_token(domain) {
            Some(d) => d,
            None => String::from_utf8_lossy(domain).into_owned(),
        };
        let t = format!("{user}@{dom}");
        self.mapping.insert(&t, Kind::Email, orig);
        Some(t)
    }

    fn dn_token(&mut self, attr: DnAttr, orig: &[u8]) -> Option<String> {
        match attr {
            DnAttr::Cn | DnAttr::Uid | DnAttr::Email => {
                if net::parse_ipv4_exact(orig).is_some() {
                    return if self.kinds.ipv4 { self.ipv4_token(orig) } else { None };
                }
                if memchr::memchr(b'@', orig).is_some() {
                    return if self.kinds.emails { self.email_token(orig) } else { None };
                }
                if attr == DnAttr::Cn && scan::cn_is_host(orig) {
                    return if self.kinds.hosts { self.host_token(orig) } else { None };
                }
                if self.kinds.users { Some(self.user_token(orig)) } else { None }
            }
            DnAttr::Dc => {
                let lower = orig.to_ascii_lowercase();
                if tables::is_known_tld(&lower) || !self.kinds.hosts {
                    return None;
                }
                let mut t = String::from("dc-");
                self.prf.b32(b"dn", &[b"dc", &lower], 8, &mut t);
                self.mapping.insert(&t, Kind::Dn, orig);
                Some(t)
            }
            _ => {
                if !self.kinds.users {
                    return None;
                }
                let mut t = String::from(attr.prefix());
                t.push('-');
                self.prf.b32(b"dn", &[attr.prefix().as_bytes(), orig], 8, &mut t);
                self.mapping.insert(&t, Kind::Dn, orig);
                Some(t)
            }
        }
    }
}

/// `a.b.c.d/24` → (`a.b.c.d`, Some(24)).
fn split_cidr(orig: &[u8]) -> (&[u8], Option<u32>) {
    if let Some(slash) = memchr::memrchr(b'/', orig)
        && let Ok(s) = std::str::from_utf8(&orig[slash + 1..])
        && let Ok(len) = s.parse::<u32>()
    {
        return (&orig[..slash], Some(len));
    }
    (orig, None)
}
