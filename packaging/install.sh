#!/bin/sh
# Installs this yak release for the current user (no root): the programs into ~/.local/lib/yak, yakctl on
# ~/.local/bin, and — with --service — yakd as a systemd user service (Linux) or a LaunchAgent (macOS).
#
#   ./install.sh [--prefix DIR] [--service]
#
# Re-running installs over the previous version; run 'yakctl daemon restart' afterwards to replace a running yakd.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$HOME/.local"
service=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --service) service=true; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

lib="$prefix/lib/yak"
bin="$prefix/bin"
version="$(cat "$here/VERSION")"
umask 022
mkdir -p "$prefix/lib" "$bin"
# Install beside, then swap: a running yakd keeps its (deleted) files, nothing is half-copied.
staging="$(mktemp -d "$prefix/lib/.yak-install.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
for f in yakctl yakctl.exe yakd yakd.exe yak-local-cluster agents systemd launchd cluster VERSION; do
  [ -e "$here/$f" ] && cp -R "$here/$f" "$staging/"
done
chmod 0755 "$staging"
if [ -e "$lib" ]; then rm -rf "$lib.old"; mv "$lib" "$lib.old"; fi
mv "$staging" "$lib"
trap - EXIT
rm -rf "$lib.old"
ln -sf "$lib/yakctl" "$bin/yakctl"
echo "installed yak $version: $bin/yakctl → $lib"

case ":$PATH:" in *":$bin:"*) ;; *) echo "note: $bin is not on your PATH; add it to your shell profile." ;; esac
if [ "$service" = true ]; then
  "$lib/yakctl" daemon install
fi
if "$lib/yakctl" version -o json 2>/dev/null | grep -q '"daemonMatches": false'; then
  echo "note: an older yakd is running; 'yakctl daemon restart' replaces it (sessions are kept)."
fi
