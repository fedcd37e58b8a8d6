#!/usr/bin/env bash
# Builds the tiny VM test image: Debian's kernel (from the linux-image-amd64 package, extracted, never
# installed on this host) and a busybox initramfs whose init paints a banner on the VGA console, runs a
# shell there and powers off on the ACPI power button. Boots in seconds under TCG.
# Usage (root): build.sh OUT_DIR RECIPE_HASH [--force]. agents/qemu/images.ts computes the hash and skips builds.
set -euo pipefail
out="$1"
hash="$2"
force="${3:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for tool in busybox cpio qemu-img; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build: $tool is missing: run bash infra/setup.sh" >&2; exit 1; }
done
busybox="$(command -v busybox)"
# The initramfs has no libraries: the busybox-static package's binary, not busybox's.
if ldd "$busybox" >/dev/null 2>&1; then echo "build: $busybox is not static: apt-get install busybox-static" >&2; exit 1; fi

# One build of an image at a time; a build that waited here may find it made meanwhile.
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [ "$force" != --force ] && [ -f "$out/image.json" ]; then
  echo "build: $out was built meanwhile"
  exit 0
fi

work="$(mktemp -d /var/tmp/deskport-vm-test.XXXXXX)"
trap 'rm -rf --one-file-system "$work"' EXIT
chmod 0755 "$work" # apt-get download runs as _apt where it can

# The kernel package linux-image-amd64 points at today (its version goes into image.json).
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg="$(kpkg)"
if [ -z "$pkg" ]; then
  apt-get update -qq
  pkg="$(kpkg)"
fi
[ -n "$pkg" ] || { echo "build: apt knows no linux-image-amd64 (check the apt sources)" >&2; exit 1; }
echo "build: downloading $pkg"
(cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1) || { echo "build: apt-get download $pkg failed" >&2; exit 1; }
deb="$(ls "$work"/*.deb)"
version="$(dpkg-deb -f "$deb" Version)"
mkdir "$work/k"
# The modules rcS loads: the power button, and a virtio NIC (for pools with a restricted network).
modules=(drivers/acpi/button drivers/input/evdev drivers/virtio/virtio_ring drivers/virtio/virtio
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci
  net/core/failover drivers/net/net_failover drivers/net/virtio_net)
patterns=('./boot/vmlinuz-*')
for m in "${modules[@]}"; do patterns+=("./lib/modules/*/kernel/$m.ko"); done
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/k" --wildcards "${patterns[@]}"

echo "build: initramfs with busybox $("$busybox" | head -1 | awk '{print $2}')"
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,proc,sys,dev,tmp,root,lib/modules}
install -m 0755 "$busybox" "$root/bin/busybox"
ln -s /bin/busybox "$root/bin/sh"
ln -s /bin/busybox "$root/sbin/init"
for m in "${modules[@]}"; do install -m 0644 "$work"/k/lib/modules/*/kernel/"$m.ko" "$root/lib/modules/"; done
install -m 0755 "$here/rcS" "$root/etc/init.d/rcS"
install -m 0755 "$here/console" "$root/bin/console"
install -m 0755 "$here/network" "$here/network-lease" "$root/bin/"
install -m 0644 "$here/inittab" "$root/etc/inittab"
install -m 0644 "$here/banner" "$root/etc/banner"

new="$out.tmp-$$"
rm -rf "$new" && mkdir -p "$new"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$new/initrd.img"
install -m 0644 "$work"/k/boot/vmlinuz-* "$new/vmlinuz"
# The base disk every desktop's overlay sits on. The test guest never mounts it; it is there so the
# overlay path is the one real images take.
qemu-img create -q -f qcow2 "$new/disk.qcow2" 64M
cat >"$new/image.json" <<JSON
{"kind":"vm-test","recipeHash":"$hash","kernel":"vmlinuz","initrd":"initrd.img","disk":"disk.qcow2",
 "append":"console=ttyS0 console=tty1 quiet loglevel=3 vga=792 rdinit=/sbin/init",
 "readyMarker":"deskport-vm-test: up",
 "kernelPackage":"$pkg $version","builtAt":"$(date -u +%FT%TZ)"}
JSON
chmod 0444 "$new"/*
chmod 0755 "$new"
rm -rf "$out" && mv "$new" "$out"
echo "build: vm-test image in $out ($(du -sh "$out" | cut -f1))"
