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
//! - [`docs`] renders the security overview, production-readiness review and FAQ documents
//!   (minijinja templates, Markdown and self-contained HTML) from the model, the findings and an
//!   engagement YAML.
//! - [`size`] sizes a cluster from a workload (brokers, controllers, partitions, disk, network,
//!   memory), every figure with its formula and published source, and compares a layout with it.
//! - [`diagram`] draws the model as a layered architecture diagram (SVG with its own layout, DOT,
//!   Mermaid).
//! - [`monitoring`] builds the monitoring package: Prometheus scrape config and alert rules,
//!   Alertmanager routing, Grafana dashboards.

pub mod check;
pub mod diagram;
pub mod docs;
pub mod inventory;
pub mod model;
pub mod monitoring;
pub mod properties;
pub mod size;

pub use check::{Finding, Severity, check};
pub use inventory::{Inventory, InventoryError};
pub use model::{Platform, PlatformError};
pub use properties::PropertiesFile;
