//! The scanner: finds what to replace in one line, as spans with a priority.
//!
//! No regex runs here. A few SIMD searches (`memchr`) find trigger bytes — `.` for dotted words
//! (IPv4, FQDNs), `:` `=` `@` for addresses, URLs, principals, key=value pairs and e-mails, `-`
//! for dashed MACs, `eyJ` for JWTs — and small hand-written parsers look only around them.
//! Detectors may propose overlapping spans; [`crate::Redactor`] keeps, in priority order, those
//! that do not overlap a span it already kept.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use memchr::{memchr_iter, memchr3_iter};

use crate::Kinds;
use crate::net::{parse_ipv4_exact, parse_ipv6_at, parse_mac_at, parse_mac_cisco};
use crate::pseudo::{AddrClass, class_v4, class_v6};
use crate::tables::{
    is_alnum, is_b64, is_digit, is_file_ext, is_hex, is_local, is_name, is_not_host, is_package_root, is_strong_tld,
    is_url_end, is_word, lower,
};

/// Attributes of an X.500 distinguished name that are redacted (`C=` is kept: a country
/// identifies nobody).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DnAttr {
    Cn,
    Ou,
    O,
    Dc,
    Uid,
    L,
    St,
    Street,
    Email,
}

impl DnAttr {
    pub(crate) fn index(self) -> usize {
        self as usize
    }
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            DnAttr::Cn => "cn",
            DnAttr::Ou => "ou",
            DnAttr::O => "o",
            DnAttr::Dc => "dc",
            DnAttr::Uid => "uid",
            DnAttr::L => "l",
            DnAttr::St => "st",
            DnAttr::Street => "street",
            DnAttr::Email => "email",
        }
    }
}

/// What to do with a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    /// `a.b.c.d` or `a.b.c.d/len`
    Ipv4,
    /// an IPv6 address, optionally `/len`
    Ipv6,
    Mac,
    Host,
    Email,
    User,
    Secret,
    Dn(DnAttr),
    UrlPath,
    Keyword,
    Regex,
}

pub(crate) const SLOTS: usize = 10 + 9;

impl Act {
    /// Index of this act's pseudonym cache.
    pub(crate) fn slot(self) -> usize {
        match self {
            Act::Ipv4 => 0,
            Act::Ipv6 => 1,
            Act::Mac => 2,
            Act::Host => 3,
            Act::Email => 4,
            Act::User => 5,
            Act::Secret => 6,
            Act::UrlPath => 7,
            Act::Keyword => 8,
            Act::Regex => 9,
            Act::Dn(a) => 10 + a.index(),
        }
    }
}

/// Priorities: lower wins an overlap.
pub(crate) mod prio {
    pub const SECRET: u8 = 0;
    pub const USER: u8 = 1;
    pub const STRONG: u8 = 2;
    pub const ADDR: u8 = 3;
    pub const CONTEXT_HOST: u8 = 4;
    pub const TLD_HOST: u8 = 5;
    pub const URL_PATH: u8 = 6;
    pub const KEYWORD: u8 = 7;
    pub const REGEX: u8 = 8;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub prio: u8,
    pub act: Act,
}

/// How a `key=value` key is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyClass {
    Ignore,
    Secret,
    User,
    /// JAAS `user_NAME="password"`: NAME is a user, the value a secret.
    UserPassword,
    /// host lists: `bootstrap.servers`, `listeners`, `zookeeper.connect`, `host`...
    HostList,
    /// DN attribute; `true` if it is distinctive enough to act on outside an obvious DN.
    Dn(DnAttr, bool),
    /// `C=` in a DN: kept.
    DnKeep,
}

const MAX_VALUE: usize = 4096;

// Searchers built once: building a `memmem` searcher per line costs more than the search.
pub(crate) static PEM_BEGIN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-----BEGIN "));
pub(crate) static PEM_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-----END"));
static UNRESOLVED: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"/<unresolved>"));
static UNKNOWN_HOST: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"UnknownHostException: "));
static JWT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"eyJ"));

/// Substring search for short haystacks (keys, values, items).
pub(crate) fn find_short(h: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || h.len() < needle.len() {
        return None;
    }
    h.windows(needle.len()).position(|w| w == needle)
}

pub(crate) struct Scanner<'a> {
    line: &'a [u8],
    k: Kinds,
    spans: &'a mut Vec<Span>,
    v6_skip: usize,
    url_skip: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(line: &'a [u8], k: Kinds, spans: &'a mut Vec<Span>) -> Self {
        Scanner { line, k, spans, v6_skip: 0, url_skip: 0 }
    }

    pub(crate) fn run(&mut self) {
        if self.k.ipv4 || self.k.hosts || self.k.macs {
            self.dots();
        }
        self.puncts();
        if self.k.macs {
            self.dashes();
        }
        if self.k.secrets {
            self.jwt();
        }
        if self.k.hosts {
            self.host_phrases();
        }
    }

    /// Single-label hosts named by Java messages: `kafka-1/<unresolved>:9092`
    /// (InetSocketAddress) and `UnknownHostException: kafka-9`.
    fn host_phrases(&mut self) {
        let l = self.line;
        for x in UNRESOLVED.find_iter(l) {
            self.host_before_slash(x);
        }
        for x in UNKNOWN_HOST.find_iter(l) {
            let s = x + 22;
            let mut e = s;
            while e < l.len() && e - s < 256 && is_word(l[e]) {
                e += 1;
            }
            while e > s && !is_alnum(l[e - 1]) {
                e -= 1;
            }
            // an address is handled by the address scanners
            if s < e && !l[s].is_ascii_digit() {
                self.host_or_ip(s, e, prio::CONTEXT_HOST);
            }
        }
    }

    fn push(&mut self, start: usize, end: usize, prio: u8, act: Act) {
        if start < end && end <= self.line.len() {
            self.spans.push(Span { start, end, prio, act });
        }
    }

    // ---------------------------------------------------------------- dotted words

    fn dots(&mut self) {
        let l = self.line;
        let mut skip = 0;
        for d in memchr_iter(b'.', l) {
            if d < skip {
                continue;
            }
            let mut s = d;
            while s > 0 && is_word(l[s - 1]) {
                s -= 1;
            }
            let mut e = d + 1;
            while e < l.len() && is_word(l[e]) {
                e += 1;
            }
            skip = e;
            self.word(s, e);
        }
    }

    fn word(&mut self, s: usize, e: usize) {
        let l = self.line;
        let (mut s, mut e) = (s, e);
        while s < e && !is_alnum(l[s]) {
            s += 1;
        }
        while e > s && !is_alnum(l[e - 1]) {
            e -= 1;
        }
        if e - s < 3 {
            return;
        }
        let w = &l[s..e];
        if is_digit(w[0])
            && let Some(a) = parse_ipv4_exact(w)
        {
            if self.k.ipv4 {
                self.ipv4(s, e, a, prio::ADDR);
            }
            if self.k.hosts && s > 0 && l[s - 1] == b'/' {
                self.host_before_slash(s - 1);
            }
            return;
        }
        if is_digit(w[0]) && self.k.ipv4 {
            self.embedded_ipv4(s, e);
        }
        if self.k.macs
            && w.len() == 14
            && let Some(m) = parse_mac_cisco(w)
        {
            if m.value != 0 && m.value != 0xffff_ffff_ffff {
                self.push(s, e, prio::ADDR, Act::Mac);
            }
            return;
        }
        if !self.k.hosts {
            return;
        }
        // a config key (`ssl.keystore.location=`), a method call, or an e-mail domain (decided
        // by the '@' scanner)
        // the domain of an e-mail or Kerberos principal: the '@' scanner decides (but a KRaft voter
        // `1@host` or a bare `@REALM` in a rule is an ordinary host here)
        if s > 1 && l[s - 1] == b'@' && is_local(l[s - 2]) {
            let mut ls = s - 1;
            while ls > 0 && s - ls < 256 && is_local(l[ls - 1]) {
                ls -= 1;
            }
            if !l[ls..s - 1].iter().all(|&c| is_digit(c)) {
                return;
            }
        }
        let mut n = e;
        while n < l.len() && n - e < 8 && l[n] == b' ' {
            n += 1;
        }
        if matches!(l.get(n), Some(b'=')) || l.get(e) == Some(&b'(') {
            return;
        }
        if host_by_tld(w) {
            self.push(s, e, prio::TLD_HOST, Act::Host);
        }
    }

    /// Kafka connection ids `10.0.0.5:54321-10.0.0.1:9092-12`: the second address is inside the
    /// word `54321-10.0.0.1`; taken when it ends the word and a port follows.
    fn embedded_ipv4(&mut self, s: usize, e: usize) {
        let l = self.line;
        if l.get(e) != Some(&b':') || !l.get(e + 1).is_some_and(|&c| is_digit(c)) {
            return;
        }
        if let Some(dash) = memchr::memrchr(b'-', &l[s..e]) {
            let a0 = s + dash + 1;
            if let Some(a) = parse_ipv4_exact(&l[a0..e]) {
                self.ipv4(a0, e, a, prio::ADDR);
            }
        }
    }

    fn ipv4(&mut self, s: usize, e: usize, a: u32, prio: u8) {
        if class_v4(a) == AddrClass::Keep {
            return;
        }
        let mut end = e;
        if self.line.get(e) == Some(&b'/')
            && let Some(ce) = self.cidr(e + 1, 32)
        {
            end = ce;
        }
        self.push(s, end, prio, Act::Ipv4);
    }

    /// A prefix length `0..=max` at `i` (after the '/'), returning its end.
    fn cidr(&self, i: usize, max: u32) -> Option<usize> {
        let l = self.line;
        let mut e = i;
        let mut v: u32 = 0;
        while e < l.len() && is_digit(l[e]) && e - i < 3 {
            v = v * 10 + u32::from(l[e] - b'0');
            e += 1;
        }
        if e == i || v > max {
            return None;
        }
        match l.get(e) {
            Some(&c) if is_alnum(c) || c == b'/' || c == b'_' => None,
            Some(b'.') if l.get(e + 1).is_some_and(|&d| is_digit(d)) => None,
            _ => Some(e),
        }
    }

    /// Kafka's node notation `host/ip` (InetAddress.toString): the word before the slash is a
    /// host name, even a single label.
    fn host_before_slash(&mut self, slash: usize) {
        let l = self.line;
        let e = slash;
        let mut s = e;
        while s > 0 && e - s < 256 && is_word(l[s - 1]) {
            s -= 1;
        }
        while s < e && !is_alnum(l[s]) {
            s += 1;
        }
        if s == e || !is_alnum(l[e - 1]) {
            return;
        }
        if s > 0 && matches!(l[s - 1], b'/' | b'\\' | b'.') {
            return; // a path
        }
        let w = &l[s..e];
        if !w.iter().any(|c| c.is_ascii_alphabetic()) || is_localhost(w) || !labels_ok(w) {
            return;
        }
        self.push(s, e, prio::CONTEXT_HOST, Act::Host);
    }

    // ---------------------------------------------------------------- ':' '=' '@'

    fn puncts(&mut self) {
        let l = self.line;
        for p in memchr3_iter(b':', b'=', b'@', l) {
            match l[p] {
                b':' => self.colon(p),
                b'=' => self.equals(p),
                _ => self.at(p),
            }
        }
    }

    fn colon(&mut self, p: usize) {
        let l = self.line;
        if self.k.urls && p >= self.url_skip && l[p + 1..].starts_with(b"//") {
            self.url(p);
        }
        if self.k.users {
            let ends =
                |w: &[u8]| p >= w.len() && &l[p - w.len()..p] == w && (p == w.len() || !is_alnum(l[p - w.len() - 1]));
            if ends(b"User") || ends(b"Group") {
                self.principal(p + 1);
            }
        }
        if (self.k.ipv6 || self.k.macs) && p >= self.v6_skip {
            self.v6_or_mac(p);
        }
        if self.k.hosts {
            self.host_port(p);
        }
        if self.k.secrets || self.k.users {
            self.colon_kv(p);
        }
    }

    /// `User:alice`, `Group:ops` (Kafka principals); DNs (`User:CN=...`) are left to the
    /// DN handling of '='.
    fn principal(&mut self, v: usize) {
        let l = self.line;
        if v >= l.len() || !is_name(l[v]) {
            return;
        }
        let mut j = v;
        while j < l.len() && l[j].is_ascii_alphabetic() {
            j += 1;
        }
        if j > v && l.get(j) == Some(&b'=') {
            return;
        }
        let mut e = v;
        while e < l.len() && e - v < 256 && is_name(l[e]) {
            e += 1;
        }
        while e > v && matches!(l[e - 1], b'.' | b'-' | b'/' | b'@') {
            e -= 1;
        }
        let name = &l[v..e];
        // `Group:LITERAL:payments` is an ACL resource pattern, not a principal
        if name.is_empty()
            || name.iter().all(|&c| is_digit(c))
            || name == b"ANONYMOUS"
            || l.get(e) == Some(&b':')
            || matches!(name, b"LITERAL" | b"PREFIXED" | b"MATCH" | b"ANY" | b"UNKNOWN")
        {
            return;
        }
        self.push(v, e, prio::USER, Act::User);
    }

    fn v6_or_mac(&mut self, p: usize) {
        let l = self.line;
        let floor = self.v6_skip;
        let mut s = p;
        while s > floor && (is_hex(l[s - 1]) || l[s - 1] == b':') {
            s -= 1;
        }
        if l[s] == b':' && l.get(s + 1) != Some(&b':') {
            s += 1;
        }
        let run_end = || {
            let mut e = p;
            while e < l.len() && (is_hex(l[e]) || l[e] == b':') {
                e += 1;
            }
            e
        };
        if s >= l.len() || !(is_hex(l[s]) || l[s] == b':') {
            return;
        }
        if s > 0 {
            let c = l[s - 1];
            if is_alnum(c) || matches!(c, b'_' | b'.' | b'-') {
                self.v6_skip = run_end();
                return;
            }
        }
        if self.k.macs
            && let Some(m) = parse_mac_at(l, s, b':')
        {
            if m.value != 0 && m.value != 0xffff_ffff_ffff {
                self.push(s, m.end, prio::ADDR, Act::Mac);
            }
            self.v6_skip = m.end;
            return;
        }
        if self.k.ipv6
            && let Some(v) = parse_ipv6_at(l, s)
        {
            self.v6_skip = v.end.max(p + 1);
            let keep = if v.addr >> 32 == 0xffff {
                class_v4(v.addr as u32) == AddrClass::Keep
            } else {
                class_v6(v.addr) == AddrClass::Keep
            };
            let mut end = v.end;
            if l.get(end) == Some(&b'/')
                && let Some(ce) = self.cidr(end + 1, 128)
            {
                end = ce;
            }
            if !keep {
                self.push(s, end, prio::STRONG, Act::Ipv6);
            }
            if self.k.hosts && s > 0 && l[s - 1] == b'/' {
                self.host_before_slash(s - 1);
            }
            return;
        }
        self.v6_skip = run_end();
    }

    /// `name:port` with a 2-5 digit port: the name is a host (single labels too).
    fn host_port(&mut self, p: usize) {
        let l = self.line;
        let mut e = p + 1;
        let mut port: u32 = 0;
        while e < l.len() && is_digit(l[e]) && e - p <= 6 {
            port = port * 10 + u32::from(l[e] - b'0');
            e += 1;
        }
        let nd = e - p - 1;
        if !(2..=5).contains(&nd) || port > 65535 {
            return;
        }
        if let Some(&c) = l.get(e)
            && (is_alnum(c) || c == b'_' || c == b':' || (c == b'.' && l.get(e + 1).is_some_and(|&d| is_digit(d))))
        {
            return;
        }
        if p == 0 || !is_alnum(l[p - 1]) {
            return;
        }
        let mut s = p;
        while s > 0 && p - s < 256 && is_word(l[s - 1]) {
            s -= 1;
        }
        while s < p && !is_alnum(l[s]) {
            s += 1;
        }
        if s == p || !l[s].is_ascii_alphabetic() || (s > 0 && l[s - 1] == b'@') {
            return;
        }
        if context_host_ok(&l[s..p]) {
            self.push(s, p, prio::CONTEXT_HOST, Act::Host);
        }
    }

    /// JSON / YAML style `"password": "x"`, `user: alice` (secrets and users only).
    fn colon_kv(&mut self, p: usize) {
        let l = self.line;
        if !matches!(l.get(p + 1), Some(b' ' | b'\t' | b'"' | b'\'')) {
            return;
        }
        let mut ke = p;
        let mut quote = None;
        if ke > 0 && matches!(l[ke - 1], b'"' | b'\'') {
            quote = Some(l[ke - 1]);
            ke -= 1;
        }
        let mut ks = ke;
        while ks > 0 && ke - ks < 128 && is_word(l[ks - 1]) {
            ks -= 1;
        }
        if ks == ke {
            return;
        }
        let mut outer = ks;
        if let Some(q) = quote {
            if ks == 0 || l[ks - 1] != q {
                return;
            }
            outer -= 1;
        }
        let class = classify_key(&l[ks..ke]);
        if !matches!(class, KeyClass::Secret | KeyClass::User | KeyClass::UserPassword) {
            return;
        }
        let at_start = l[..outer].iter().all(|&c| matches!(c, b' ' | b'\t' | b'-' | b'{'));
        self.value(class, ks, ke, p + 1, at_start);
    }

    /// `key=value` and `key = value`.
    fn equals(&mut self, p: usize) {
        let l = self.line;
        if l.get(p + 1) == Some(&b'=') || (p > 0 && matches!(l[p - 1], b'=' | b'!' | b'<' | b'>')) {
            return;
        }
        let mut ke = p;
        while ke > 0 && p - ke < 8 && matches!(l[ke - 1], b' ' | b'\t') {
            ke -= 1;
        }
        let mut ks = ke;
        while ks > 0 && ke - ks < 128 && is_word(l[ks - 1]) {
            ks -= 1;
        }
        if ks == ke {
            return;
        }
        let class = classify_key(&l[ks..ke]);
        match class {
            KeyClass::Ignore | KeyClass::DnKeep => {}
            KeyClass::Dn(attr, strong) => {
                if self.k.users || self.k.hosts {
                    self.dn_value(ks, p, attr, strong);
                }
            }
            _ => {
                let at_start = l[..ks].iter().all(|&c| c == b' ' || c == b'\t');
                self.value(class, ks, ke, p + 1, at_start);
            }
        }
    }

    fn value(&mut self, class: KeyClass, ks: usize, ke: usize, vstart: usize, at_start: bool) {
        let l = self.line;
        let mut vs = vstart;
        while vs < l.len() && matches!(l[vs], b' ' | b'\t') {
            vs += 1;
        }
        if vs >= l.len() {
            return;
        }
        if class == KeyClass::HostList {
            if self.k.hosts || self.k.ipv4 || self.k.ipv6 {
                self.host_list(vs);
            }
            return;
        }
        let eol = at_start && class == KeyClass::Secret;
        let (v0, v1, quoted) = self.value_extent(vs, eol);
        if v0 >= v1 {
            return;
        }
        let v = &l[v0..v1];
        match class {
            KeyClass::Secret if self.k.secrets => {
                // `token=Token{a64f992`, `wtoken = AppWindowToken@9f4ef63`: an object, not a
                // token value (only for *token keys: a password may contain anything)
                let token_key = {
                    let k = &l[ks..ke];
                    k.len() >= 5 && k[k.len() - 5..].eq_ignore_ascii_case(b"token")
                };
                if !(token_key && !quoted && looks_like_object_ref(v)) {
                    self.secret_value(v0, v1, quoted || eol);
                }
            }
            KeyClass::User
                if self.k.users
                    && !v.starts_with(b"User:")
                    && !v.starts_with(b"Group:")
                    && !v.contains(&b'@')
                    && v != b"null"
                    && !v.iter().all(|&c| is_digit(c))
                    && !dn_like(v) =>
            {
                self.push(v0, v1, prio::USER, Act::User);
            }
            KeyClass::UserPassword => {
                if self.k.users {
                    self.push(ks + 5, ke, prio::USER, Act::User);
                }
                if self.k.secrets {
                    self.secret_value(v0, v1, quoted);
                }
            }
            _ => {}
        }
    }

    /// The value starting at `vs`: quoted, to end of line (properties file / config dump line),
    /// or up to a delimiter. Returns (start, end, quoted).
    fn value_extent(&self, vs: usize, eol: bool) -> (usize, usize, bool) {
        let l = self.line;
        let c = l[vs];
        if c == b'"' || c == b'\'' {
            let mut j = vs + 1;
            while j < l.len() && l[j] != c && l[j] != b'\r' && j - vs < MAX_VALUE {
                if l[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            return (vs + 1, j.min(l.len()), true);
        }
        if eol {
            let mut e = l.len();
            while e > vs && l[e - 1].is_ascii_whitespace() {
                e -= 1;
            }
            return (vs, e, false);
        }
        let mut e = vs;
        while e < l.len()
            && e - vs < MAX_VALUE
            && l[e] > b' '
            && !matches!(l[e], b',' | b';' | b')' | b']' | b'}' | b'&' | b'"' | b'\'')
        {
            e += 1;
        }
        (vs, e, false)
    }

    fn secret_value(&mut self, v0: usize, v1: usize, whole: bool) {
        let l = self.line;
        let mut v0 = v0;
        let mut v1 = v1;
        let v = &l[v0..v1];
        if is_placeholder(v) {
            return;
        }
        // HTTP auth schemes: keep the scheme, redact the credentials
        for scheme in [&b"basic"[..], b"bearer", b"negotiate", b"digest"] {
            if v.len() >= scheme.len() && v[..scheme.len()].eq_ignore_ascii_case(scheme) {
                let after = v0 + scheme.len();
                if after == v1 && !whole && l.get(after) == Some(&b' ') {
                    // unquoted `Authorization=Bearer xyz`: the credentials are the next word
                    let mut s = after;
                    while s < l.len() && l[s] == b' ' {
                        s += 1;
                    }
                    let mut e = s;
                    while e < l.len()
                        && e - s < MAX_VALUE
                        && l[e] > b' '
                        && !matches!(l[e], b',' | b';' | b')' | b']' | b'}' | b'"' | b'\'')
                    {
                        e += 1;
                    }
                    v0 = s;
                    v1 = e;
                } else if after < v1 && l[after] == b' ' {
                    v0 = after;
                    while v0 < v1 && l[v0] == b' ' {
                        v0 += 1;
                    }
                }
                break;
            }
        }
        self.push(v0, v1, prio::SECRET, Act::Secret);
    }

    /// Comma-separated `[SCHEME://][id@]host[:port][/chroot]` items, optionally in `[...]`.
    fn host_list(&mut self, vs: usize) {
        let l = self.line;
        let mut i = vs;
        let bracket = l[i] == b'[';
        if bracket {
            i += 1;
        }
        let limit = l.len().min(vs + MAX_VALUE);
        loop {
            while i < limit && (l[i] == b',' || (bracket && l[i] == b' ')) {
                i += 1;
            }
            if i >= limit || l[i] <= b' ' || matches!(l[i], b']' | b';' | b'=' | b'"' | b'\'' | b')' | b'}') {
                break;
            }
            let mut e = i;
            while e < limit && l[e] > b' ' && !matches!(l[e], b',' | b']' | b';' | b'=' | b'"' | b'\'' | b')' | b'}') {
                e += 1;
            }
            self.host_item(i, e);
            i = e;
        }
    }

    fn host_item(&mut self, i: usize, e: usize) {
        let l = self.line;
        let mut h = i;
        if let Some(x) = find_short(&l[i..e], b"://") {
            h = i + x + 3;
        }
        if let Some(at) = l[h..e].iter().position(|&c| c == b'@') {
            h += at + 1;
        }
        if h >= e {
            return;
        }
        if l[h] == b'[' {
            if self.k.ipv6
                && let Some(v) = parse_ipv6_at(l, h + 1)
                && l.get(v.end) == Some(&b']')
                && class_v6(v.addr) != AddrClass::Keep
            {
                self.push(h + 1, v.end, prio::STRONG, Act::Ipv6);
            }
            return;
        }
        let mut he = h;
        while he < e && l[he] != b':' && l[he] != b'/' {
            he += 1;
        }
        self.host_or_ip(h, he, prio::STRONG);
    }

    /// A host that the context says is a host: an IPv4 address or a host name of any label count.
    fn host_or_ip(&mut self, s: usize, e: usize, prio: u8) {
        let l = self.line;
        let mut e = e;
        while e > s && l[e - 1] == b'.' {
            e -= 1;
        }
        if s >= e {
            return;
        }
        let w = &l[s..e];
        if let Some(a) = parse_ipv4_exact(w) {
            if self.k.ipv4 {
                self.ipv4(s, e, a, prio);
            }
            return;
        }
        if self.k.hosts && w.iter().any(|c| c.is_ascii_alphabetic()) && !is_localhost(w) && labels_ok(w) {
            self.push(s, e, prio, Act::Host);
        }
    }

    /// A DN attribute value (`CN=alice,OU=eng,O=Acme Corp,C=US`).
    fn dn_value(&mut self, ks: usize, p: usize, attr: DnAttr, strong: bool) {
        let l = self.line;
        let mut b = ks;
        while b > 0 && l[b - 1] == b' ' {
            b -= 1;
        }
        let sep = if b > 0 { l[b - 1] } else { 0 };
        if !strong && !matches!(sep, b',' | b'+' | b'/' | b';') {
            return;
        }
        let slash_fmt = sep == b'/';
        let vs = p + 1;
        if vs >= l.len() {
            return;
        }
        if matches!(l[vs], b'"' | b'\'') {
            let (v0, v1, _) = self.value_extent(vs, false);
            self.push(v0, v1, prio::USER, Act::Dn(attr));
            return;
        }
        let mut j = vs;
        while j < l.len() && j - vs < 1024 {
            let c = l[j];
            if c == b'\\' {
                j += 2;
                continue;
            }
            if (c < b' ' && c != b'\t')
                || matches!(c, b',' | b'+' | b';' | b'=' | b'"' | b'\'' | b')' | b']' | b'}' | b'>')
                || (slash_fmt && c == b'/')
            {
                break;
            }
            j += 1;
        }
        let stop = j.min(l.len());
        let first_ws = l[vs..stop].iter().position(|&c| c == b' ' || c == b'\t').map(|x| vs + x);
        let mut end = match first_ws {
            Some(w) if !(l.get(stop) == Some(&b',') && self.dn_attr_follows(stop + 1)) => w,
            _ => stop,
        };
        while end > vs && l[end - 1] == b' ' {
            end -= 1;
        }
        // numeric ids (`uid=0` in syslog lines) name nobody; regexes in principal mapping rules
        // (`RULE:^CN=(.*?),OU=...`) are not values
        let v = &l[vs..end];
        if (attr == DnAttr::Uid && v.iter().all(|&c| is_digit(c)))
            || v.first().is_some_and(|c| matches!(c, b'(' | b'*' | b'^' | b'[' | b'.' | b'$'))
            || find_short(v, b".*").is_some()
        {
            return;
        }
        self.push(vs, end, prio::USER, Act::Dn(attr));
    }

    fn dn_attr_follows(&self, i: usize) -> bool {
        let l = self.line;
        let mut i = i;
        while i < l.len() && l[i] == b' ' {
            i += 1;
        }
        let s = i;
        while i < l.len() && i - s < 16 && l[i].is_ascii_alphabetic() {
            i += 1;
        }
        i > s && l.get(i) == Some(&b'=')
    }

    /// e-mail addresses, Kerberos principals `service/host@REALM`, KRaft voters `1@host:9093`.
    fn at(&mut self, p: usize) {
        let l = self.line;
        let mut ls = p;
        while ls > 0 && p - ls < 256 && is_local(l[ls - 1]) {
            ls -= 1;
        }
        while ls < p && !is_alnum(l[ls]) {
            ls += 1;
        }
        let mut de = p + 1;
        while de < l.len() && de - p < 256 && (is_alnum(l[de]) || l[de] == b'.' || l[de] == b'-') {
            de += 1;
        }
        while de > p + 1 && matches!(l[de - 1], b'.' | b'-') {
            de -= 1;
        }
        if ls == p || de == p + 1 {
            return;
        }
        let local = &l[ls..p];
        let domain = &l[p + 1..de];
        let prev = if ls > 0 { l[ls - 1] } else { 0 };
        if local.iter().all(|&c| is_digit(c)) {
            if l.get(de) == Some(&b':') && domain[0].is_ascii_alphanumeric() {
                self.host_or_ip(p + 1, de, prio::STRONG);
            }
            return;
        }
        if prev == b'/' {
            self.kerberos(ls, p, de);
            return;
        }
        if !self.k.emails || prev == b':' {
            return;
        }
        if email_domain_ok(domain) {
            self.push(ls, de, prio::STRONG, Act::Email);
        }
    }

    fn kerberos(&mut self, ls: usize, p: usize, de: usize) {
        let l = self.line;
        let slash = ls - 1;
        let mut ps = slash;
        while ps > 0 && slash - ps < 256 && is_word(l[ps - 1]) {
            ps -= 1;
        }
        if ps == slash || !labels_ok(&l[p + 1..de]) {
            return;
        }
        let inst = &l[ls..p];
        if inst.contains(&b'.') {
            // service/host@REALM: the service name (kafka, zookeeper, HTTP) is kept
            self.host_or_ip(ls, p, prio::USER);
        } else if self.k.users {
            // user/instance@REALM
            self.push(ps, slash, prio::USER, Act::User);
        }
        if self.k.hosts {
            self.push(p + 1, de, prio::USER, Act::Host);
        }
    }

    // ---------------------------------------------------------------- URLs

    fn url(&mut self, p: usize) {
        let l = self.line;
        let mut s = p;
        while s > 0 && p - s < 32 && (is_alnum(l[s - 1]) || matches!(l[s - 1], b'+' | b'-' | b'.' | b'_')) {
            s -= 1;
        }
        while s < p && !l[s].is_ascii_alphabetic() {
            s += 1;
        }
        if s == p {
            return;
        }
        let a = p + 3;
        let mut ae = a;
        while ae < l.len() && ae - a < 2048 && !is_url_end(l[ae]) && !matches!(l[ae], b'/' | b'?' | b'#') {
            ae += 1;
        }
        let mut hs = a;
        if let Some(at) = l[a..ae].iter().rposition(|&c| c == b'@') {
            let at = a + at;
            match l[a..at].iter().position(|&c| c == b':') {
                Some(c) => {
                    if self.k.users {
                        self.push(a, a + c, prio::USER, Act::User);
                    }
                    if self.k.secrets && !is_placeholder(&l[a + c + 1..at]) {
                        self.push(a + c + 1, at, prio::SECRET, Act::Secret);
                    }
                }
                None => {
                    if self.k.users {
                        self.push(a, at, prio::USER, Act::User);
                    }
                }
            }
            hs = at + 1;
        }
        if hs < ae {
            if l[hs] == b'[' {
                if self.k.ipv6
                    && let Some(v) = parse_ipv6_at(l, hs + 1)
                    && v.end < ae
                    && matches!(l[v.end], b']' | b'%')
                    && class_v6(v.addr) != AddrClass::Keep
                {
                    self.push(hs + 1, v.end, prio::STRONG, Act::Ipv6);
                }
            } else {
                let mut he = hs;
                while he < ae && l[he] != b':' {
                    he += 1;
                }
                self.host_or_ip(hs, he, prio::STRONG);
            }
        }
        let mut end = ae;
        while end < l.len() && end - ae < MAX_VALUE && !is_url_end(l[end]) && !matches!(l[end], b'?' | b'#') {
            end += 1;
        }
        if ae < end && l[ae] == b'/' {
            let mut i = ae + 1;
            while i < end {
                let mut j = i;
                while j < end && l[j] != b'/' {
                    j += 1;
                }
                if identifier_like(&l[i..j]) {
                    self.push(i, j, prio::URL_PATH, Act::UrlPath);
                }
                i = j + 1;
            }
        }
        self.url_skip = end.max(p + 1);
    }

    // ---------------------------------------------------------------- '-' and JWTs

    fn dashes(&mut self) {
        let l = self.line;
        let mut skip = 0;
        for p in memchr_iter(b'-', l) {
            if p < skip || p < 2 || l.get(p + 3) != Some(&b'-') {
                continue;
            }
            let s = p - 2;
            if s > 0 {
                let c = l[s - 1];
                if is_alnum(c) || matches!(c, b'-' | b'_' | b':' | b'.') {
                    continue;
                }
            }
            if let Some(m) = parse_mac_at(l, s, b'-') {
                if m.value != 0 && m.value != 0xffff_ffff_ffff {
                    self.push(s, m.end, prio::ADDR, Act::Mac);
                }
                skip = m.end;
            }
        }
    }

    fn jwt(&mut self) {
        let l = self.line;
        let mut skip = 0;
        for s in JWT.find_iter(l) {
            if s < skip || (s > 0 && (is_b64(l[s - 1]) || l[s - 1] == b'.')) {
                continue;
            }
            let mut e = s;
            let mut dots = 0;
            while e < l.len() && (is_b64(l[e]) || l[e] == b'.') {
                dots += usize::from(l[e] == b'.');
                e += 1;
            }
            while e > s && l[e - 1] == b'.' {
                e -= 1;
                dots -= 1;
            }
            skip = e;
            if dots >= 2 && e - s >= 20 {
                self.push(s, e, prio::SECRET, Act::Secret);
            }
        }
    }
}

// -------------------------------------------------------------------- classification helpers

/// Labels of a host name: non-empty, at most 63 bytes, `[A-Za-z0-9_-]`; at most 253 bytes.
pub(crate) fn labels_ok(w: &[u8]) -> bool {
    if w.is_empty() || w.len() > 253 {
        return false;
    }
    w.split(|&c| c == b'.')
        .all(|lb| !lb.is_empty() && lb.len() <= 63 && lb.iter().all(|&c| is_alnum(c) || c == b'-' || c == b'_'))
}

/// A `CN=` value that names a host (broker certificates): dotted with a known TLD, or three or
/// more labels. `CN=alice.smith` is a user.
pub(crate) fn cn_is_host(v: &[u8]) -> bool {
    if !labels_ok(v) {
        return false;
    }
    let Some(dot) = memchr::memrchr(b'.', v) else {
        return false;
    };
    let mut buf = [0u8; 128];
    crate::tables::is_known_tld(lower(&v[dot + 1..], &mut buf)) || memchr::memchr_iter(b'.', v).count() >= 2
}

pub(crate) fn is_localhost(w: &[u8]) -> bool {
    w.eq_ignore_ascii_case(b"localhost")
        || w.eq_ignore_ascii_case(b"localhost.localdomain")
        || w.eq_ignore_ascii_case(b"ip6-localhost")
        || w.eq_ignore_ascii_case(b"ip6-loopback")
}

const CODE_ROOTS: &[&[u8]] = &[b"akka", b"java", b"javax", b"jdk", b"scala", b"sun"];

/// A dotted word that is a host on its own: valid labels, the last a "strong" TLD in lower or
/// upper case, and not a reverse-DNS package name (`org.apache...`, `io.confluent...`).
pub(crate) fn host_by_tld(w: &[u8]) -> bool {
    let Some(dot) = memchr::memrchr(b'.', w) else {
        return false;
    };
    let last = &w[dot + 1..];
    if last.len() < 2 || last.len() > 16 || !last.iter().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    let lower_case = last.iter().all(|c| c.is_ascii_lowercase());
    let upper_case = last.iter().all(|c| c.is_ascii_uppercase());
    if !(lower_case || upper_case) {
        return false;
    }
    let mut buf = [0u8; 128];
    if !is_strong_tld(lower(last, &mut buf)) || !labels_ok(w) {
        return false;
    }
    !looks_like_package(w)
}

fn looks_like_package(w: &[u8]) -> bool {
    let first_end = memchr::memchr(b'.', w).unwrap_or(w.len());
    let mut buf = [0u8; 128];
    let first = lower(&w[..first_end], &mut buf);
    if CODE_ROOTS.contains(&first) {
        return true;
    }
    let labels = 1 + memchr::memchr_iter(b'.', w).count();
    labels >= 3 && is_package_root(first)
}

/// A word before `:port` that is a host: valid labels, not code (`Foo.java:12`), not mixed-case
/// (`NetworkClient:123`), not a known non-host word (`line:12`, `offset:42`).
fn context_host_ok(w: &[u8]) -> bool {
    if !labels_ok(w) || is_localhost(w) {
        return false;
    }
    let has_upper = w.iter().any(|c| c.is_ascii_uppercase());
    let has_lower = w.iter().any(|c| c.is_ascii_lowercase());
    if has_upper && has_lower {
        return false;
    }
    let mut buf = [0u8; 128];
    match memchr::memrchr(b'.', w) {
        None => !is_not_host(lower(w, &mut buf)),
        Some(dot) => !is_file_ext(lower(&w[dot + 1..], &mut buf)) && !looks_like_package(w),
    }
}

fn email_domain_ok(d: &[u8]) -> bool {
    let Some(dot) = memchr::memrchr(b'.', d) else {
        return false;
    };
    let tld = &d[dot + 1..];
    tld.len() >= 2 && tld.iter().all(|c| c.is_ascii_alphabetic()) && labels_ok(d)
}

/// `CN=alice,OU=...`: a DN, handled attribute by attribute.
fn dn_like(v: &[u8]) -> bool {
    let n = v.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    (1..=12).contains(&n) && v.get(n) == Some(&b'=')
}

/// `Foo{...`, `android.os.BinderProxy@2bd79ce`, `Foo(...`: a Java object's toString.
fn looks_like_object_ref(v: &[u8]) -> bool {
    match v.iter().position(|&c| !is_alnum(c) && !matches!(c, b'_' | b'$' | b'.')) {
        Some(i) => matches!(v[i], b'{' | b'@' | b'(') && v[..i].iter().any(|c| c.is_ascii_uppercase()),
        None => false,
    }
}

/// Values that are not secrets: empty, masked by Kafka (`[hidden]`), null, or a config-provider
/// reference (`${file:/etc/kafka/secrets.properties:pw}`).
fn is_placeholder(v: &[u8]) -> bool {
    let t = v.trim_ascii();
    t.is_empty()
        || t.starts_with(b"[hidden")
        || t.eq_ignore_ascii_case(b"null")
        || t.eq_ignore_ascii_case(b"(redacted)")
        || t.eq_ignore_ascii_case(b"<redacted>")
        || t.eq_ignore_ascii_case(b"[redacted]")
        || t.iter().all(|&c| c == b'*' || c == b'x' || c == b'X')
        || t.starts_with(b"${")
}

/// URL path segments that carry identifiers: long numbers, UUIDs, hex ids, Confluent-style
/// resource ids (`lkc-abc123`, `sa-9xk2p`), long mixed tokens. Words (`subjects`, `topics`,
/// `orders-value`, `v1`) are kept.
pub(crate) fn identifier_like(seg: &[u8]) -> bool {
    let n = seg.len();
    if n == 0 || n > 256 {
        return false;
    }
    let digits = seg.iter().filter(|c| c.is_ascii_digit()).count();
    let alpha = seg.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if n >= 5 && digits == n {
        return true;
    }
    if n == 36
        && seg.iter().enumerate().all(|(i, &c)| if matches!(i, 8 | 13 | 18 | 23) { c == b'-' } else { is_hex(c) })
    {
        return true;
    }
    if n >= 8 && digits > 0 && alpha > 0 && seg.iter().all(|&c| is_hex(c)) {
        return true;
    }
    if let Some(d) = seg.iter().position(|&c| c == b'-') {
        let (pre, rest) = (&seg[..d], &seg[d + 1..]);
        if (1..=6).contains(&pre.len())
            && pre.iter().all(|c| c.is_ascii_lowercase())
            && rest.len() >= 4
            && rest.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && rest.iter().any(|c| c.is_ascii_digit())
        {
            return true;
        }
    }
    n >= 16 && digits > 0 && alpha > 0 && seg.iter().all(|&c| is_alnum(c) || c == b'-' || c == b'_')
}

const SECRET_ENDINGS: &[&[u8]] = &[
    b"apikey",
    b"authorization",
    b"credential",
    b"credentials",
    b"license",
    b"passphrase",
    b"passwd",
    b"password",
    b"pwd",
    b"secret",
    b"token",
];

/// Last key segments that describe a secret's handling, not the secret.
const NOT_SECRET_LAST: &[&[u8]] = &[
    b"algorithm",
    b"algorithms",
    b"bytes",
    b"class",
    b"count",
    b"dir",
    b"enable",
    b"enabled",
    b"endpoint",
    b"expiry",
    b"factory",
    b"file",
    b"format",
    b"header",
    b"hours",
    b"id",
    b"interval",
    b"iterations",
    b"keylength",
    b"length",
    b"lifetime",
    b"location",
    b"manager",
    b"max",
    b"mechanism",
    b"min",
    b"minutes",
    b"mode",
    b"ms",
    b"name",
    b"path",
    b"policy",
    b"prefix",
    b"provider",
    b"providers",
    b"required",
    b"rules",
    b"seconds",
    b"size",
    b"suffix",
    b"timeout",
    b"topic",
    b"type",
    b"uri",
    b"url",
    b"version",
];

const SECRET_KEY_QUALIFIERS: &[&[u8]] = &[
    b"access",
    b"api",
    b"encryption",
    b"keystore",
    b"license",
    b"master",
    b"private",
    b"secret",
    b"session",
    b"signing",
];

const HOST_LIST_LAST: &[&[u8]] = &[
    b"bootstrap.servers",
    b"connect",
    b"connectstring",
    b"host",
    b"host.name",
    b"hostname",
    b"listeners",
    b"quorum.voters",
    b"servers",
];

const USER_KEYS: &[&[u8]] = &[
    b"login",
    b"principal",
    b"principal.name",
    b"principalname",
    b"user",
    b"user.id",
    b"user.name",
    b"user_id",
    b"userid",
    b"username",
];

fn ends_with_segment(k: &[u8], suffix: &[u8]) -> bool {
    k == suffix
        || (k.len() > suffix.len()
            && k.ends_with(suffix)
            && matches!(k[k.len() - suffix.len() - 1], b'.' | b'_' | b'-'))
}

/// Classifies a key (case-insensitively, except single-letter DN attributes, which must be
/// upper case).
pub(crate) fn classify_key(key: &[u8]) -> KeyClass {
    let mut buf = [0u8; 128];
    let k = lower(key, &mut buf);
    let k = {
        let mut s = 0;
        while s < k.len() && !k[s].is_ascii_alphanumeric() {
            s += 1;
        }
        &k[s..]
    };
    if k.is_empty() {
        return KeyClass::Ignore;
    }
    // DN attributes
    let strong = match k {
        b"cn" => Some(DnAttr::Cn),
        b"ou" => Some(DnAttr::Ou),
        b"dc" => Some(DnAttr::Dc),
        b"uid" => Some(DnAttr::Uid),
        b"emailaddress" => Some(DnAttr::Email),
        _ => None,
    };
    if let Some(a) = strong {
        return KeyClass::Dn(a, true);
    }
    match key {
        b"O" => return KeyClass::Dn(DnAttr::O, false),
        b"L" => return KeyClass::Dn(DnAttr::L, false),
        b"ST" => return KeyClass::Dn(DnAttr::St, false),
        b"STREET" => return KeyClass::Dn(DnAttr::Street, false),
        b"E" => return KeyClass::Dn(DnAttr::Email, false),
        b"C" => return KeyClass::DnKeep,
        _ => {}
    }
    // JAAS PlainLoginModule user_NAME="password"
    if key.len() > 5
        && key[..5].eq_ignore_ascii_case(b"user_")
        && key[5..].iter().all(|&c| is_alnum(c) || c == b'-' || c == b'.')
    {
        return KeyClass::UserPassword;
    }
    // secrets: decided by the last segment
    let last_start = k.iter().rposition(|&c| matches!(c, b'.' | b'_' | b'-')).map_or(0, |x| x + 1);
    let last = &k[last_start..];
    if SECRET_ENDINGS.iter().any(|e| last.ends_with(e)) {
        return KeyClass::Secret;
    }
    // `*password*` anywhere (`db_password_prod`), unless the key names a property of the
    // secret rather than the secret (`password.encoder.cipher.algorithm`, `...password.file`)
    if [&b"password"[..], b"passwd", b"secret", b"credential"].iter().any(|w| find_short(k, w).is_some())
        && !NOT_SECRET_LAST.contains(&last)
    {
        return KeyClass::Secret;
    }
    if last == b"info" && (find_short(k, b"user.info").is_some() || find_short(k, b"userinfo").is_some()) {
        return KeyClass::Secret;
    }
    if last.ends_with(b"key") && SECRET_KEY_QUALIFIERS.iter().any(|q| find_short(k, q).is_some()) {
        return KeyClass::Secret;
    }
    if k.ends_with(b"jaas.config") {
        return KeyClass::Ignore; // the inner `username=".." password=".."` are handled on their own
    }
    if HOST_LIST_LAST.iter().any(|s| ends_with_segment(k, s)) {
        // `connect` only as zookeeper.connect
        if k.ends_with(b"connect") && !k.ends_with(b"zookeeper.connect") {
            return KeyClass::Ignore;
        }
        return KeyClass::HostList;
    }
    if USER_KEYS.contains(&k)
        || ends_with_segment(k, b"username")
        || ends_with_segment(k, b"user")
        || ends_with_segment(k, b"principal")
    {
        return KeyClass::User;
    }
    KeyClass::Ignore
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_classes() {
        for k in [
            "ssl.key.password",
            "ssl.keystore.password",
            "password",
            "keyPassword",
            "sasl.oauthbearer.client.secret",
            "password.encoder.secret",
            "basic.auth.user.info",
            "schema.registry.basic.auth.user.info",
            "bearer.auth.token",
            "access_token",
            "confluent.license",
            "aws.secret.access.key",
            "ssl.keystore.key",
            "delegation.token.master.key",
            "Authorization",
            "db_password_prod",
            "secret.value.v2",
        ] {
            assert_eq!(classify_key(k.as_bytes()), KeyClass::Secret, "{k}");
        }
        for k in [
            "ssl.keystore.location",
            "password.encoder.cipher.algorithm",
            "sasl.oauthbearer.token.endpoint.url",
            "delegation.token.expiry.time.ms",
            "confluent.license.topic",
            "ssl.keymanager.algorithm",
            "sasl.jaas.config",
            "group.id",
            "linger.ms",
            "listener.security.protocol.map",
            "sasl.kerberos.service.name",
            "password.encoder.keyfactory.algorithm",
            "password.encoder.iterations",
            "ssl.truststore.password.file",
        ] {
            assert_eq!(classify_key(k.as_bytes()), KeyClass::Ignore, "{k}");
        }
        for k in [
            "bootstrap.servers",
            "advertised.listeners",
            "listeners",
            "zookeeper.connect",
            "host",
            "connectString",
            "controller.quorum.voters",
        ] {
            assert_eq!(classify_key(k.as_bytes()), KeyClass::HostList, "{k}");
        }
        for k in ["username", "user", "principal", "sasl.username", "user.name"] {
            assert_eq!(classify_key(k.as_bytes()), KeyClass::User, "{k}");
        }
        assert_eq!(classify_key(b"user_alice"), KeyClass::UserPassword);
        assert_eq!(classify_key(b"CN"), KeyClass::Dn(DnAttr::Cn, true));
        assert_eq!(classify_key(b"o"), KeyClass::Ignore);
    }

    #[test]
    fn tld_hosts() {
        for w in ["kafka-1.prod.acme.com", "acme.com", "ACME.COM", "zk1.internal", "broker.acme.co.uk"] {
            assert!(host_by_tld(w.as_bytes()), "{w}");
        }
        for w in [
            "org.apache.kafka.clients.NetworkClient",
            "io.confluent.kafka.serializers",
            "server.log",
            "kafka.log.LogManager",
            "linger.ms",
            "group.id",
            "3.7.0",
            "java.io",
            "org.apache.commons.io",
            "failed.It",
            "NetworkClient.java",
        ] {
            assert!(!host_by_tld(w.as_bytes()), "{w}");
        }
    }

    #[test]
    fn path_ids() {
        for s in ["lkc-abc123", "12345", "0f8fad5b-d9cb-469f-a165-70867728950e", "deadbeef01"] {
            assert!(identifier_like(s.as_bytes()), "{s}");
        }
        for s in ["subjects", "orders-value", "v1", "versions", "3", "topics", "latest"] {
            assert!(!identifier_like(s.as_bytes()), "{s}");
        }
    }
}
