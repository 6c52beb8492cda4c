#!/usr/bin/env bash
# Layers the rig's settings on the host base image $1 and commits the result as $2: sshd with host
# keys made at each boot, the per-run authorized key taken from the container's environment, no
# apt timers. Fast (seconds), so recipe changes here do not redo debootstrap.
set -euo pipefail
base="$1" tag="$2"
name="dockyard-rig-config-$$"
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
docker run --name "$name" --entrypoint /bin/sh "$base" -euc '
rm -f /etc/ssh/ssh_host_*
# Host keys are made at each boot, so every host has its own and tests read it back to pin it.
# The drop-in replaces the stock ExecStartPre (sshd -t fails while there are no keys yet).
mkdir -p /etc/systemd/system/ssh.service.d
cat > /etc/systemd/system/ssh.service.d/hostkeys.conf <<UNIT
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# The per-run public key arrives in the container environment, which sshd does not read: a
# oneshot unit copies it from PID 1 before sshd starts.
cat > /usr/local/sbin/rig-authorize <<"SH"
#!/bin/sh
set -e
key="$(tr "\0" "\n" < /proc/1/environ | sed -n "s/^RIG_AUTHORIZED_KEY=//p")"
[ -n "$key" ] || exit 0
install -d -m 700 /root/.ssh
printf "%s\n" "$key" > /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
SH
chmod 755 /usr/local/sbin/rig-authorize
cat > /etc/systemd/system/rig-authorize.service <<UNIT
[Unit]
Description=Authorize the rig per-run SSH key
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/rig-authorize
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/rig-authorize.service /etc/systemd/system/multi-user.target.wants/rig-authorize.service
printf "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n" > /etc/ssh/sshd_config.d/rig.conf
: > /etc/machine-id
# apt-daily timers take the apt lock in the middle of a test; gettys have no console here.
for u in apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service \
         systemd-resolved.service getty@tty1.service console-getty.service; do
  ln -sf /dev/null "/etc/systemd/system/$u"
done
'
docker commit \
  --change 'CMD ["/sbin/init"]' --change 'ENV container=docker' \
  --change 'LABEL dockyard.rig.image=host' "$name" "$tag" >/dev/null
echo "rig: built $tag" >&2
