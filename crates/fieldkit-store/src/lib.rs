//! fieldkit-store: the embedded store of `fieldkit run` and the commands that read it.
//!
//! One SQLite file in WAL mode holds monitoring summaries, the latest state of every check,
//! dead letters and input positions. The central operation is [`Store::commit`]: a [`Batch`]
//! of summaries, dead letters and position advances is written in ONE transaction, so an input
//! position never gets ahead of the rows derived from it and a crash at any point leaves whole
//! batches or nothing. Summaries are unique by dedup key and positioned dead letters by
//! position, so replaying a batch after a crash stores nothing twice.
//!
//! [`pg::PgStore`] keeps the same contract in PostgreSQL for shared deployments; both implement
//! [`Backend`], what a pipeline's store sink writes through.
//!
//! ```
//! use fieldkit_store::{Batch, PositionAdvance, Store};
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = Store::open(dir.path().join("fieldkit.db")).unwrap();
//! let batch = Batch {
//!     positions: vec![PositionAdvance { source_name: "maas".into(), topic: "t".into(), partition: 0, next_offset: 10 }],
//!     ..Batch::default()
//! };
//! assert_eq!(store.commit(&batch).unwrap().positions_advanced, 1);
//! assert_eq!(store.commit(&batch).unwrap().positions_advanced, 0);
//! assert_eq!(store.positions("maas").unwrap()[0].next_offset, 10);
//! assert_eq!(serde_json::to_value(store.stats().unwrap()).unwrap()["monitoring"], 0);
//! ```

mod backend;
mod batch;
mod commit;
mod error;
pub mod pg;
mod position;
mod query;
mod schema;
mod store;

pub use backend::{Backend, StoreTarget};
pub use batch::{Batch, CommitOutcome, DeadLetter, PositionAdvance};
pub use error::StoreError;
pub use pg::{PgStore, PgTarget};
pub use position::{InputPosition, Watermark, WatermarkError};
pub use query::{AlertingCheck, EventFilter, NoisyCheck, StateChange, StoredEvent, TenantAlerts, Top, TopQuery};
pub use store::{Durability, Stats, Store, StoreOptions};

#[doc(hidden)]
pub use schema::create_at_version;
