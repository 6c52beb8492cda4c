#!/usr/bin/env bash
# Fetches Debian 13 (trixie) packages the rig builds its second docker from: docker.io and
# docker-cli 26.1.x (a real build that differs from this machine's Debian 12 docker.io
# 20.10.24), docker-compose (the compose v2 CLI plugin) and docker-buildx, with apt from
# deb.debian.org, the Release file checked against Debian's own trixie keys (debian-archive-keyring). Each package is unpacked
# under $1/root, so `$1/root/usr/sbin/dockerd` is trixie's dockerd; the .debs are kept in $1/debs.
# Nothing is installed on this machine. The caller caches $1 (it is rebuilt only when this file
# changes).
set -euo pipefail
[ "$#" -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out="$1"
packages=(docker.io docker-cli docker-compose docker-buildx)
mirror="${DOCKYARD_RIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
keyring=/usr/share/keyrings/debian-archive-trixie-automatic.gpg
[ -r "$keyring" ] || { echo "rig: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

export LC_ALL=C
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc/apt/sources.list.d" "$work/etc/apt/preferences.d" "$work/lists/partial" \
  "$work/cache/archives/partial" "$work/status-dir"
: > "$work/status-dir/status"
printf 'deb [signed-by=%s] %s trixie main\n' "$keyring" "$mirror" > "$work/etc/apt/sources.list"
apt_opts=(
  -o "Dir::Etc=$work/etc/apt" -o "Dir::State::Lists=$work/lists"
  -o "Dir::State::status=$work/status-dir/status" -o "Dir::Cache=$work/cache"
  -o "APT::Architecture=amd64" -o "APT::Architectures::=amd64" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update
rm -rf "$out.tmp"
mkdir -p "$out.tmp/debs" "$out.tmp/root"
(cd "$out.tmp/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}")
for deb in "$out.tmp/debs"/*.deb; do dpkg-deb -x "$deb" "$out.tmp/root"; done
for p in "${packages[@]}"; do
  v="$(dpkg-deb -f "$out.tmp/debs/${p}_"*.deb Version)"
  printf '%s\t%s\n' "$p" "$v" >> "$out.tmp/versions.tsv"
done
rm -rf "$out"
mv "$out.tmp" "$out"
