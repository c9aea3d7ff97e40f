#!/usr/bin/env bash
# Install kb with its test needs, then run the linters, the type checker and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
export NO_MKDOCS_2_WARNING=1
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
# Given test files, run them. Otherwise run every test: each module that drives Chromium
# in a pytest process of its own, then the rest in one. Playwright's synchronous API runs
# on greenlets, and twice a CI run ended in a segmentation fault while the garbage
# collector ran during a whole kb build in a process that had driven a browser before.
for argument in "$@"; do
  if [[ "$argument" != -* && -e "${argument%%::*}" ]]; then
    exec .venv/bin/pytest "$@"
  fi
done
mapfile -t browser < <(grep -l "from tests.browser import" tests/test_*.py)
ignored=()
status=0
run() {  # pytest; "no tests collected" (5, with -k) is no failure
  .venv/bin/pytest "$@" || { local code=$?; [[ $code == 5 ]] || status=$code; }
}
for file in "${browser[@]}"; do
  ignored+=("--ignore=$file")
  run "$@" "$file"
done
run "$@" "${ignored[@]}"
exit "$status"
