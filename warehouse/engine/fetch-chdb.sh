#!/usr/bin/env bash
# Fetches the pinned chDB engine (ClickHouse as a library) for the embedded dev/test warehouse.
#
#   warehouse/engine/fetch-chdb.sh        -> prints the path of libchdb.so on stdout
#
# The npm tarball is integrity-checked against the sha512 pinned below (the registry's
# dist.integrity) and only libchdb.so is kept, in a cache outside git:
#   ${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}/chdb/<version>/libchdb.so
# Idempotent and non-interactive: a marker file makes later runs a fast no-op.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail

readonly PACKAGE="@chdb/lib-linux-x64-gnu"
readonly VERSION="26.7.3-stable.1"
readonly TARBALL_URL="https://registry.npmjs.org/@chdb/lib-linux-x64-gnu/-/lib-linux-x64-gnu-${VERSION}.tgz"
# npm registry metadata of ${PACKAGE}@${VERSION}: dist.integrity
readonly INTEGRITY="sha512-XP97mMqnc5tZpKQywR8N7cLTsHNiTmHr30pC5mzo3jWmukjKn2IBa60c2B/gWUNcuFjOMjWoorQICCqBVj5wpw=="

log() { printf 'fetch-chdb: %s\n' "$*" >&2; }
die() { printf 'fetch-chdb: error: %s\n' "$*" >&2; exit 1; }

cache_root="${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}"
target_dir="$cache_root/chdb/$VERSION"
library="$target_dir/libchdb.so"
marker="$target_dir/.complete"

if [ -f "$marker" ] && [ -f "$library" ] && [ "$(cat "$marker")" = "$INTEGRITY" ]; then
  printf '%s\n' "$library"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) die "chDB package $PACKAGE is for Linux x86_64 only (this is $(uname -s)-$(uname -m))" ;;
esac
command -v sha512sum >/dev/null 2>&1 || die "sha512sum (coreutils) is required"
command -v base64 >/dev/null 2>&1 || die "base64 (coreutils) is required"
command -v tar >/dev/null 2>&1 || die "tar is required"

mkdir -p "$target_dir"
# One fetch at a time per cache (parallel builds call this script too).
exec 9>"$target_dir/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if [ -f "$marker" ] && [ -f "$library" ] && [ "$(cat "$marker")" = "$INTEGRITY" ]; then
    printf '%s\n' "$library"
    exit 0
  fi
fi
rm -rf "$target_dir"/.fetch.* "$marker"
work="$(mktemp -d "$target_dir/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

tarball="$work/chdb.tgz"
log "downloading $PACKAGE@$VERSION (about 178 MB)"
if command -v npm >/dev/null 2>&1; then
  # npm pack honours the configured registry/proxy and writes the tarball into --pack-destination;
  # a throwaway npm cache keeps a second 178 MB copy out of ~/.npm.
  name="$(cd "$work" && npm pack "$PACKAGE@$VERSION" --pack-destination "$work" --cache "$work/npm-cache" --silent --no-audit --no-fund </dev/null)" \
    || die "npm pack $PACKAGE@$VERSION failed"
  mv "$work/$name" "$tarball"
elif command -v curl >/dev/null 2>&1; then
  curl --fail --silent --show-error --location --retry 3 -o "$tarball" "$TARBALL_URL" \
    || die "download of $TARBALL_URL failed"
else
  die "neither npm nor curl is installed (./cablehub installs them)"
fi

log "verifying integrity (sha512)"
hex="$(sha512sum "$tarball" | cut -d' ' -f1)"
# hex digest -> raw bytes (bash printf understands \xHH) -> base64, the npm "integrity" form
# shellcheck disable=SC2059
actual="sha512-$(printf "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  die "integrity mismatch for $PACKAGE@$VERSION
  expected $INTEGRITY
  actual   $actual
refusing to use the download"
fi

log "extracting libchdb.so"
tar -xzf "$tarball" -C "$work" package/libchdb.so || die "package/libchdb.so missing from the tarball"
chmod 0755 "$work/package/libchdb.so"
mv -f "$work/package/libchdb.so" "$library"
printf '%s\n' "$INTEGRITY" > "$marker.tmp" && mv -f "$marker.tmp" "$marker"
log "ready: $library"
printf '%s\n' "$library"
