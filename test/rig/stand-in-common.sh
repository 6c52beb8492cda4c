# shellcheck shell=bash
# What the apt (docker-packages.sh) and RPM (docker-rpm-packages.sh) stand-ins share: finding
# Debian's binaries, staging files, and the systemd units upstream's packages ship. Sourced; the
# sourcing script sets `work` (its scratch directory) first.

say() { printf 'rig: %s\n' "$*" >&2; }

# Runs a command, showing its output only when it fails.
quiet() {
  # shellcheck disable=SC2154 # `work` is the sourcing script's scratch directory
  if ! "$@" >"$work/quiet.log" 2>&1; then
    say "failed: $*"
    cat "$work/quiet.log" >&2
    return 1
  fi
}

# A program shipped by an installed Debian package, found through the package's file list.
bin_of() { # $1 package, $2 program name
  local f
  f="$(dpkg -L "$1" 2>/dev/null | grep -E "^(/usr)?/s?bin/$2\$" | head -n1 || true)"
  if [ -z "$f" ] || [ ! -x "$f" ]; then
    say "no $2 from Debian package $1 (apt-get install $1)"
    exit 1
  fi
  printf '%s\n' "$f"
}

put() { # $1 source, $2 destination, $3 mode
  mkdir -p "$(dirname "$2")"
  cp -L "$1" "$2"
  chmod "$3" "$2"
}

containerd_unit() {
  cat <<'UNIT'
[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
LimitNOFILE=infinity
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
UNIT
}

# As upstream's containerd.io ships it: the CRI plugin off, everything else default.
containerd_config() {
  printf '%s\n' '#   Copyright 2018-2022 Docker Inc.' 'disabled_plugins = ["cri"]'
}

docker_unit() { # $1 ExecStart line
  cat <<UNIT
[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target docker.socket firewalld.service containerd.service time-set.target
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
ExecStart=$1
ExecReload=/bin/kill -s HUP \$MAINPID
TimeoutStartSec=0
RestartSec=2
Restart=always
StartLimitBurst=3
StartLimitInterval=60s
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process
OOMScoreAdjust=-500

[Install]
WantedBy=multi-user.target
UNIT
}

socket_unit() {
  cat <<'UNIT'
[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
UNIT
}

# Debian 13's docker.io, docker-cli, docker-compose and docker-buildx unpacked (trixie-debs.sh):
# the rig's second real docker build and its compose and buildx plugins. Fetched once per build;
# prints the root they are unpacked under (`<root>/usr/sbin/dockerd`, ...).
trixie_root() {
  [ -d "$work/trixie" ] || quiet bash "$(dirname "${BASH_SOURCE[0]}")/trixie-debs.sh" "$work/trixie"
  printf '%s\n' "$work/trixie/root"
}
