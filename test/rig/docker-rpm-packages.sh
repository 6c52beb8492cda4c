#!/usr/bin/env bash
# Builds a stand-in for download.docker.com's RPM tree (and for the distributions' own RPM
# repositories) from this machine's Debian binaries (docker.io, containerd, runc), the same ones
# the apt stand-in (docker-packages.sh) wraps. Output in $1:
#   mirror/linux/centos/gpg                          ASCII-armored public key (throwaway)
#   mirror/linux/centos/<7|9>/x86_64/stable/         signed docker-ce 3:24.0.7-1.el<N> and
#                                                    3:25.0.3-1.el<N>, docker-ce-cli 1:<same>,
#                                                    containerd.io 1.6.20-3.1.el<N>, repodata/
#   distro/<el7|el9|amzn2023>/                       each flavour's "distribution" repository:
#                                                    the versionlock plugin package
#                                                    (yum-plugin-versionlock on el7,
#                                                    python3-dnf-plugin-versionlock elsewhere) and,
#                                                    where the distribution has one, its own
#                                                    `docker` engine package (el7, amzn2023)
#   distro/RPM-GPG-KEY-rig                           the same public key
#   old/*.rpm                                        the packages a guide removes first (docker,
#                                                    docker-client, docker-common, docker-engine,
#                                                    podman-docker, runc): tiny, never a repository
# Every package has AutoReqProv off and explicit Requires on names the rig hosts' provides-only
# package (host-rpm.sh) gives the rpm database. Engine packages install a working dockerd and
# its systemd units; like upstream's RPMs, they start and enable nothing on install.
# The versionlock plugin is Debian's (dnf-plugins-core), fetched with apt-get download.
set -euo pipefail
[ "$#" -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out="$1"

export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC
umask 022
work="$(mktemp -d)"
export GNUPGHOME="$work/gnupg"
cleanup() {
  gpgconf --kill gpg-agent >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=test/rig/stand-in-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/stand-in-common.sh"


for tool in rpmbuild rpmsign createrepo_c; do
  command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install rpm createrepo-c; scripts/setup does)"; exit 1; }
done

dockerd="$(bin_of docker.io dockerd)"
docker_cli="$(bin_of docker.io docker)"
docker_proxy="$(bin_of docker.io docker-proxy)"
docker_init="$(bin_of docker.io docker-init)"
containerd="$(bin_of containerd containerd)"
shim="$(bin_of containerd containerd-shim-runc-v2)"
ctr="$(bin_of containerd ctr)"
runc="$(bin_of runc runc)"

# Debian's versionlock plugin, for the stand-in plugin packages.
# Stale package lists name a version the mirror no longer has: refresh them once and retry.
(cd "$work" && { apt-get download dnf-plugins-core >/dev/null 2>&1 || { apt-get update -qq && quiet apt-get download dnf-plugins-core; }; })
dpkg-deb -x "$work"/dnf-plugins-core_*.deb "$work/dnf-plugins"
versionlock_py="$work/dnf-plugins/usr/lib/python3/dist-packages/dnf-plugins/versionlock.py"
[ -f "$versionlock_py" ] || { say "no versionlock.py in dnf-plugins-core"; exit 1; }

rm -rf "$out"
mkdir -p "$out/old" "$out/distro"
top="$work/rpmbuild"
mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS}


# Builds an RPM from a staged tree. $1 tree, $2 name, $3 epoch ("" for none), $4 version,
# $5 release, $6 output directory; extra header lines (Requires, Conflicts...) on stdin.
# An executable "$1.post" becomes the %post scriptlet.
rpm_pkg() {
  local tree="$1" name="$2" epoch="$3" version="$4" release="$5" dest="$6" spec
  spec="$top/SPECS/$name-$version-$release.spec"
  {
    echo "Name: $name"
    [ -n "$epoch" ] && echo "Epoch: $epoch"
    echo "Version: $version"
    echo "Release: $release"
    echo "Summary: $name (Dockyard test rig stand-in)"
    echo "License: Apache-2.0"
    echo "BuildArch: x86_64"
    echo "AutoReqProv: no"
    cat
    echo "%description"
    echo "$name as the rig's stand-in: Debian's binaries packaged like the real RPM."
    echo "%global debug_package %{nil}"
    echo "%global __os_install_post %{nil}"
    echo "%global _build_id_links none"
    echo "%install"
    echo "mkdir -p %{buildroot}"
    echo "cp -a $tree/. %{buildroot}/"
    if [ -f "$tree.post" ]; then
      echo "%post"
      cat "$tree.post"
    fi
    echo "%files"
    (cd "$tree" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
  } > "$spec"
  quiet rpmbuild -bb --define "_topdir $top" --define "_binary_payload w1.gzdio" --define "_rpmdir $dest" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" "$spec"
}


# The scriptlet upstream's docker-ce runs, less what a container without SELinux lacks.
group_post() {
  printf '%s\n' 'if ! getent group docker >/dev/null; then groupadd --system docker; fi' \
    'systemctl --system daemon-reload >/dev/null 2>&1 || :' > "$1.post"
}

# docker-ce, docker-ce-cli and containerd.io for one EL release ($1: 7 or 9).
build_docker_ce() {
  local el="$1" dest="$work/ce-el$1" t
  mkdir -p "$dest"
  t="$work/containerd.io-el$el"
  for f in "$containerd:containerd" "$shim:containerd-shim-runc-v2" "$ctr:ctr" "$runc:runc"; do
    put "${f%%:*}" "$t/usr/bin/${f##*:}" 755
  done
  mkdir -p "$t/usr/lib/systemd/system" "$t/etc/containerd"
  containerd_unit > "$t/usr/lib/systemd/system/containerd.service"
  containerd_config > "$t/etc/containerd/config.toml"
  rpm_pkg "$t" containerd.io "" 1.6.20 "3.1.el$el" "$dest" <<'HDR'
Requires: systemd
Provides: containerd
Conflicts: containerd, runc
HDR
  for version in 24.0.7 25.0.3; do
    t="$work/docker-ce-cli-$version-el$el"
    put "$docker_cli" "$t/usr/bin/docker" 755
    rpm_pkg "$t" docker-ce-cli 1 "$version" "1.el$el" "$dest" <<'HDR'
Conflicts: docker, docker-io, docker-ee-cli, docker-client
HDR
    t="$work/docker-ce-$version-el$el"
    put "$dockerd" "$t/usr/bin/dockerd" 755
    put "$docker_proxy" "$t/usr/bin/docker-proxy" 755
    put "$docker_init" "$t/usr/bin/docker-init" 755
    mkdir -p "$t/usr/lib/systemd/system"
    docker_unit "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock" > "$t/usr/lib/systemd/system/docker.service"
    socket_unit > "$t/usr/lib/systemd/system/docker.socket"
    group_post "$t"
    rpm_pkg "$t" docker-ce 3 "$version" "1.el$el" "$dest" <<'HDR'
Requires: containerd.io >= 1.6.4, docker-ce-cli, iptables, systemd, shadow-utils
Conflicts: docker, docker-io, docker-engine, docker-engine-cs, docker-ee, docker-common
HDR
  done
}

# --- compose and buildx CLI plugins ---
# docker-compose-plugin and docker-buildx-plugin for one EL release ($1: 7 or 9), as
# download.docker.com names them: Debian 13's real compose v2 (2.26.1) and buildx (0.13.1).
build_cli_plugins() {
  local el="$1" root t
  root="$(trixie_root)/usr/libexec/docker/cli-plugins"
  t="$work/docker-compose-plugin-el$el"
  put "$root/docker-compose" "$t/usr/libexec/docker/cli-plugins/docker-compose" 755
  rpm_pkg "$t" docker-compose-plugin "" 2.26.1 "1.el$el" "$work/ce-el$el" </dev/null
  t="$work/docker-buildx-plugin-el$el"
  put "$root/docker-buildx" "$t/usr/libexec/docker/cli-plugins/docker-buildx" 755
  rpm_pkg "$t" docker-buildx-plugin "" 0.13.1 "1.el$el" "$work/ce-el$el" </dev/null
}
# --- end of the CLI plugins ---

# The distribution's own engine: one package with the daemon, client, containerd and runc.
build_distro_docker() { # $1 epoch, $2 version, $3 release, $4 dest
  local t="$work/docker-distro-$3"
  for f in "$dockerd:dockerd" "$docker_cli:docker" "$docker_proxy:docker-proxy" "$docker_init:docker-init" \
    "$containerd:containerd" "$shim:containerd-shim-runc-v2" "$ctr:ctr" "$runc:runc"; do
    put "${f%%:*}" "$t/usr/bin/${f##*:}" 755
  done
  mkdir -p "$t/usr/lib/systemd/system"
  docker_unit "/usr/bin/dockerd -H fd://" > "$t/usr/lib/systemd/system/docker.service"
  socket_unit > "$t/usr/lib/systemd/system/docker.socket"
  group_post "$t"
  rpm_pkg "$t" docker "$1" "$2" "$3" "$4" <<'HDR'
Requires: iptables, systemd, shadow-utils
Conflicts: docker-ce, docker-ce-cli, containerd.io, runc
HDR
}

build_versionlock() { # $1 name, $2 version, $3 release, $4 dest
  local t="$work/$1-$3"
  put "$versionlock_py" "$t/usr/lib/python3/dist-packages/dnf-plugins/versionlock.py" 644
  mkdir -p "$t/etc/dnf/plugins"
  printf '[main]\nenabled = 1\nlocklist = /etc/dnf/plugins/versionlock.list\n' > "$t/etc/dnf/plugins/versionlock.conf"
  : > "$t/etc/dnf/plugins/versionlock.list"
  rpm_pkg "$t" "$1" "" "$2" "$3" "$4" <<'HDR'
Requires: dnf
HDR
}

old_pkg() { # $1 name, $2 epoch, $3 version, $4 release; a file it owns on stdin as "path mode"
  local t="$work/old-$1" path mode
  read -r path mode
  mkdir -p "$(dirname "$t$path")"
  printf '#!/bin/sh\necho "%s %s (an old package the rig installs to prove its removal)"\n' "$1" "$3" > "$t$path"
  chmod "$mode" "$t$path"
  rpm_pkg "$t" "$1" "$2" "$3" "$4" "$out/old" </dev/null
}

say "building the docker-ce RPM stand-ins"
build_docker_ce 7
build_docker_ce 9
build_cli_plugins 7
build_cli_plugins 9
mkdir -p "$work/distro-el7" "$work/distro-el9" "$work/distro-amzn2023"
build_distro_docker 2 1.13.1 210.git7d71120.el7.centos "$work/distro-el7"
build_distro_docker "" 25.0.3 1.amzn2023.0.2 "$work/distro-amzn2023"
build_versionlock yum-plugin-versionlock 1.1.31 54.el7_8 "$work/distro-el7"
build_versionlock python3-dnf-plugin-versionlock 4.3.0 13.el9 "$work/distro-el9"
build_versionlock python3-dnf-plugin-versionlock 4.3.0 13.amzn2023.0.1 "$work/distro-amzn2023"
echo "/usr/bin/docker-current 755" | old_pkg docker 2 1.13.1 103.git7f2769b.el7.centos
echo "/usr/bin/docker-client-current 755" | old_pkg docker-client 2 1.13.1 103.git7f2769b.el7.centos
echo "/usr/share/docker-common/README 644" | old_pkg docker-common 2 1.13.1 103.git7f2769b.el7.centos
echo "/usr/bin/docker-engine-old 755" | old_pkg docker-engine "" 17.05.0.ce 1.el7.centos
echo "/usr/bin/docker 755" | old_pkg podman-docker 2 4.6.1 5.el9
echo "/usr/bin/runc 755" | old_pkg runc 4 1.1.9 1.el9

# Signing: a throwaway key, gpg in batch mode with loopback pinentry (rpmsign runs gpg itself).
mkdir -m 700 "$GNUPGHOME"
quiet gpg --batch --pinentry-mode loopback --passphrase '' \
  --quick-generate-key "Dockyard test rig (throwaway) <rig@dockyard.invalid>" rsa3072 sign never
sign() {
  quiet rpmsign --addsign \
    --define "_gpg_name rig@dockyard.invalid" --define "__gpg $(command -v gpg)" \
    --define "_gpg_sign_cmd_extra_args --batch --pinentry-mode loopback --passphrase ''" "$@"
}
sign "$work"/ce-el*/*.rpm "$work"/distro-*/*.rpm "$out"/old/*.rpm
mkdir -p "$out/mirror/linux/centos"
quiet gpg --batch --yes --armor --output "$out/mirror/linux/centos/gpg" --export
cp "$out/mirror/linux/centos/gpg" "$out/distro/RPM-GPG-KEY-rig"

for el in 7 9; do
  repo="$out/mirror/linux/centos/$el/x86_64/stable"
  mkdir -p "$repo/Packages"
  cp "$work/ce-el$el"/*.rpm "$repo/Packages/"
  quiet createrepo_c --revision "$SOURCE_DATE_EPOCH" "$repo"
done
for d in el7 el9 amzn2023; do
  mkdir -p "$out/distro/$d/Packages"
  cp "$work/distro-$d"/*.rpm "$out/distro/$d/Packages/"
  quiet createrepo_c --revision "$SOURCE_DATE_EPOCH" "$out/distro/$d"
done
find "$out" -type d -exec chmod 755 {} +
find "$out" -type f -exec chmod 644 {} +
say "built the RPM stand-ins in $out"
