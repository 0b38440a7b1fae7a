//! One module per command.

pub mod diagram;
pub mod docs;
pub mod events;
pub mod monitoring;
pub mod patterns;
pub mod platform;
pub mod redact;
mod report_text;
pub mod rules;
pub mod run;
pub mod size;
pub mod store;
mod table;
pub mod triage;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

/// Writes to `path`, or stdout when there is none. A closed pipe (`| head`) is not an error.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("{}: cannot write", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("writing to stdout"),
            }
        }
    }
}

pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fieldkit", &mut script);
    write_output(None, &script)
}

/// Replaces control characters (terminal escapes, NULs) with U+FFFD: log content and archive entry
/// names are untrusted and must not drive the user's terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        text.chars().map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c }).collect::<String>().into()
    } else {
        text.into()
    }
}
