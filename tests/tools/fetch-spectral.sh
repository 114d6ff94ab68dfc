#!/usr/bin/env bash
# Installs the pinned Spectral CLI (@stoplight/spectral-cli, an OpenAPI linter) that the OpenAPI tests run over the
# hub's published document with Spectral's OpenAPI ruleset (spectral:oas).
#
#   tests/tools/fetch-spectral.sh      -> prints the path of spectral's entry script on stdout
#
# Version and the whole dependency tree are pinned by tests/tools/spectral/package-lock.json (npm checks every
# tarball's integrity hash). Installed with `npm ci` into a cache outside git:
#   ${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}/spectral/<lock hash>/
# Idempotent and non-interactive; progress on stderr, the path on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="$here/spectral/package-lock.json"
log() { printf 'fetch-spectral: %s\n' "$*" >&2; }
die() { printf 'fetch-spectral: error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is required (./cablehub installs it)"
command -v node >/dev/null 2>&1 || die "node is required (Debian package nodejs, pulled in by npm)"
hash="$(sha256sum "$lock" | cut -c1-16)"
cache_root="${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}"
target="$cache_root/spectral/$hash"
entry="$target/node_modules/@stoplight/spectral-cli/dist/index.js"
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

log "installing spectral-cli (pinned by package-lock.json) into $target"
cp "$here/spectral/package.json" "$lock" "$target/"
(cd "$target" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null >&2) \
  || die "npm ci of spectral-cli failed"
[ -f "$entry" ] || die "spectral entry script missing after install: $entry"
touch "$marker"
log "ready: $entry"
printf '%s\n' "$entry"
