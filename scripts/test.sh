#!/usr/bin/env bash
# Install kb with its test needs, then run the linters, the type checker and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
export NO_MKDOCS_2_WARNING=1
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/pytest "$@"
