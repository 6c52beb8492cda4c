#!/usr/bin/env bash
# Builds the base of the rig's Debian 13 host image: a trixie root file system made by
# debootstrap from Debian's own packages (systemd, sshd, apt), imported into the local Docker
# engine as $1. host-base.sh's twin for the `debian13` flavour (rig.ts), cached the same way by a
# hash of this file; host-config.sh layers the same settings on top.
set -euo pipefail
tag="$1"
mirror="${DOCKYARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${mirror%/debian}/debian-security"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
root="$(mktemp -d /var/tmp/dockyard-host-trixie.XXXXXX)"
trap 'rm -rf "$root"' EXIT

echo "rig: debootstrap trixie from $mirror (a few minutes, once per recipe)" >&2
debootstrap --variant=minbase --keyring="$keyring" \
  --include=systemd,systemd-sysv,openssh-server,dbus,iproute2,ca-certificates,curl,apt,iputils-ping,procps,gnupg,sudo,iptables,kmod \
  trixie "$root" "$mirror" >/dev/null

cat > "$root/etc/apt/sources.list" <<SRC
deb $mirror trixie main
deb $mirror trixie-updates main
deb $security trixie-security main
SRC
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'LABEL dockyard.rig.image=host-trixie-base' - "$tag" >/dev/null
echo "rig: built $tag" >&2
