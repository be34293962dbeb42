//! Helpers shared by the end-to-end tests: run the built `auditgraph` binary in a
//! scratch folder and capture what it prints.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The repository root, where `fixtures/` lives.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo() -> PathBuf {
    root().join("fixtures/demo")
}

/// Runs `auditgraph ARGS` with `dir` as the working directory.
pub fn auditgraph(dir: &Path, args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_auditgraph")).args(args).current_dir(dir))
}

/// Runs a prepared command to the end and captures what it printed.
pub fn run(command: &mut Command) -> Run {
    let out = command.output().expect("the command runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch folder, removed when dropped.
/// How many controls `queries/` holds: a scan of the demo runs every one.
pub fn controls_in_the_repository() -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let is_control = |e: &std::fs::DirEntry| e.path().extension().is_some_and(|x| x == "toml");
    std::fs::read_dir(dir).unwrap().filter(|e| e.as_ref().is_ok_and(is_control)).count()
}

pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

pub mod browser;
pub mod emulator;
pub mod http;
pub mod postgres;

/// The errors of `instance` against a JSON schema vendored under `tests/schemas/`
/// (see its README for where each came from), one line each; empty when valid.
pub fn schema_errors(schema_file: &str, instance: &serde_json::Value) -> Vec<String> {
    let path = root().join("tests/schemas").join(schema_file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema_file} compiles: {e}"));
    validator.iter_errors(instance).map(|e| format!("at {}: {e}", e.instance_path())).collect()
}
