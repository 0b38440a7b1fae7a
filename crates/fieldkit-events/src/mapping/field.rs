//! The event fields a mapping fills, with their names in mapping files.

use std::fmt;

/// A [`MonitoringEvent`](crate::event::MonitoringEvent) field that a mapping extracts.
/// `received_time_ms` and `source` come from the record's metadata, `dedup_key` from the
/// `[dedup]` template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    EventTime,
    Tenant,
    Environment,
    Node,
    Check,
    Alarm,
    State,
    PreviousState,
    Message,
    Metrics,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::EventTime,
        Field::Tenant,
        Field::Environment,
        Field::Node,
        Field::Check,
        Field::Alarm,
        Field::State,
        Field::PreviousState,
        Field::Message,
        Field::Metrics,
    ];

    /// The key in a mapping file's `[fields]` table.
    pub fn name(self) -> &'static str {
        match self {
            Field::EventTime => "event_time",
            Field::Tenant => "tenant",
            Field::Environment => "environment",
            Field::Node => "node",
            Field::Check => "check",
            Field::Alarm => "alarm",
            Field::State => "state",
            Field::PreviousState => "previous_state",
            Field::Message => "message",
            Field::Metrics => "metrics",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// A record without a value for a required field is dead-lettered.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Field::EventTime | Field::Tenant | Field::Environment | Field::Node | Field::Check | Field::State
        )
    }

    /// Text fields may have a `[defaults]` value. Times, states and metrics may not: a default
    /// there would invent facts (use `$received_ms` explicitly for a time fallback).
    pub fn takes_default(self) -> bool {
        matches!(self, Field::Tenant | Field::Environment | Field::Node | Field::Check | Field::Alarm | Field::Message)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_indices_are_positions() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(Field::from_name(f.name()), Some(f));
            assert_eq!(f.index(), i);
        }
    }
}
