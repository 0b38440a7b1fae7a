//! `fieldkit`: the command line. Thin by design: argument parsing, reading files, progress and
//! terminal rendering live here; every decision lives in the library crates.

mod cli;
mod cmd;
mod input;
mod term;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// Exit codes a CI job can gate on.
pub mod exit {
    /// Nothing at warning or above.
    pub const OK: u8 = 0;
    /// Findings at warning or above (triage), or lint problems (rules lint).
    pub const FINDINGS: u8 = 1;
    /// The command could not do its job: bad arguments, unreadable input.
    pub const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    // A bug must not look like "findings" (1) to a CI job: report it and exit with 2.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        eprintln!("fieldkit: internal error (a bug: please report it with the command that caused it)");
        std::process::exit(i32::from(exit::ERROR));
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Triage(args) => cmd::triage::run(args),
        Command::Patterns(args) => cmd::patterns::run(args),
        Command::Redact(args) => cmd::redact::run(args),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Events(args) => cmd::events::run(args),
        Command::Store(args) => cmd::store::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Validate(args) => cmd::run::validate(args),
        Command::Inventory(args) => cmd::platform::inventory(args),
        Command::Check(args) => cmd::platform::check(args),
        Command::Size(args) => cmd::size::run(*args),
        Command::Diagram(args) => cmd::diagram::run(args),
        Command::Monitoring(args) => cmd::monitoring::run(args),
        Command::Docs(args) => cmd::docs::run(args),
        Command::Completions { shell } => cmd::completions(shell).map(|()| exit::OK),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("fieldkit: error: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
