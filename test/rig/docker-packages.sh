#!/usr/bin/env bash
# Builds stand-ins for download.docker.com from this machine's own Debian binaries (docker.io,
# containerd, runc, tini), so tests install Docker "online" and "offline" without the internet:
#   $1/repo     a signed apt repository laid out like https://download.docker.com:
#                 linux/debian/gpg                          ASCII-armored public key (throwaway)
#                 linux/debian/dists/bookworm/{InRelease,Release,Release.gpg}
#                 linux/debian/dists/bookworm/stable/binary-amd64/Packages(.gz)
#                 linux/debian/pool/stable/*.deb
#               with docker-ce and docker-ce-cli at 5:24.0.7-1~debian.12~bookworm and
#               5:25.0.3-1~debian.12~bookworm (identical binaries, only the package version
#               differs: `docker version` reports Debian's 20.10.24 for all of them) and
#               containerd.io 1.6.20-1; and dists/trixie/stable (Debian 13, see the block at the
#               end) with 5:26.1.5-1~debian.13~trixie built from Debian 13's docker.io.
#               Maintainer scripts start no service and enable none; docker-ce's postinst only
#               creates the `docker` group.
#   $1/bundles  docker-<version>.tgz (+ .sha256, the hex digest alone) like the upstream static
#               bundle: a top-level docker/ folder with dockerd, docker, containerd,
#               containerd-shim-runc-v2, ctr, runc, docker-init and docker-proxy. Unlike the real
#               static bundle, Debian's dockerd is linked dynamically (libdevmapper, libsystemd,
#               ...) and runc against libseccomp: a host running it needs libdevmapper1.02.1 and
#               iptables installed (libsystemd0 and libseccomp2 come with any systemd Debian).
# Output is rebuilt from scratch on every run; files carry a fixed mtime (SOURCE_DATE_EPOCH) so
# the .debs and the bundle come out byte-identical for the same Debian binaries. Only the
# signing key and signatures differ between runs.
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

if ! command -v apt-ftparchive >/dev/null; then
  say "installing apt-utils (apt-ftparchive)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apt-utils >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apt-utils >/dev/null; }
fi

dockerd="$(bin_of docker.io dockerd)"
docker_cli="$(bin_of docker.io docker)"
docker_proxy="$(bin_of docker.io docker-proxy)"
docker_init="$(bin_of docker.io docker-init)" # a link to tini-static
containerd="$(bin_of containerd containerd)"
shim="$(bin_of containerd containerd-shim-runc-v2)"
ctr="$(bin_of containerd ctr)"
runc="$(bin_of runc runc)"
# 20.10.24+dfsg1-1+deb12u1+b6 -> 20.10.24
bundle_version="$(dpkg-query -W -f='${Version}' docker.io | sed -E 's/^[0-9]+://; s/[+~-].*//')"

rm -rf "$out/repo" "$out/bundles"
archive="$out/repo/linux/debian"
pool="$archive/pool/stable"
index="$archive/dists/bookworm/stable/binary-amd64"
mkdir -p "$pool" "$index" "$out/bundles"


# Builds $pool/<name>_<version without epoch>_amd64.deb from the tree $1 (DEBIAN/control gets
# Installed-Size added here).
build_deb() { # $1 tree, $2 package, $3 version
  local tree="$1" size
  find "$tree" -type d -exec chmod 755 {} +
  size="$(du -sk --exclude=DEBIAN "$tree" | cut -f1)"
  sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$tree/DEBIAN/control"
  find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  quiet dpkg-deb --root-owner-group -Zgzip -z6 --build "$tree" "$pool/${2}_${3#*:}_amd64.deb"
}

control() { # $1 tree; the control fields on stdin
  mkdir -p "$1/DEBIAN"
  cat > "$1/DEBIAN/control"
}

# containerd.io: containerd, its shim, ctr and runc, as upstream packages them.
c="$work/containerd.io"
for f in "$containerd:containerd" "$shim:containerd-shim-runc-v2" "$ctr:ctr" "$runc:runc"; do
  put "${f%%:*}" "$c/usr/bin/${f##*:}" 755
done
mkdir -p "$c/lib/systemd/system" "$c/etc/containerd"
containerd_unit > "$c/lib/systemd/system/containerd.service"
containerd_config > "$c/etc/containerd/config.toml"
chmod 644 "$c/lib/systemd/system/containerd.service" "$c/etc/containerd/config.toml"
control "$c" <<'CTL'
Package: containerd.io
Version: 1.6.20-1
Architecture: amd64
Maintainer: Dockyard test rig <rig@dockyard.invalid>
Installed-Size: 0
Depends: libc6, libseccomp2
Conflicts: containerd, runc
Replaces: containerd, runc
Provides: containerd, runc
Section: devel
Priority: optional
Homepage: https://containerd.io
Description: An open and reliable container runtime (Dockyard test rig stand-in)
 Debian's containerd and runc binaries, packaged like download.docker.com's containerd.io.
CTL
echo /etc/containerd/config.toml > "$c/DEBIAN/conffiles"
build_deb "$c" containerd.io 1.6.20-1

for version in 5:24.0.7-1~debian.12~bookworm 5:25.0.3-1~debian.12~bookworm; do
  # docker-ce-cli: the client.
  cli="$work/docker-ce-cli-${version#*:}"
  put "$docker_cli" "$cli/usr/bin/docker" 755
  control "$cli" <<CTL
Package: docker-ce-cli
Version: $version
Architecture: amd64
Maintainer: Dockyard test rig <rig@dockyard.invalid>
Installed-Size: 0
Depends: libc6
Conflicts: docker (<< 1.5~), docker-engine, docker.io
Replaces: docker-engine, docker.io
Section: admin
Priority: optional
Homepage: https://www.docker.com
Description: Docker CLI: the open-source application container engine (Dockyard test rig stand-in)
 Debian's docker client, packaged like download.docker.com's docker-ce-cli.
CTL
  build_deb "$cli" docker-ce-cli "$version"

  # docker-ce: the daemon, its proxy and init, and upstream's systemd units.
  ce="$work/docker-ce-${version#*:}"
  put "$dockerd" "$ce/usr/bin/dockerd" 755
  put "$docker_proxy" "$ce/usr/bin/docker-proxy" 755
  put "$docker_init" "$ce/usr/bin/docker-init" 755
  mkdir -p "$ce/lib/systemd/system"
  docker_unit "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock" > "$ce/lib/systemd/system/docker.service"
  socket_unit > "$ce/lib/systemd/system/docker.socket"
  chmod 644 "$ce/lib/systemd/system/docker.service" "$ce/lib/systemd/system/docker.socket"
  control "$ce" <<CTL
Package: docker-ce
Version: $version
Architecture: amd64
Maintainer: Dockyard test rig <rig@dockyard.invalid>
Installed-Size: 0
Depends: containerd.io (>= 1.6.20), docker-ce-cli, iptables, libc6, libdevmapper1.02.1, libsystemd0
Conflicts: docker (<< 1.5~), docker-engine, docker.io
Replaces: docker (<< 1.5~), docker-engine, docker.io
Section: admin
Priority: optional
Homepage: https://www.docker.com
Description: Docker: the open-source application container engine (Dockyard test rig stand-in)
 Debian's dockerd, packaged like download.docker.com's docker-ce. No service is started or
 enabled on install.
CTL
  # The socket unit names the group; creating it is all the maintainer script does.
  cat > "$ce/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ] && ! getent group docker >/dev/null; then
  groupadd --system docker
fi
exit 0
SH
  chmod 755 "$ce/DEBIAN/postinst"
  build_deb "$ce" docker-ce "$version"
done

# --- compose and buildx CLI plugins ---
# docker-compose-plugin and docker-buildx-plugin as download.docker.com names them, holding
# Debian 13's real compose v2 (2.26.1) and buildx (0.13.1) CLI plugins where upstream puts them;
# the plain compose binary and its .sha256 go beside the offline bundle, as upstream publishes
# docker-compose-linux-x86_64.
plugins_root="$(trixie_root)/usr/libexec/docker/cli-plugins"
plugin_deb() { # $1 package, $2 version, $3 plugin binary name, $4 description
  local t="$work/$1"
  put "$plugins_root/$3" "$t/usr/libexec/docker/cli-plugins/$3" 755
  control "$t" <<CTL
Package: $1
Version: $2
Architecture: amd64
Maintainer: Dockyard test rig <rig@dockyard.invalid>
Installed-Size: 0
Depends: libc6
Enhances: docker-ce-cli
Section: admin
Priority: optional
Homepage: https://github.com/docker
Description: $4 (Dockyard test rig stand-in)
 Debian 13's build, packaged like download.docker.com's $1.
CTL
  build_deb "$t" "$1" "$2"
}
plugin_deb docker-compose-plugin 2.26.1-1~debian.12~bookworm docker-compose "Docker Compose (V2) plugin for the Docker CLI"
plugin_deb docker-buildx-plugin 0.13.1-1~debian.12~bookworm docker-buildx "Docker Buildx CLI plugin"
put "$plugins_root/docker-compose" "$out/bundles/docker-compose-linux-x86_64" 755
touch -d "@$SOURCE_DATE_EPOCH" "$out/bundles/docker-compose-linux-x86_64"
sha256sum "$out/bundles/docker-compose-linux-x86_64" | cut -c1-64 > "$out/bundles/docker-compose-linux-x86_64.sha256"
# --- end of the CLI plugins ---

# A suite's index and its signatures: dists/$1's Packages of the pool $2 (relative to the
# archive), its Release, InRelease and Release.gpg. apt-ftparchive takes the Date from the clock.
index_suite() { # $1 suite, $2 pool
  (
    cd "$archive"
    apt-ftparchive -qq packages "$2" > "dists/$1/stable/binary-amd64/Packages"
    gzip -9nk "dists/$1/stable/binary-amd64/Packages"
    apt-ftparchive -qq \
      -o APT::FTPArchive::Release::Origin=Docker \
      -o APT::FTPArchive::Release::Label="Docker CE" \
      -o APT::FTPArchive::Release::Suite="$1" \
      -o APT::FTPArchive::Release::Codename="$1" \
      -o APT::FTPArchive::Release::Architectures=amd64 \
      -o APT::FTPArchive::Release::Components=stable \
      -o APT::FTPArchive::Release::Description="Dockyard test rig stand-in for download.docker.com" \
      release "dists/$1" > "$work/Release"
  )
  mv "$work/Release" "$archive/dists/$1/Release"
  quiet gpg --batch --yes --clearsign --digest-algo SHA256 \
    --output "$archive/dists/$1/InRelease" "$archive/dists/$1/Release"
  quiet gpg --batch --yes --armor --detach-sign --digest-algo SHA256 \
    --output "$archive/dists/$1/Release.gpg" "$archive/dists/$1/Release"
}

mkdir -m 700 "$GNUPGHOME"
quiet gpg --batch --pinentry-mode loopback --passphrase '' \
  --quick-generate-key "Dockyard test rig (throwaway) <rig@dockyard.invalid>" rsa3072 sign never
quiet gpg --batch --yes --armor --output "$archive/gpg" --export
index_suite bookworm pool/stable

# The offline bundle.
b="$work/bundle/docker"
for f in "$dockerd:dockerd" "$docker_cli:docker" "$containerd:containerd" "$shim:containerd-shim-runc-v2" \
  "$ctr:ctr" "$runc:runc" "$docker_init:docker-init" "$docker_proxy:docker-proxy"; do
  put "${f%%:*}" "$b/${f##*:}" 755
done
chmod 755 "$b"
tgz="$out/bundles/docker-$bundle_version.tgz"
tar -C "$work/bundle" --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" -c docker | gzip -6n > "$tgz"
sha256sum "$tgz" | cut -c1-64 > "$tgz.sha256"

# --- Debian 13 (trixie): dists/trixie/stable, as download.docker.com lays out a second suite
# (its debs under dists/trixie/pool/stable/amd64, so the bookworm index above never lists them).
# docker-ce and docker-ce-cli at 5:24.0.7-1~debian.13~trixie and 5:25.0.3-1~debian.13~trixie
# are the bookworm packages above renamed (Debian 12's docker.io 20.10.24); at
# 5:26.1.5-1~debian.13~trixie they hold Debian 13's REAL docker.io/docker-cli 26.1.5 binaries
# (dockerd, docker-proxy, docker; trixie_root), so pinning one and then the other changes what
# `docker version` reports. Every other package of the bookworm pool (containerd.io: Debian 12's
# containerd and runc, which trixie's dockerd runs on) is served there unchanged.
trixie_pool="$archive/dists/trixie/pool/stable/amd64"
trixie_index="$archive/dists/trixie/stable/binary-amd64"
mkdir -p "$trixie_pool" "$trixie_index"
troot="$(trixie_root)"
for f in "$pool"/*.deb; do
  case "$(basename "$f")" in docker-ce_* | docker-ce-cli_*) ;; *) cp "$f" "$trixie_pool/" ;; esac
done
# Unpacks the bookworm package $1 (a docker-ce or docker-ce-cli .deb) as version $2 into the
# tree $3 (maintainer scripts and control fields kept; only the version changes).
retag_tree() { # $1 deb, $2 version, $3 tree
  rm -rf "$3"
  dpkg-deb -R "$1" "$3"
  sed -i "s/^Version: .*/Version: $2/" "$3/DEBIAN/control"
}
for p in docker-ce docker-ce-cli; do
  for v in 24.0.7 25.0.3 26.1.5; do
    version="5:$v-1~debian.13~trixie"
    tree="$work/trixie-$p-$v"
    retag_tree "$pool/${p}_25.0.3-1~debian.12~bookworm_amd64.deb" "$version" "$tree"
    if [ "$v" = 26.1.5 ]; then
      if [ "$p" = docker-ce ]; then
        put "$troot/usr/sbin/dockerd" "$tree/usr/bin/dockerd" 755
        put "$troot/usr/sbin/docker-proxy" "$tree/usr/bin/docker-proxy" 755
      else
        put "$troot/usr/bin/docker" "$tree/usr/bin/docker" 755
      fi
    fi
    pool="$trixie_pool" build_deb "$tree" "$p" "$version"
  done
done
# A 26.1.5 server must really be trixie's build: fail the rig build, not a test, if not.
"$troot/usr/sbin/dockerd" --version | grep -q '^Docker version 26\.1\.5' || { say "trixie dockerd is not 26.1.5"; exit 1; }
index_suite trixie dists/trixie/pool/stable
