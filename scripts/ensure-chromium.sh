#!/usr/bin/env bash
# The browser test drives Debian's Chromium through Playwright (Playwright's own browser
# download is not used). Install it when missing and we may; otherwise say how.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser test (apt-get install chromium)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
    exit 0
fi
echo "Chromium is missing: install it with 'sudo apt-get install chromium' to run the browser test." >&2
if [ "${CI:-}" = "true" ]; then
    exit 1
fi
echo "(Outside CI the browser test will be skipped with that reason.)" >&2
