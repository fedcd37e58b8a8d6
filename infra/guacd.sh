#!/usr/bin/env bash
# Builds Apache guacd (guacamole-server) from a release tarball into a prefix Deskport owns, once
# per tarball: the prefix is named by the tarball's SHA-256, so a second run with the same tarball
# only checks and exits. `bin/deskport up` then finds guacd through the `current` link.
#
# Usage: infra/guacd.sh [--print-bin] TARBALL
#   TARBALL       guacamole-server-X.Y.Z.tar.gz (Apache's release, or ../shared/vendor/'s copy)
#   --print-bin   print the path of the installed guacd and nothing else (after building if needed)
# Environment:
#   DESKPORT_GUACD_ROOT  where prefixes live (default: $HOME/.cache/deskport/guacd)
#
# guacd's FreeRDP plugins must live in FreeRDP's own plugin directory (RDP audio, drive redirection
# and printing fail elsewhere), so as root they go there (configure's default); without root they go
# into the prefix and those RDP extras will not load (a warning says so).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

print_bin=0
if [ "${1:-}" = "--print-bin" ]; then print_bin=1; shift; fi
case "${1:-}" in
  -h | --help | "")
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ] && exit 0 || exit 2
    ;;
esac
tarball="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -f "$tarball" ] || { echo "guacd.sh: no such tarball: $1" >&2; exit 2; }
say() { [ "$print_bin" = 1 ] && echo "guacd.sh: $*" >&2 || echo "guacd.sh: $*"; }

guacd_root="${DESKPORT_GUACD_ROOT:-$HOME/.cache/deskport/guacd}"
hash="$(sha256sum "$tarball" | cut -d' ' -f1)"
prefix="$guacd_root/${hash:0:16}"
bin="$prefix/sbin/guacd"

build_pkgs=(build-essential autoconf automake libtool libtool-bin pkg-config libcairo2-dev libjpeg62-turbo-dev
  libpng-dev uuid-dev freerdp2-dev libpango1.0-dev libssh2-1-dev libvncserver-dev libssl-dev libwebp-dev
  libpulse-dev libvorbis-dev)

plugin_dir=""
if [ "$(id -u)" -ne 0 ]; then plugin_dir="$prefix/lib/freerdp2"; fi

built() {
  [ -x "$bin" ] && [ -f "$prefix/.deskport-built" ] || return 1
  # As root the RDP plugins live outside the prefix: check they are still there.
  if [ -z "$plugin_dir" ]; then ls /usr/lib/*/freerdp2/libguac-common-svc-client.so >/dev/null 2>&1 || return 1; fi
  "$bin" -v >/dev/null 2>&1
}

if ! built; then
  missing=()
  for p in "${build_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing build dependencies: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  say "building guacd from $(basename "$tarball") into $prefix (about 2.5 minutes; log in $guacd_root/build.log)"
  mkdir -p "$guacd_root"
  log="$guacd_root/build.log"
  tar -C "$work" -xzf "$tarball"
  src="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)"
  flags=(--prefix="$prefix" --disable-guacenc --disable-guaclog --without-telnet --without-kubernetes)
  [ -n "$plugin_dir" ] && flags+=(--with-freerdp-plugin-dir="$plugin_dir")
  rm -rf "$prefix"
  if ! (cd "$src" && autoreconf -fi && ./configure "${flags[@]}" && make -j"$(nproc)" && make install) >"$log" 2>&1; then
    echo "guacd.sh: the build failed; the last lines of $log:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  grep -E "^ *(RDP|SSH|VNC) \.+" "$log" | sed 's/^ */guacd.sh: /' >&2 || true
  [ -n "$plugin_dir" ] && say "not root: FreeRDP plugins went to $plugin_dir; RDP audio and drive redirection will not load"
  echo "$hash" > "$prefix/.deskport-built"
fi
ln -sfn "$prefix" "$guacd_root/current.tmp" && mv -T "$guacd_root/current.tmp" "$guacd_root/current"
if [ "$print_bin" = 1 ]; then echo "$bin"; else say "guacd ready: $bin ($("$bin" -v 2>&1 | head -1))"; fi
cd "$root" >/dev/null
