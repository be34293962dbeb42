#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, and all tests (unit, end-to-end).
# Installs what the tests need first, when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
