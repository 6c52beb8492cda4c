#!/usr/bin/env bash
# The fleet job on one host, as a plain script (run as root over ssh: `bash -s -- BASE VERSION MIRRORS_JSON`):
# Docker from a docker-ce mirror at a pinned version, registry mirrors in daemon.json, nginx pulled
# through them and run as nginx-container on port 80. What a careful operator types from a guide.
set -euo pipefail
base="$1" version="$2" mirrors="$3"
export DEBIAN_FRONTEND=noninteractive

install -m 0755 -d /etc/apt/keyrings
curl -fsSL "$base/linux/debian/gpg" -o /etc/apt/keyrings/docker.asc
chmod a+r /etc/apt/keyrings/docker.asc
# shellcheck disable=SC1091
. /etc/os-release
echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] $base/linux/debian $VERSION_CODENAME stable" \
  > /etc/apt/sources.list.d/docker.list
apt-get update -qq

pkg="$(apt-cache madison docker-ce | awk -v v="$version" '$3 ~ ":"v"-" {print $3; exit}')"
[ -n "$pkg" ] || { echo "docker-ce $version is not in the repository" >&2; exit 1; }
apt-get install -y -qq "docker-ce=$pkg" "docker-ce-cli=$pkg" containerd.io >/dev/null
apt-mark hold docker-ce docker-ce-cli >/dev/null
systemctl enable --now docker >/dev/null 2>&1

mkdir -p /etc/docker
printf '{\n  "registry-mirrors": %s\n}\n' "$mirrors" > /etc/docker/daemon.json
systemctl restart docker

docker pull -q nginx:latest >/dev/null
docker rm -f nginx-container >/dev/null 2>&1 || true
docker run -d --name nginx-container -p 80:80 --restart unless-stopped nginx:latest >/dev/null
