#!/usr/bin/env bash
# Sets up everything Deskport needs on a Debian 12 machine, idempotently and fast when already
# done: system packages (Xvnc, a window manager, a terminal, bubblewrap; Chromium for tests),
# npm dependencies, and the web client build; for tests also Chromium, a Docker engine and the
# desktop image. Usage: infra/setup.sh [--with-test-tools]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

runtime_pkgs=(tigervnc-standalone-server tigervnc-tools openbox xterm x11-xserver-utils xauth bubblewrap fonts-dejavu-core procps)
test_pkgs=(chromium slapd ldap-utils openssl xclip)
pkgs=("${runtime_pkgs[@]}")
[ "${1:-}" = "--with-test-tools" ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: reinstall only when the lock file changed since the last install.
stamp="node_modules/.deskport-lock-hash"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# The web client: rebuild only when its sources changed.
src_hash="$(find client -path client/dist -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ ! -f client/dist/.source-hash ] || [ "$(cat client/dist/.source-hash)" != "$src_hash" ]; then
  echo "setup: building the web client"
  npx vite build --config client/vite.config.ts --logLevel warn
  echo "$src_hash" > client/dist/.source-hash
fi
# Tests also need a Docker engine and the desktop image (rebuilt only when its recipe changes).
if [ "${1:-}" = "--with-test-tools" ]; then
  bash infra/docker.sh
  node --import tsx infra/images/build.ts
fi
echo "setup: done"
