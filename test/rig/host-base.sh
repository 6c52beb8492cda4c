#!/usr/bin/env bash
# Builds the base of the rig's host image: a Debian bookworm root file system made by debootstrap
# (systemd, sshd, apt), imported into the local Docker engine as $1. Slow (minutes), so it is
# cached by a hash of this file alone; host-config.sh layers the fast-changing settings on top.
set -euo pipefail
tag="$1"
mirror="${DOCKYARD_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  # The mirror apt on this machine already uses (deb822 or one-line format).
  mirror="$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$mirror" ] || mirror="$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)"
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
fi
security="${mirror%/debian}/debian-security"
root="$(mktemp -d /var/tmp/dockyard-host-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT

echo "rig: debootstrap bookworm from $mirror (a few minutes, once per recipe)" >&2
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,openssh-server,dbus,iproute2,ca-certificates,curl,apt,iputils-ping,procps,gnupg,sudo,iptables,kmod \
  bookworm "$root" "$mirror" >/dev/null

cat > "$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'LABEL dockyard.rig.image=host-base' - "$tag" >/dev/null
echo "rig: built $tag" >&2
