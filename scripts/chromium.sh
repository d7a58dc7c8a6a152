#!/usr/bin/env bash
# Prints the path of a Chromium for the end-to-end tests. Playwright cannot download its own browser
# here, so on Debian we use (and, as root, install) the distribution's chromium. Elsewhere nothing is
# printed and Playwright uses its own browser.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ]; then echo "$CHROMIUM_PATH"; exit 0; fi
if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; exit 0; fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "net-atlas: installing Debian's chromium for the browser tests…" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2
  echo /usr/bin/chromium
fi
