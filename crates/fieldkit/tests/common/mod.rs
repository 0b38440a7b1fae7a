//! Running the built binary the way a user or a CI job does, shared by the CLI test files.
#![allow(dead_code)] // each test binary uses its own subset

use std::process::Output;

use assert_cmd::Command;

/// The binary with a predictable environment: no colour, no store or terminal width inherited
/// from the caller.
pub fn fieldkit() -> Command {
    let mut cmd = Command::cargo_bin("fieldkit").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("FIELDKIT_STORE").env_remove("COLUMNS");
    cmd
}

pub fn run(args: &[&str]) -> Output {
    fieldkit().args(args).output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
