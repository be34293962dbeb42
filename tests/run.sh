#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, and all tests (unit, end-to-end).
# Installs what the tests need first, when it is missing: Graphviz (`dot`) for the
# diagram tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Graphviz (dot) for the diagram tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
    else
        echo "the diagram tests need Graphviz's dot: sudo apt-get install graphviz (or brew install graphviz)" >&2
        exit 1
    fi
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
