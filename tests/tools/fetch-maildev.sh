#!/usr/bin/env bash
# Installs the pinned MailDev (an SMTP server that keeps received mail and serves it over HTTP) that the
# notification tests send real mail to.
#
#   tests/tools/fetch-maildev.sh      -> prints the path of maildev's entry script on stdout
#
# Version and the whole dependency tree are pinned by tests/tools/maildev/package-lock.json (npm checks every
# tarball's integrity hash). Installed with `npm ci` into a cache outside git:
#   ${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}/maildev/<lock hash>/
# Idempotent and non-interactive; progress on stderr, the path on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="$here/maildev/package-lock.json"
log() { printf 'fetch-maildev: %s\n' "$*" >&2; }
die() { printf 'fetch-maildev: error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is required (./cablehub installs it)"
command -v node >/dev/null 2>&1 || die "node is required (Debian package nodejs, pulled in by npm)"
hash="$(sha256sum "$lock" | cut -c1-16)"
cache_root="${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}"
target="$cache_root/maildev/$hash"
entry="$target/node_modules/maildev/dist/bin/maildev.js"
marker="$target/.complete"

if [ -f "$marker" ] && [ -f "$entry" ]; then
  printf '%s\n' "$entry"
  exit 0
fi

mkdir -p "$target"
exec 9>"$target/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if [ -f "$marker" ] && [ -f "$entry" ]; then
    printf '%s\n' "$entry"
    exit 0
  fi
fi

log "installing maildev (pinned by package-lock.json) into $target"
cp "$here/maildev/package.json" "$lock" "$target/"
(cd "$target" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null >&2) \
  || die "npm ci of maildev failed"
[ -f "$entry" ] || die "maildev entry script missing after install: $entry"
touch "$marker"
log "ready: $entry"
printf '%s\n' "$entry"
