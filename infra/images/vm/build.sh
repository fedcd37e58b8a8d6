#!/usr/bin/env bash
# Builds the VM desktop image: a minimal Debian bookworm (debootstrap, packages.txt) with Xorg
# (its modesetting driver on QEMU's standard VGA through the kernel's bochs-drm), openbox and xterm,
# xrdp for RDP VM pools, on an ext4 disk converted to qcow2; the kernel and initramfs
# are taken out of it so QEMU boots them directly (no boot loader), with deskport-init as PID 1.
# Usage (root): build.sh OUT_DIR RECIPE_HASH [--force]. agents/qemu/images.ts computes the hash.
set -euo pipefail
out="$1"
hash="$2"
force="${3:-}"
[ "$(id -u)" = 0 ] || { echo "build: the vm image is built as root (debootstrap, file ownership in the disk): run it with sudo" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in debootstrap mkfs.ext4 qemu-img; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build: $tool is missing: run bash infra/setup.sh" >&2; exit 1; }
done

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [ "$force" != --force ] && [ -f "$out/image.json" ]; then
  echo "build: $out was built meanwhile"
  exit 0
fi

work="$(mktemp -d /var/tmp/deskport-vm.XXXXXX)"
rootfs="$work/rootfs"
cleanup() {
  { grep -o " $rootfs[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work" || true
}
trap cleanup EXIT

packages="$(grep -v '^\s*#' "$here/packages.txt" | xargs | tr ' ' ,)"
mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$mirror" ] || { echo "build: no Debian mirror found in the apt sources" >&2; exit 1; }
echo "build: debootstrap bookworm from $mirror ($packages)"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror"

install -m 0755 "$here/deskport-init" "$rootfs/sbin/deskport-init"
mkdir -p "$rootfs/etc/deskport"
install -m 0755 "$here/session" "$rootfs/etc/deskport/session"
echo deskport-vm >"$rootfs/etc/hostname"
# RDP VM pools: user deskport (its password is set per desktop through the guest agent) gets the same
# session over xrdp; xrdp starts that session (autorun) with the credentials the gateway's guacd sends,
# sesman keeps it across reconnects, and nothing logs to a syslog the guest does not run.
chroot "$rootfs" useradd -m -s /bin/bash deskport
install -m 0755 -o "$(chroot "$rootfs" id -u deskport)" "$here/session" "$rootfs/home/deskport/.xsession"
sed -i -e 's/^autorun=.*/autorun=Xorg/' -e 's/^EnableSyslog=.*/EnableSyslog=false/' "$rootfs/etc/xrdp/xrdp.ini"
sed -i -e 's/^AllowRootLogin=.*/AllowRootLogin=false/' -e 's/^EnableSyslog=.*/EnableSyslog=false/' "$rootfs/etc/xrdp/sesman.ini"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/man "$rootfs"/usr/share/doc/*/changelog*

new="$out.tmp-$$"
rm -rf "$new" && mkdir -p "$new"
cp "$rootfs"/boot/vmlinuz-* "$new/vmlinuz"
cp "$rootfs"/boot/initrd.img-* "$new/initrd.img"
kernel="$(basename "$rootfs"/boot/vmlinuz-*)"
echo "build: ext4 disk from the rootfs"
mkfs.ext4 -q -L deskport-vm -d "$rootfs" "$work/disk.raw" 3G
qemu-img convert -O qcow2 "$work/disk.raw" "$new/disk.qcow2"
cat >"$new/image.json" <<JSON
{"kind":"vm","recipeHash":"$hash","kernel":"vmlinuz","initrd":"initrd.img","disk":"disk.qcow2",
 "append":"root=/dev/vda rw console=ttyS0 console=tty1 quiet loglevel=3 vga=792 init=/sbin/deskport-init",
 "readyMarker":"deskport-vm: up",
 "kernelPackage":"${kernel#vmlinuz-}","builtAt":"$(date -u +%FT%TZ)"}
JSON
chmod 0444 "$new"/*
chmod 0755 "$new"
rm -rf "$out" && mv "$new" "$out"
echo "build: vm image in $out ($(du -sh "$out" | cut -f1))"
