#!/usr/bin/env bash
# Refresh the lock files that scripts/install.sh and CI install from: every
# package pinned to one version with its hashes, for the Python of .venv/.
#   requirements.lock       what kb needs to run
#   requirements-test.lock  the same, plus the test tools (the "test" extra)
# After changing the dependencies in pyproject.toml: bash scripts/lock.sh
# To move every package to the newest version the ranges admit:
#   bash scripts/lock.sh --upgrade      (or --upgrade-package NAME)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check 'pip-tools>=7.4,<8'
options=(--quiet --generate-hashes --allow-unsafe --strip-extras
  --no-emit-index-url --no-emit-find-links "$@")
.venv/bin/pip-compile "${options[@]}" --extra test --output-file requirements-test.lock pyproject.toml
# The runtime lock takes the versions of the test lock, so both install the same kb.
.venv/bin/pip-compile "${options[@]}" --constraint requirements-test.lock \
  --output-file requirements.lock pyproject.toml
