#!/usr/bin/env bash
# Test tools outside Python: Node packages (Prism as the Twilio and Klantinteracties doubles, axe-core) and
# Debian's chromium for the browser tests. Installs what is missing; where it cannot, the tests that need it skip and say why.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -f package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    if ! cmp -s package-lock.json node_modules/.package-lock.json.installed 2>/dev/null; then
      echo "tools: npm ci (Prism, axe-core)"
      if npm ci --no-audit --no-fund --loglevel=error; then
        cp package-lock.json node_modules/.package-lock.json.installed
      else
        echo "tools: npm ci failed; Twilio-double and accessibility tests will skip" >&2
      fi
    fi
  else
    echo "tools: npm not found; Twilio-double and accessibility tests will skip" >&2
  fi
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "tools: installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "tools: chromium could not be installed; browser tests will skip" >&2
  else
    echo "tools: chromium missing and not root; browser tests will skip" >&2
  fi
fi
exit 0
