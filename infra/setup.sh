#!/usr/bin/env bash
# Sets up everything Deskport needs on a Debian 12 machine, idempotently and fast when already
# done: system packages (Xvnc, a window manager, a terminal, bubblewrap, xrdp for RDP desktops, PulseAudio for sound),
# guacd for RDP/SSH (built by infra/guacd.sh from a guacamole-server tarball when one is at hand),
# npm dependencies, and the web client build; for tests also Chromium, xfreerdp, Xvfb, PostgreSQL, an SSH
# server, a Docker engine and the desktop image. Usage: infra/setup.sh [--with-test-tools]
# Environment: DESKPORT_GUACD_TARBALL  guacamole-server-X.Y.Z.tar.gz to build guacd from (default:
#              ../shared/vendor/guacamole-server-*.tar.gz beside the repository)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

runtime_pkgs=(tigervnc-standalone-server tigervnc-tools openbox xterm x11-xserver-utils xauth bubblewrap fonts-dejavu-core procps
  xrdp xorgxrdp pulseaudio pulseaudio-utils)
test_pkgs=(chromium slapd ldap-utils openssl xclip freerdp2-x11 xvfb x11-apps openssh-server)
test_pkgs+=(qemu-system-x86 qemu-utils busybox-static cpio debootstrap) # the qemu driver, its vm-test and vm images (docs/qemu.md)
test_pkgs+=(syslinux syslinux-common mtools dosfstools) # a disk that boots by itself, as an admin's own base image would (agents/qemu/testing.ts)
test_pkgs+=(postgresql-15) # private clusters for the PostgreSQL store's tests (test/helpers/postgres.ts); citext ships in it
test_pkgs+=(haproxy) # in front of several gateways in the failover tests (infra/haproxy.cfg, test/integration/failover.test.ts)
with_tests=0
[ "${1:-}" = "--with-test-tools" ] && with_tests=1
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

# guacd (RDP/SSH; VNC does not need it): built once per tarball into ~/.cache/deskport/guacd, where
# bin/deskport up finds and supervises it. Tests need it, so there a missing tarball is an error.
guacd_tarball="${DESKPORT_GUACD_TARBALL:-}"
have_guacd() { command -v guacd >/dev/null 2>&1 || [ -x "${DESKPORT_GUACD_ROOT:-$HOME/.cache/deskport/guacd}/current/sbin/guacd" ]; }
if [ -z "$guacd_tarball" ]; then
  # Beside the clone (../shared/vendor), or this workplace's shared folder when the clone lives elsewhere.
  for f in "$root"/../shared/vendor/guacamole-server-*.tar.gz /work/shared/vendor/guacamole-server-*.tar.gz; do
    if [ -f "$f" ] && [ -z "$guacd_tarball" ]; then guacd_tarball="$f"; fi
  done
fi
if [ -n "$guacd_tarball" ]; then
  bash infra/guacd.sh "$guacd_tarball"
elif [ "$with_tests" = 1 ] && ! have_guacd; then
  echo "setup: the tests need guacd: set DESKPORT_GUACD_TARBALL to Apache's guacamole-server-X.Y.Z.tar.gz (or put it in ../shared/vendor/)" >&2
  exit 1
elif ! have_guacd; then
  echo "setup: no guacd: RDP/SSH pools will say \"RDP needs guacd\" (VNC works); to get it, run infra/guacd.sh with Apache's guacamole-server release tarball, install your distribution's guacd package, or run the guacamole/guacd container image and start with --guacd HOST:PORT"
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
if [ "$with_tests" = 1 ]; then
  bash infra/docker.sh
  node --import tsx infra/images/build.ts
  # The VM images of the qemu driver's tests (cached by recipe hash: seconds once built; the first
  # build of the desktop VM image takes about 5 minutes).
  bin/deskport image build --kind vm-test
  bin/deskport image build --kind vm
fi
echo "setup: done"
