//! fieldkit-events: the typed events fieldkit ingests, and the mappings that make them from raw
//! payloads. Pure: no I/O, no clock (received time comes in as data). The store persists these
//! types and the pipeline (`fieldkit run`, to come) produces them, so both depend on this crate.
//!
//!
//! * [`event`]: the [`MonitoringEvent`] summary record;
//! * [`mapping`]: declarative, versioned jq mappings from a raw JSON payload to an event, with
//!   the Rackspace Cloud Monitoring mapping built in. A payload that cannot be placed yields a
//!   typed [`MappingError`] whose text is the dead-letter reason.
//!
//! ```
//! use fieldkit_events::mapping::{Mapping, RawInput};
//! let mapping = Mapping::builtin("rackspace-maas").unwrap();
//! let payload = br#"{"tenant_id": "42", "entity": {"id": "enA", "label": "web-1"},
//!     "check": {"id": "chA", "label": "http"}, "alarm": {"id": "alA", "label": "5xx"},
//!     "event_id": "acA:enA:alA:chA:1700000000000:CRITICAL",
//!     "details": {"timestamp": 1700000000123, "state": "CRITICAL", "status": "HTTP 502"}}"#;
//! let event = mapping.map(&RawInput::new(payload, 1_700_000_000_500)).unwrap();
//! assert_eq!((event.tenant.as_str(), event.node.as_str(), event.state.as_str()), ("42", "web-1", "CRITICAL"));
//! assert_eq!(event.dedup_key, "maas/42/acA:enA:alA:chA:1700000000000:CRITICAL");
//! ```

pub mod event;
pub mod mapping;

pub use event::{Metric, MetricValue, MonitoringEvent, SourcePosition, State};
pub use mapping::{Mapping, MappingConfigError, MappingError, RawInput};
