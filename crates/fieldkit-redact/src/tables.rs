//! Byte classes and word lists used by the scanner.

const ALNUM: u8 = 1;
const HEX: u8 = 2;
/// `[A-Za-z0-9._-]`: host names, dotted words, config keys.
const WORD: u8 = 4;
/// e-mail local part `[A-Za-z0-9._%+-]`
const LOCAL: u8 = 8;
/// principal names after `User:` `[A-Za-z0-9._@/$+-]`
const NAME: u8 = 16;
/// characters that end a URL (or its authority) in log text
const URL_END: u8 = 32;
/// base64url / JWT characters
const B64: u8 = 64;

const fn build() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        let mut f = 0u8;
        let alpha = b.is_ascii_alphabetic();
        let digit = b.is_ascii_digit();
        if alpha || digit {
            f |= ALNUM | WORD | LOCAL | NAME | B64;
        }
        if b.is_ascii_hexdigit() {
            f |= HEX;
        }
        if b == b'.' || b == b'_' || b == b'-' {
            f |= WORD | LOCAL | NAME;
        }
        if b == b'%' || b == b'+' {
            f |= LOCAL;
        }
        if b == b'@' || b == b'/' || b == b'$' || b == b'+' {
            f |= NAME;
        }
        if b == b'_' || b == b'-' {
            f |= B64;
        }
        if b <= b' '
            || b >= 0x7f
            || matches!(
                b,
                b'"' | b'\''
                    | b'<'
                    | b'>'
                    | b')'
                    | b']'
                    | b'}'
                    | b','
                    | b';'
                    | b'|'
                    | b'\\'
                    | b'`'
                    | b'{'
                    | b'('
                    | b'['
            )
        {
            f |= URL_END;
        }
        t[c] = f;
        c += 1;
    }
    t
}

static CLASS: [u8; 256] = build();

#[inline]
pub(crate) fn is_alnum(c: u8) -> bool {
    CLASS[c as usize] & ALNUM != 0
}
#[inline]
pub(crate) fn is_digit(c: u8) -> bool {
    c.is_ascii_digit()
}
#[inline]
pub(crate) fn is_hex(c: u8) -> bool {
    CLASS[c as usize] & HEX != 0
}
#[inline]
pub(crate) fn is_word(c: u8) -> bool {
    CLASS[c as usize] & WORD != 0
}
#[inline]
pub(crate) fn is_local(c: u8) -> bool {
    CLASS[c as usize] & LOCAL != 0
}
#[inline]
pub(crate) fn is_name(c: u8) -> bool {
    CLASS[c as usize] & NAME != 0
}
#[inline]
pub(crate) fn is_url_end(c: u8) -> bool {
    CLASS[c as usize] & URL_END != 0
}
#[inline]
pub(crate) fn is_b64(c: u8) -> bool {
    CLASS[c as usize] & B64 != 0
}

/// Lower-cases `b` into `buf` (truncating at its size) and returns the lower-cased slice.
pub(crate) fn lower<'a>(b: &[u8], buf: &'a mut [u8; 128]) -> &'a [u8] {
    let n = b.len().min(buf.len());
    for (d, s) in buf.iter_mut().zip(&b[..n]) {
        *d = s.to_ascii_lowercase();
    }
    &buf[..n]
}

fn in_sorted(list: &[&str], w: &[u8]) -> bool {
    list.binary_search_by(|x| x.as_bytes().cmp(w)).is_ok()
}

/// Top-level domains that make a dotted word a host name on their own (`kafka-1.acme.com`).
/// Only TLDs that are not also common words, abbreviations or file/config suffixes.
pub(crate) const STRONG_TLDS: &[&str] = &[
    "ae",
    "ar",
    "arpa",
    "au",
    "biz",
    "br",
    "ca",
    "ch",
    "cl",
    "cloud",
    "cn",
    "co",
    "com",
    "corp",
    "cz",
    "de",
    "dk",
    "edu",
    "ee",
    "es",
    "eu",
    "fi",
    "fr",
    "gov",
    "gr",
    "hk",
    "hr",
    "hu",
    "ie",
    "il",
    "internal",
    "intranet",
    "io",
    "jp",
    "kr",
    "lan",
    "local",
    "localdomain",
    "lt",
    "lu",
    "lv",
    "mil",
    "mx",
    "net",
    "nl",
    "nz",
    "org",
    "pe",
    "ph",
    "pt",
    "ro",
    "ru",
    "se",
    "sg",
    "sk",
    "th",
    "tr",
    "tw",
    "ua",
    "uk",
    "uy",
    "vn",
    "za",
];

/// Further TLDs that collide with config-key or file suffixes (`linger.ms`, `group.id`, `run.sh`)
/// or English words: a name ending in one is a host only where the context says so
/// (`host:port`, URLs, `host/ip`, `bootstrap.servers=`...). Kept as suffixes when redacting.
pub(crate) const WEAK_TLDS: &[&str] = &[
    "ai", "am", "app", "as", "at", "be", "by", "cc", "dev", "do", "fm", "gg", "home", "id", "im", "in", "info", "int",
    "is", "it", "la", "ly", "md", "me", "ms", "no", "nu", "pl", "py", "rs", "sh", "so", "st", "to", "tv", "us", "ws",
];

/// Public suffixes of more than one label kept as they are: they name a provider or a registry,
/// not the customer.
pub(crate) const KEPT_SUFFIXES: &[&str] = &[
    "ac.uk",
    "amazonaws.com",
    "azure.com",
    "cloudapp.azure.com",
    "cloudapp.net",
    "cluster.local",
    "co.in",
    "co.jp",
    "co.nz",
    "co.uk",
    "co.za",
    "com.au",
    "com.br",
    "com.cn",
    "com.mx",
    "com.sg",
    "com.tr",
    "compute.amazonaws.com",
    "compute.internal",
    "confluent.cloud",
    "ec2.internal",
    "gov.uk",
    "ne.jp",
    "net.au",
    "org.au",
    "org.uk",
    "servicebus.windows.net",
    "svc.cluster.local",
    "windows.net",
];

/// First labels of reverse-DNS Java/Scala package names (`org.apache.kafka...`): a dotted word of
/// three or more labels starting with one is code, not a host.
const PACKAGE_ROOTS: &[&str] = &[
    "akka", "ch", "com", "de", "edu", "fr", "gov", "io", "java", "javax", "jdk", "kafka", "net", "nl", "org", "scala",
    "sun", "uk",
];

/// Extensions after which `name.ext:NNN` is file:line, not host:port.
const FILE_EXTS: &[&str] = &[
    "c",
    "cc",
    "clj",
    "conf",
    "cpp",
    "go",
    "groovy",
    "h",
    "java",
    "js",
    "json",
    "jsp",
    "kt",
    "log",
    "md",
    "properties",
    "py",
    "rb",
    "rs",
    "scala",
    "sh",
    "sql",
    "ts",
    "txt",
    "xml",
    "yaml",
    "yml",
];

/// Single words that precede `:NN` in log text without being hosts.
const NOT_HOSTS: &[&str] = &[
    "at",
    "attempt",
    "avg",
    "batch",
    "bytes",
    "capacity",
    "code",
    "col",
    "column",
    "count",
    "cpu",
    "cpus",
    "day",
    "days",
    "disk",
    "duration",
    "elapsed",
    "epoch",
    "error",
    "exit",
    "free",
    "generation",
    "gid",
    "group",
    "heap",
    "hour",
    "hours",
    "http",
    "https",
    "id",
    "ids",
    "idx",
    "index",
    "isr",
    "iteration",
    "job",
    "key",
    "latency",
    "len",
    "length",
    "level",
    "limit",
    "line",
    "lines",
    "localhost",
    "max",
    "mean",
    "mem",
    "member",
    "memory",
    "messages",
    "millis",
    "min",
    "minute",
    "minutes",
    "ms",
    "msgs",
    "myid",
    "node",
    "num",
    "number",
    "offset",
    "offsets",
    "page",
    "partition",
    "partitions",
    "phase",
    "pid",
    "plaintext",
    "port",
    "pos",
    "position",
    "priority",
    "rank",
    "rate",
    "ratio",
    "rc",
    "records",
    "replica",
    "replicas",
    "retries",
    "retry",
    "round",
    "row",
    "sasl",
    "sasl_plaintext",
    "sasl_ssl",
    "score",
    "sec",
    "seconds",
    "secs",
    "seq",
    "sequence",
    "session",
    "shard",
    "sid",
    "size",
    "ssl",
    "stage",
    "status",
    "step",
    "task",
    "tcp",
    "term",
    "thread",
    "tid",
    "time",
    "timeout",
    "took",
    "topic",
    "total",
    "tries",
    "try",
    "udp",
    "uid",
    "used",
    "user",
    "v",
    "value",
    "vcores",
    "version",
    "weight",
    "zxid",
];

pub(crate) fn is_strong_tld(lower: &[u8]) -> bool {
    in_sorted(STRONG_TLDS, lower)
}
pub(crate) fn is_known_tld(lower: &[u8]) -> bool {
    in_sorted(STRONG_TLDS, lower) || in_sorted(WEAK_TLDS, lower)
}
pub(crate) fn is_kept_suffix(lower: &[u8]) -> bool {
    in_sorted(KEPT_SUFFIXES, lower)
}
pub(crate) fn is_package_root(lower: &[u8]) -> bool {
    in_sorted(PACKAGE_ROOTS, lower)
}
pub(crate) fn is_file_ext(lower: &[u8]) -> bool {
    in_sorted(FILE_EXTS, lower)
}
pub(crate) fn is_not_host(lower: &[u8]) -> bool {
    in_sorted(NOT_HOSTS, lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [STRONG_TLDS, WEAK_TLDS, KEPT_SUFFIXES, PACKAGE_ROOTS, FILE_EXTS, NOT_HOSTS] {
            for w in list.windows(2) {
                assert!(w[0] < w[1], "{} >= {}", w[0], w[1]);
            }
        }
    }
}
