//! The platform model of a Kafka / Confluent Platform deployment and the checks over it.
//!
//! Pure: callers read the files and hand over their text; nothing here touches the file system,
//! the network or the clock.
//!
//! - [`inventory`] parses a cp-ansible inventory (YAML) the way Ansible does: groups, children,
//!   host ranges, variable precedence (`all.vars` < parent group < child group < host).
//! - [`properties`] parses Java `*.properties` files, keeping line numbers for evidence.
//! - [`model`] builds the [`Platform`]: components, hosts, listeners, security, racks, exporters,
//!   data dirs.
//! - [`check`] runs the security and production-readiness rules and renders findings.
//! - [`monitoring`] builds the monitoring package: Prometheus scrape config and alert rules,
//!   Alertmanager routing, Grafana dashboards.

pub mod check;
pub mod inventory;
pub mod model;
pub mod monitoring;
pub mod properties;

pub use check::{Finding, Severity, check};
pub use inventory::{Inventory, InventoryError};
pub use model::{Platform, PlatformError};
pub use properties::PropertiesFile;
