//! Deciding which parts of a message are obviously variable.
//!
//! These rules run before any clustering, so they must only fire on text that is a variable
//! in practically every log: numbers and anything containing a digit (ids, counters, sizes,
//! hosts such as `dn731`), hex, IP/MAC/IPv6 addresses and clock times, URLs, file paths,
//! `host:port`, and calendar words (weekday and month abbreviations come from timestamps).
//! Anything subtler (user names, enum values) is left to the statistics of the merge pass.

/// Byte classes, OR-ed over a word in one pass so the common plain word (no digit, no
/// delimiter, no slash) is recognised without further scanning.
pub const DIGIT: u8 = 1;
pub const DELIM: u8 = 2;
pub const SLASH: u8 = 4;
pub const SPACE: u8 = 8;

/// Class bits of every byte.
pub static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut bits = 0;
        if c.is_ascii_digit() {
            bits |= DIGIT;
        }
        if is_delimiter(c) {
            bits |= DELIM;
        }
        if c == b'/' {
            bits |= SLASH;
        }
        if c.is_ascii_whitespace() || c == 0x0b {
            bits |= SPACE;
        }
        t[b] = bits;
        b += 1;
    }
    t
};

/// Characters that separate the pieces of one whitespace-delimited word. They are kept in
/// the template, so `uid=0` becomes `uid=<*>` and `[instance: 1a2b]` becomes `[instance: <*>]`.
#[inline]
pub const fn is_delimiter(b: u8) -> bool {
    matches!(b, b'=' | b':' | b',' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b'\'' | b';' | b'<' | b'>' | b'|')
}

/// Leading characters peeled off a word before the whole-word checks.
#[inline]
fn is_opening(b: u8) -> bool {
    matches!(b, b'(' | b'[' | b'{' | b'<' | b'"' | b'\'')
}

/// Trailing characters peeled off a word before the whole-word checks.
#[inline]
fn is_closing(b: u8) -> bool {
    matches!(b, b')' | b']' | b'}' | b'>' | b'"' | b'\'' | b',' | b';' | b'.' | b':')
}

/// Split `word` into (leading punctuation, core, trailing punctuation) byte offsets.
#[inline]
pub fn core_bounds(word: &[u8]) -> (usize, usize) {
    let mut start = 0;
    while start < word.len() && is_opening(word[start]) {
        start += 1;
    }
    let mut end = word.len();
    while end > start && is_closing(word[end - 1]) {
        end -= 1;
    }
    (start, end)
}

/// Whole-word variables: shapes that the delimiter split would otherwise cut into misleading
/// pieces (a MAC address split on `:` leaves letter-only pieces like `cc`).
pub fn core_is_variable(core: &[u8]) -> bool {
    if core.len() < 2 {
        return false;
    }
    let has_digit = core.iter().any(u8::is_ascii_digit);
    // Paths and URLs: their segments are names, not words of the message.
    if core.contains(&b'/') {
        return true;
    }
    if !has_digit {
        return false;
    }
    // Clock times, IPv4/IPv6 and MAC addresses, dotted versions: hex digits with `:` or `.`.
    if core.iter().all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'-' | b'_')) {
        return true;
    }
    // host:port, e.g. `proxy.example.com:5070`: the host part has no digit of its own.
    if let Some(colon) = core.iter().rposition(|&b| b == b':') {
        let (host, port) = (&core[..colon], &core[colon + 1..]);
        if !port.is_empty()
            && port.iter().all(u8::is_ascii_digit)
            && host.contains(&b'.')
            && host.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return true;
        }
    }
    false
}

/// A piece (a word fragment between delimiters) that is a variable.
pub fn piece_is_variable(piece: &[u8]) -> bool {
    if piece.iter().any(u8::is_ascii_digit) {
        return !is_device_name(piece);
    }
    is_calendar_word(piece)
}

/// Short lowercase names with one trailing digit are interface and device names (`eth1`,
/// `alt0`, `tty2`, `ssh2`): part of the message's wording, not a counter.
fn is_device_name(piece: &[u8]) -> bool {
    let Some((&last, letters)) = piece.split_last() else {
        return false;
    };
    last.is_ascii_digit() && (2..=5).contains(&letters.len()) && letters.iter().all(u8::is_ascii_lowercase)
}

/// Weekday and month abbreviations: in messages they come from embedded timestamps.
fn is_calendar_word(piece: &[u8]) -> bool {
    matches!(
        piece,
        b"Mon"
            | b"Tue"
            | b"Wed"
            | b"Thu"
            | b"Fri"
            | b"Sat"
            | b"Sun"
            | b"Jan"
            | b"Feb"
            | b"Mar"
            | b"Apr"
            | b"Jun"
            | b"Jul"
            | b"Aug"
            | b"Sep"
            | b"Oct"
            | b"Nov"
            | b"Dec"
    )
}

/// Units written after a number (`1.16 KB`, `20.3 seconds`). A unit belongs to the value:
/// `0 bytes` and `18846 bytes (18.4 KB)` are the same field, so the unit is absorbed into the
/// preceding variable rather than kept as a word that changes the token count.
pub fn is_unit(piece: &[u8]) -> bool {
    matches!(
        piece,
        b"B" | b"KB"
            | b"MB"
            | b"GB"
            | b"TB"
            | b"kB"
            | b"KiB"
            | b"MiB"
            | b"GiB"
            | b"TiB"
            | b"bytes"
            | b"byte"
            | b"ms"
            | b"us"
            | b"ns"
            | b"s"
            | b"sec"
            | b"secs"
            | b"second"
            | b"seconds"
            | b"msec"
            | b"msecs"
            | b"min"
            | b"mins"
            | b"minutes"
            | b"hours"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_word_variables() {
        let cases: &[(&str, bool)] = &[
            ("10.251.43.21:50010", true),
            ("00:11:43:e3:ba:c3", true),
            ("FE80:0000:0000:0000:D8A5:90FF:FEF5:7FFF", true),
            ("12:59:44", true),
            ("/var/lib/nova/instances", true),
            ("hdfs://host/path", true),
            ("proxy.cse.cuhk.edu.hk:5070", true),
            ("localhost:8080", false),
            ("1.2.3", true),
            ("error", false),
            ("add", false),
            ("a", false),
            ("", false),
        ];
        for &(word, want) in cases {
            assert_eq!(core_is_variable(word.as_bytes()), want, "{word}");
        }
    }

    #[test]
    fn pieces() {
        let cases: &[(&str, bool)] = &[
            ("blk_-1608999687919862906", true),
            ("eth1", false),
            ("ssh2", false),
            ("eth12", true),
            ("badmin1", true),
            ("0x1f", true),
            ("Jul", true),
            ("July", false),
            ("root", false),
            ("", false),
        ];
        for &(piece, want) in cases {
            assert_eq!(piece_is_variable(piece.as_bytes()), want, "{piece}");
        }
    }

    #[test]
    fn core_strips_brackets_and_trailing_punctuation() {
        let w = b"(10.0.0.1),";
        let (s, e) = core_bounds(w);
        assert_eq!(&w[s..e], b"10.0.0.1");
        let w = b"((((";
        let (s, e) = core_bounds(w);
        assert_eq!(s, e);
    }
}
