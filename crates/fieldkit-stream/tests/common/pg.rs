//! The test PostgreSQL server (`scripts/test-services start`): a schema per test, configs for
//! file → summarize → postgres. Without FIELDKIT_TEST_POSTGRES_URL tests skip (print a notice
//! and pass), unless FIELDKIT_REQUIRE_POSTGRES=1 (CI), where they fail.
#![allow(dead_code)]

use std::path::Path;

use fieldkit_store::{PgStore, PgTarget};
use fieldkit_stream::Config;

pub fn url(test: &str) -> Option<String> {
    match std::env::var("FIELDKIT_TEST_POSTGRES_URL") {
        Ok(u) => Some(u),
        Err(_) if std::env::var("FIELDKIT_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!(
                "FIELDKIT_REQUIRE_POSTGRES=1 but FIELDKIT_TEST_POSTGRES_URL is not set (scripts/test-services start)"
            )
        }
        Err(_) => {
            eprintln!("SKIPPED {test}: FIELDKIT_TEST_POSTGRES_URL is not set (run scripts/test-services start)");
            None
        }
    }
}

/// A fresh, empty schema for `test`.
pub fn schema(url: &str, test: &str) -> String {
    let schema = format!("s_{test}_{}", std::process::id());
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).unwrap();
    schema
}

pub fn store(url: &str, schema: &str) -> PgStore {
    PgStore::connect(&PgTarget::parse(url).unwrap().with_schema(schema).unwrap()).unwrap()
}

/// file → summarize → postgres; `extra` is appended to the sink's table.
pub fn file_to_postgres(input: &Path, url: &str, schema: &str, extra: &str) -> Config {
    let sinks = format!(
        r#"
[sinks.db]
type = "postgres"
inputs = ["summary"]
url = "${{PGURL}}"
schema = "{schema}"
{extra}
"#
    );
    crate::common::file_to(input, &sinks, &[("PGURL", url)])
}
