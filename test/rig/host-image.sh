#!/usr/bin/env bash
# Builds the rig's host image: Debian bookworm with systemd and sshd, imported into the local
# Docker engine as $1. The rig tags it with a hash of this file, so editing the recipe rebuilds it.
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

echo "rig: debootstrap bookworm from $mirror (about a minute, once per recipe)" >&2
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,openssh-server,dbus,iproute2,ca-certificates,curl,apt,iputils-ping,procps,gnupg,sudo,iptables,kmod \
  bookworm "$root" "$mirror" >/dev/null

cat > "$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SRC

# Host keys are made at each boot, so every host has its own and tests read it back to pin it.
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat > "$root/etc/systemd/system/ssh.service.d/hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=/usr/bin/ssh-keygen -A
UNIT
# The per-run public key arrives through the container's environment: /etc/environment is not
# read by sshd, so a oneshot unit copies it from PID 1's environment before sshd starts.
cat > "$root/usr/local/sbin/rig-authorize" <<'SH'
#!/bin/sh
set -e
key="$(tr '\0' '\n' < /proc/1/environ | sed -n 's/^RIG_AUTHORIZED_KEY=//p')"
[ -n "$key" ] || exit 0
install -d -m 700 /root/.ssh
printf '%s\n' "$key" > /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
SH
chmod 755 "$root/usr/local/sbin/rig-authorize"
cat > "$root/etc/systemd/system/rig-authorize.service" <<'UNIT'
[Unit]
Description=Authorize the rig's per-run SSH key
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/rig-authorize
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/rig-authorize.service "$root/etc/systemd/system/multi-user.target.wants/rig-authorize.service"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' > "$root/etc/ssh/sshd_config.d/rig.conf"

: > "$root/etc/machine-id"
# apt-daily timers take the apt lock in the middle of a test.
for u in apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
         systemd-resolved.service getty@tty1.service console-getty.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$u"
done
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

tar -C "$root" -c . | docker import \
  --change 'CMD ["/sbin/init"]' --change 'ENV container=docker' \
  --change 'LABEL dockyard.rig.image=host' - "$tag" >/dev/null
echo "rig: built $tag" >&2
