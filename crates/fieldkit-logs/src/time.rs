//! Timestamps as log layouts write them, and their normalisation to UTC.
//!
//! Parsing is hand-written rather than regex-driven because it runs on every candidate record of
//! multi-gigabyte bundles; it only ever looks at the first ~35 bytes of a line.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// A wall-clock time exactly as a log line wrote it, before any zone is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// `None` for layouts that print the time of day only (logback's `%d{HH:mm:ss.SSS}`).
    pub date: Option<(i16, i8, i8)>,
    pub hour: i8,
    pub minute: i8,
    pub second: i8,
    pub nanos: i32,
    /// Offset east of UTC in seconds when the line carries one (`Z`, `+0100`, `-05:00`).
    pub offset_seconds: Option<i32>,
}

/// The zone a source's zone-less timestamps are written in (`--tz`).
#[derive(Clone, Debug)]
pub struct SourceZone(TimeZone);

impl Default for SourceZone {
    fn default() -> Self {
        SourceZone(TimeZone::UTC)
    }
}

/// `--tz` was given a zone we cannot resolve.
#[derive(Debug, thiserror::Error)]
#[error("unknown time zone {name:?}: use UTC, a fixed offset like +02:00, or an IANA name like Europe/Berlin")]
pub struct ZoneError {
    pub name: String,
}

impl SourceZone {
    /// Accepts `UTC`, fixed offsets (`+02:00`, `-0500`) and IANA names (`Europe/Berlin`, from the
    /// time zone database bundled in the binary, so it works air-gapped).
    pub fn parse(name: &str) -> Result<Self, ZoneError> {
        let err = || ZoneError { name: name.to_string() };
        let trimmed = name.trim();
        if trimmed.eq_ignore_ascii_case("utc") || trimmed == "Z" {
            return Ok(Self::default());
        }
        if let Some(secs) = parse_offset(trimmed.as_bytes()).and_then(|(s, n)| (n == trimmed.len()).then_some(s)) {
            let offset = Offset::from_seconds(secs).map_err(|_| err())?;
            return Ok(SourceZone(TimeZone::fixed(offset)));
        }
        TimeZone::get(trimmed).map(SourceZone).map_err(|_| err())
    }

    /// Milliseconds since the Unix epoch, UTC. `None` for time-only stamps and impossible dates.
    pub fn to_utc_millis(&self, stamp: &Stamp) -> Option<i64> {
        let (y, mo, d) = stamp.date?;
        let dt = DateTime::new(y, mo, d, stamp.hour, stamp.minute, stamp.second, stamp.nanos).ok()?;
        let ts = match stamp.offset_seconds {
            Some(secs) => TimeZone::fixed(Offset::from_seconds(secs).ok()?).to_timestamp(dt).ok()?,
            None => self.0.to_timestamp(dt).ok()?,
        };
        Some(ts.as_millisecond())
    }
}

/// The earlier of two optional instants; an unknown instant never wins over a known one.
pub fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Formats UTC epoch milliseconds as RFC 3339 with millisecond precision: `2026-03-14T09:12:01.100Z`.
pub fn format_utc_millis(millis: i64) -> String {
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => millis.to_string(),
    }
}

/// Parses an RFC 3339 / ISO 8601 time given on the command line (`--since 2026-03-14T09:00:00Z`,
/// `--since "2026-03-14 09:00"`) in `zone` when it carries no offset.
pub fn parse_cli_time(text: &str, zone: &SourceZone) -> Option<i64> {
    let bytes = text.trim().as_bytes();
    if let Some((stamp, n)) = parse_stamp(bytes)
        && n == bytes.len()
    {
        return zone.to_utc_millis(&stamp);
    }
    // A bare date means its midnight; `HH:MM` without seconds is common on command lines.
    let date_only = parse_date(bytes).filter(|_| bytes.len() == 10);
    if let Some((y, mo, d)) = date_only {
        let stamp = Stamp { date: Some((y, mo, d)), hour: 0, minute: 0, second: 0, nanos: 0, offset_seconds: None };
        return zone.to_utc_millis(&stamp);
    }
    let trimmed = text.trim();
    if trimmed.len() >= 16 && trimmed.is_char_boundary(16) {
        let padded = format!("{}:00{}", &trimmed[..16], &trimmed[16..]);
        if let Some((stamp, n)) = parse_stamp(padded.as_bytes())
            && n == padded.len()
        {
            return zone.to_utc_millis(&stamp);
        }
    }
    None
}

#[inline]
fn digits<const N: usize>(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + N)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn parse_date(b: &[u8]) -> Option<(i16, i8, i8)> {
    let y = digits::<4>(b, 0)?;
    let sep = *b.get(4)?;
    if !(sep == b'-' || sep == b'/') || b.get(7) != Some(&sep) {
        return None;
    }
    let mo = digits::<2>(b, 5)?;
    let d = digits::<2>(b, 8)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some((y as i16, mo as i8, d as i8))
}

/// `HH:MM:SS` then optional `,fff` / `.fff` fraction; returns (h, m, s, nanos, consumed).
fn parse_time(b: &[u8]) -> Option<(i8, i8, i8, i32, usize)> {
    let h = digits::<2>(b, 0)?;
    if b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return None;
    }
    let m = digits::<2>(b, 3)?;
    let s = digits::<2>(b, 6)?;
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut n = 8;
    let mut nanos = 0i32;
    if matches!(b.get(8), Some(b',') | Some(b'.')) && b.get(9).is_some_and(u8::is_ascii_digit) {
        n = 9;
        let mut scale = 100_000_000i32;
        while let Some(&c) = b.get(n) {
            if !c.is_ascii_digit() {
                break;
            }
            nanos += i32::from(c - b'0') * scale;
            scale /= 10;
            n += 1;
        }
    }
    // A leap second is written :60; clamp it so the date stays representable.
    Some((h as i8, m as i8, s.min(59) as i8, nanos, n))
}

/// `Z`, `+HH`, `+HHMM`, `+HH:MM` (and `-`). Returns (seconds east of UTC, consumed).
fn parse_offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let h = digits::<2>(b, 1)? as i32;
            let (m, n) = if b.get(3) == Some(&b':') {
                (digits::<2>(b, 4)? as i32, 6)
            } else if let Some(m) = digits::<2>(b, 3) {
                (m as i32, 5)
            } else {
                (0, 3)
            };
            if h > 18 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some((if *sign == b'-' { -secs } else { secs }, n))
        }
        _ => None,
    }
}

/// Parses a timestamp at the very start of `b`: `2026-03-14 09:12:01,100`, `2026-03-14T09:12:01.100+01:00`,
/// `2026/03/14 09:12:01`, or a bare time of day `09:12:01.100`. Returns the stamp and bytes consumed.
pub fn parse_stamp(b: &[u8]) -> Option<(Stamp, usize)> {
    if let Some(date) = parse_date(b) {
        if !matches!(b.get(10), Some(b' ') | Some(b'T')) {
            return None;
        }
        let (hour, minute, second, nanos, n) = parse_time(b.get(11..)?)?;
        let mut used = 11 + n;
        let mut offset_seconds = None;
        if let Some((off, k)) = b.get(used..).and_then(parse_offset) {
            offset_seconds = Some(off);
            used += k;
        }
        let stamp = Stamp { date: Some(date), hour, minute, second, nanos, offset_seconds };
        return Some((stamp, used));
    }
    let (hour, minute, second, nanos, n) = parse_time(b)?;
    // A bare time must carry a fraction: "12:00:01" alone is too easily part of a message.
    if n == 8 {
        return None;
    }
    Some((Stamp { date: None, hour, minute, second, nanos, offset_seconds: None }, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_table() {
        let utc = SourceZone::default();
        let cases: &[(&str, Option<&str>, usize)] = &[
            ("2026-03-14 09:12:01,100] INFO", Some("2026-03-14T09:12:01.100Z"), 23),
            ("2026-03-14T09:12:01.100Z x", Some("2026-03-14T09:12:01.100Z"), 24),
            ("2026-03-14T10:12:01.100+01:00 x", Some("2026-03-14T09:12:01.100Z"), 29),
            ("2026-03-14T09:12:01.100+0000: 1.2", Some("2026-03-14T09:12:01.100Z"), 28),
            ("2026-03-14 09:12:01 INFO", Some("2026-03-14T09:12:01.000Z"), 19),
            ("2026/03/14 09:12:01.5 x", Some("2026-03-14T09:12:01.500Z"), 21),
            ("2026-03-14T09:12:01.123456789Z", Some("2026-03-14T09:12:01.123Z"), 30),
        ];
        for (input, want, used) in cases {
            let (stamp, n) = parse_stamp(input.as_bytes()).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(n, *used, "{input}");
            let got = utc.to_utc_millis(&stamp).map(format_utc_millis);
            assert_eq!(got.as_deref(), *want, "{input}");
        }
    }

    #[test]
    fn time_only_and_rejects() {
        let (stamp, n) = parse_stamp(b"09:12:01.100 [main] INFO").unwrap();
        assert_eq!(n, 12);
        assert_eq!(stamp.date, None);
        assert_eq!(SourceZone::default().to_utc_millis(&stamp), None);
        for bad in [
            "",
            "2026-13-01 00:00:00",
            "2026-03-14",
            "09:12:01 x",
            "12345",
            "2026-03-14X09:12:01",
            "2026-03-14 25:00:00",
        ] {
            assert!(parse_stamp(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn zones() {
        let berlin = SourceZone::parse("Europe/Berlin").unwrap();
        let (stamp, _) = parse_stamp(b"2026-03-14 10:12:01,100").unwrap();
        assert_eq!(berlin.to_utc_millis(&stamp).map(format_utc_millis).unwrap(), "2026-03-14T09:12:01.100Z");
        let fixed = SourceZone::parse("-05:00").unwrap();
        assert_eq!(fixed.to_utc_millis(&stamp).map(format_utc_millis).unwrap(), "2026-03-14T15:12:01.100Z");
        assert!(SourceZone::parse("Mars/Olympus").is_err());
        // An explicit offset in the line wins over the configured zone.
        let (stamp, _) = parse_stamp(b"2026-03-14T10:12:01.100Z").unwrap();
        assert_eq!(berlin.to_utc_millis(&stamp).map(format_utc_millis).unwrap(), "2026-03-14T10:12:01.100Z");
    }

    #[test]
    fn cli_times() {
        let utc = SourceZone::default();
        let want = parse_cli_time("2026-03-14T09:00:00Z", &utc).unwrap();
        assert_eq!(parse_cli_time("2026-03-14 09:00", &utc), Some(want));
        assert_eq!(parse_cli_time("2026-03-14 09:00:00", &utc), Some(want));
        assert_eq!(parse_cli_time("2026-03-14", &utc), Some(want - 9 * 3_600_000));
        assert_eq!(parse_cli_time("yesterday", &utc), None);
        // Regression: a multi-byte character at byte 16 used to panic.
        assert_eq!(parse_cli_time("2026-03-14 09:0éé", &utc), None);
    }
}
