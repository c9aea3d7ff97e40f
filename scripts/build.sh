#!/usr/bin/env bash
# Install kb and build the shipped knowledge base (site and PDF packs) into site/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export NO_MKDOCS_2_WARNING=1
.venv/bin/kb check --strict
.venv/bin/kb build "$@"
