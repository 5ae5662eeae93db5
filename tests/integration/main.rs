//! End-to-end tests: the `tidemark` binary as users run it, and every shipped scenario.

mod advise_sweep;
mod cli;
mod conservation;
mod export;
mod fuzz_corpus;
mod golden;
mod layers;
mod measured;
mod replay;
mod scenarios;
mod trace_workload;
mod traces;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `tidemark` binary with `args` in `dir`.
pub fn tidemark(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidemark"))
        .args(args)
        .current_dir(dir)
        // Headless: with no arguments and a display, tidemark would open the app.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the tidemark binary runs")
}

/// The repository's `scenarios/` folder.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The text of a shipped scenario.
pub fn scenario_text(name: &str) -> String {
    std::fs::read_to_string(scenarios_dir().join(name)).expect("scenario exists")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
