#!/usr/bin/env bash
# Installs a pinned npm tool the tests run (MailDev, Spectral, ...) and prints the path of its entry script.
#
#   tests/tools/fetch-npm-tool.sh NAME ENTRY   -> NAME: folder tests/tools/NAME (package.json + package-lock.json);
#                                                 ENTRY: the entry script below node_modules/
#
# Version and the whole dependency tree are pinned by tests/tools/NAME/package-lock.json (npm checks every tarball's
# integrity hash). Installed with `npm ci` into a cache outside git:
#   ${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}/NAME/<lock hash>/
# Idempotent and non-interactive (concurrent callers wait on a flock); progress on stderr, the path on stdout.
set -euo pipefail

name="${1:?usage: fetch-npm-tool.sh NAME ENTRY}"
entry_rel="${2:?usage: fetch-npm-tool.sh NAME ENTRY}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="$here/$name/package-lock.json"
log() { printf 'fetch-%s: %s\n' "$name" "$*" >&2; }
die() { printf 'fetch-%s: error: %s\n' "$name" "$*" >&2; exit 1; }

[ -f "$lock" ] || die "no pinned tool '$name' ($lock missing)"
command -v npm >/dev/null 2>&1 || die "npm is required (./cablehub installs it)"
command -v node >/dev/null 2>&1 || die "node is required (Debian package nodejs, pulled in by npm)"
hash="$(sha256sum "$lock" | cut -c1-16)"
cache_root="${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}"
target="$cache_root/$name/$hash"
entry="$target/node_modules/$entry_rel"
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

log "installing $name (pinned by package-lock.json) into $target"
cp "$here/$name/package.json" "$lock" "$target/"
(cd "$target" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null >&2) \
  || die "npm ci of $name failed"
[ -f "$entry" ] || die "$name entry script missing after install: $entry"
touch "$marker"
log "ready: $entry"
printf '%s\n' "$entry"
