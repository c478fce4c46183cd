#!/usr/bin/env bash
# The system packages the tests drive, installed when missing and possible, so that
# `npm test` on a fresh Debian machine needs no manual step:
#   faketime  held sends under a shifted system clock (test/integration/cli-faketime.test.ts)
#   chromium  the local console page (test/integration/start.test.ts, test/local/console/)
# Where they cannot be installed (no apt-get, not root, no network) this says so and goes on:
# the tests that need them then fail with one line saying what to install, never skipped.
set -uo pipefail
need=()
command -v faketime >/dev/null || need+=(faketime)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "npm test: installing ${need[*]} with apt-get" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } ||
    echo "npm test: could not install ${need[*]}; the tests that use them will fail saying what to install" >&2
else
  echo "npm test: ${need[*]} missing (Debian: sudo apt-get install -y ${need[*]}); the tests that use them will fail" >&2
fi
exit 0
