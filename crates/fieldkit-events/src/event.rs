//! The monitoring summary record: one terse, typed row per monitoring notification.
//!
//! Times are epoch milliseconds (UTC) everywhere a machine reads them: in memory, in JSON and in
//! the store. The `_ms` suffix on every time field says so, and [`format_rfc3339`] renders one for
//! people. One representation avoids the classic mix-up of seconds and milliseconds between
//! producers and readers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One monitoring notification condensed to what an operator needs to see and filter on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitoringEvent {
    /// When the monitored condition was observed, per the payload (epoch ms, UTC).
    pub event_time_ms: i64,
    /// When fieldkit received the record (epoch ms, UTC); passed in by the source, never read
    /// from a clock by the mapping.
    pub received_time_ms: i64,
    /// Customer / account the monitored thing belongs to.
    pub tenant: String,
    /// Deployment environment (production, staging, …).
    pub environment: String,
    /// The monitored host or entity.
    pub node: String,
    /// The check that produced the result.
    pub check: String,
    /// The alarm (rule over the check's metrics) that fired, when the source has alarms.
    pub alarm: Option<String>,
    /// State after this result.
    pub state: State,
    /// State before this result, when the payload says so.
    pub previous_state: Option<State>,
    /// The status message, as written by the monitoring system.
    pub message: Option<String>,
    /// Metrics attached to the result, in payload order.
    pub metrics: Vec<Metric>,
    /// Where the record was read from; `None` for sources without positions (stdin, HTTP).
    pub source: Option<SourcePosition>,
    /// Identity of the notification: two records with the same key are the same event, so a
    /// replay after a crash stores nothing twice.
    pub dedup_key: String,
}

/// Health state of a check result, ordered by severity (`OK` < `UNKNOWN` < `WARNING` < `CRITICAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// The check passed.
    Ok,
    /// The check could not decide (collector error, no data).
    Unknown,
    /// The check crossed a warning threshold.
    Warning,
    /// The check crossed a critical threshold.
    Critical,
}

impl State {
    /// Every state, most severe first.
    pub const ALL: [State; 4] = [State::Critical, State::Warning, State::Unknown, State::Ok];

    /// The canonical upper-case name, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Unknown => "UNKNOWN",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
        }
    }

    /// True for the states an operator has to act on.
    pub fn is_alerting(self) -> bool {
        matches!(self, State::Warning | State::Critical)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a state (expected OK, WARNING, CRITICAL or UNKNOWN)")]
pub struct ParseStateError(pub String);

impl FromStr for State {
    type Err = ParseStateError;

    /// Case-insensitive, surrounding whitespace ignored: monitoring systems disagree on case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        State::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ParseStateError(s.to_owned()))
    }
}

/// One measurement attached to a check result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    /// `None` when the payload carried the metric with a null value: kept, so nothing is dropped.
    pub value: Option<MetricValue>,
    pub unit: Option<String>,
}

/// A metric's value: monitoring systems report numbers, but also strings (an HTTP status code,
/// a body match) and booleans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetricValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Position of a record in a positioned source: a Kafka topic-partition offset, or the same
/// triple for a file source (topic = the file's identity, partition 0, offset = byte offset).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourcePosition {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// Renders epoch milliseconds as RFC 3339 UTC with millisecond precision, for people.
/// Values outside the representable range (beyond year ±9999) come back as the raw number.
pub fn format_rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_case_insensitively_and_order_by_severity() {
        assert_eq!(" critical ".parse::<State>(), Ok(State::Critical));
        assert_eq!("Ok".parse::<State>(), Ok(State::Ok));
        assert!("WARN".parse::<State>().is_err());
        assert!(State::Critical > State::Warning && State::Warning > State::Unknown && State::Unknown > State::Ok);
    }

    #[test]
    fn event_serialises_times_as_millis_and_states_upper_case() {
        let e = MonitoringEvent {
            event_time_ms: 1_396_739_833_810,
            received_time_ms: 1_396_739_834_000,
            tenant: "487439".into(),
            environment: "prod".into(),
            node: "web-1".into(),
            check: "http".into(),
            alarm: None,
            state: State::Critical,
            previous_state: Some(State::Ok),
            message: Some("down".into()),
            metrics: vec![
                Metric { name: "code".into(), value: Some(MetricValue::Text("502".into())), unit: None },
                Metric { name: "duration".into(), value: Some(MetricValue::Number(21196.0)), unit: Some("ms".into()) },
            ],
            source: Some(SourcePosition { topic: "t".into(), partition: 0, offset: 7 }),
            dedup_key: "k".into(),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["event_time_ms"], 1_396_739_833_810_i64);
        assert_eq!(json["state"], "CRITICAL");
        assert_eq!(json["metrics"][0]["value"], "502");
        let back: MonitoringEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn rfc3339_rendering() {
        assert_eq!(format_rfc3339(1_396_739_833_810), "2014-04-05T23:17:13.810Z");
        assert_eq!(format_rfc3339(i64::MAX), i64::MAX.to_string());
    }
}
