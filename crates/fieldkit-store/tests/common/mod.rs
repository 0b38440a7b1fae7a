//! Builders shared by the store tests.
#![allow(dead_code)]

use fieldkit_events::{Metric, MetricValue, MonitoringEvent, SourcePosition, State};
use fieldkit_store::{DeadLetter, PositionAdvance};

pub const SOURCE: &str = "maas";
pub const TOPIC: &str = "maas_notifications";

/// An event read from `TOPIC`/`partition` at `offset`, identified by that position.
pub fn event(partition: i32, offset: i64) -> MonitoringEvent {
    MonitoringEvent {
        event_time_ms: 1_700_000_000_000 + offset,
        received_time_ms: 1_700_000_000_500 + offset,
        tenant: "t1".into(),
        environment: "prod".into(),
        node: format!("node-{}", offset % 3),
        check: "http".into(),
        alarm: Some("5xx".into()),
        state: State::Ok,
        previous_state: None,
        message: Some(format!("result {offset}")),
        metrics: vec![Metric {
            name: "duration".into(),
            value: Some(MetricValue::Number(offset as f64)),
            unit: Some("ms".into()),
        }],
        source: Some(SourcePosition { topic: TOPIC.into(), partition, offset }),
        dedup_key: format!("k/{partition}/{offset}"),
    }
}

pub fn dead_letter(partition: i32, offset: i64) -> DeadLetter {
    DeadLetter {
        source_name: SOURCE.into(),
        position: Some(SourcePosition { topic: TOPIC.into(), partition, offset }),
        received_time_ms: 1_700_000_000_000 + offset,
        error_kind: "invalid_json".into(),
        error: "payload is not valid JSON: EOF while parsing a value at line 1 column 0".into(),
        payload: vec![0xff, 0x00, b'{'],
    }
}

pub fn advance(partition: i32, next_offset: i64) -> PositionAdvance {
    PositionAdvance { source_name: SOURCE.into(), topic: TOPIC.into(), partition, next_offset }
}
