#!/usr/bin/env bash
# Builds the desktop image without a registry: debootstrap a minimal bookworm rootfs with the packages
# in packages.txt, add the user and the entrypoint, trim it, and `docker import` it with its config.
# Usage (root): build.sh IMAGE RECIPE_HASH [--force]. infra/images/build.ts computes the hash and skips builds.
set -euo pipefail
image="$1"
hash="$2"
force="${3:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
label=deskport.recipe-hash

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build: installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# One build at a time per host; a build that waited here may find the image already made.
exec 9>/run/lock/deskport-image-build.lock
flock 9
if [ "$force" != --force ] && [ "$(docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$image" 2>/dev/null)" = "$hash" ]; then
  echo "build: $image with recipe $hash was built meanwhile"
  exit 0
fi

work="$(mktemp -d /var/tmp/deskport-image.XXXXXX)"
rootfs="$work/rootfs"
cleanup() {
  # debootstrap unmounts what it mounted, except when it is killed half-way.
  { grep -o " $rootfs[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work" || true
}
trap cleanup EXIT

packages="$(grep -v '^\s*#' "$here/packages.txt" | xargs | tr ' ' ,)"
# The same Debian mirror apt on this machine uses (deb822 sources first, then sources.list).
mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$mirror" ] || { echo "build: no Debian mirror found in the apt sources" >&2; exit 1; }
echo "build: debootstrap bookworm from $mirror ($packages)"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror"

chroot "$rootfs" useradd --create-home --uid 1000 --user-group --shell /bin/bash user
install -m 0755 "$here/deskport-desktop" "$rootfs/usr/local/bin/deskport-desktop"
mkdir -p "$rootfs/run/deskport" "$rootfs/run/secrets" # mount points: the rootfs is read-only at run time
# xrdp reads its RSA keys from this fixed path only: point it at the container's own /tmp, where the
# entrypoint makes fresh keys per container (the package's were made once, for every container alike).
rm -f "$rootfs/etc/xrdp/rsakeys.ini" "$rootfs/etc/xrdp/cert.pem" "$rootfs/etc/xrdp/key.pem"
ln -s /tmp/.deskport-xrdp/rsakeys.ini "$rootfs/etc/xrdp/rsakeys.ini"
# xrdp-chansrv makes its socket in /run/xrdp/sockdir (fixed at build time): a link into the container's /tmp.
rm -rf "$rootfs/run/xrdp" && mkdir -p "$rootfs/run/xrdp" && ln -s /tmp/.xrdp-sockdir "$rootfs/run/xrdp/sockdir"

# Trim what a desktop never reads: package caches and lists, docs (licences stay), man pages, and
# translations other than English. About 230 MB of 820.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/man "$rootfs"/usr/share/info "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'en*' ! -name locale.alias -exec rm -rf {} +

echo "build: importing $image"
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/deskport-desktop"]' \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /home/user' \
  --change 'ENV HOME=/home/user LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL $label=$hash" \
  - "$image"
echo "build: $image done ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'))"
