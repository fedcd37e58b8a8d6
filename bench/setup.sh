#!/usr/bin/env bash
# Installs what the benchmarks need, idempotently and fast when already done: Deskport's own setup
# with the test tools (npm dependencies, the web client, Chromium, a Docker engine and the desktop
# image, via infra/setup.sh), plus Debian's websockify, the baseline the relay is compared against.
# Usage: bench/setup.sh [--no-docker]   (--no-docker skips the engine and image: no container launches)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

if [ "${1:-}" = "--no-docker" ]; then
  bash infra/setup.sh
  missing=(chromium)
else
  bash infra/setup.sh --with-test-tools
  missing=()
fi
missing+=(websockify procps)
need=()
for p in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "bench setup: installing ${need[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "bench setup: websockify $(dpkg-query -W -f='${Version}' websockify), node $(node --version)"
