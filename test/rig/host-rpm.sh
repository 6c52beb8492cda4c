#!/usr/bin/env bash
# Layers an rpm/dnf stack on the rig's host image $1 and commits the result as $2: the image of
# the RHEL-family host flavours. These hosts are dnf on a Debian userland, NOT the distributions
# they present as: Debian's dnf 4.14, dnf-plugins-core 4.3 and rpm 4.18, an rpm database at
# /var/lib/rpm that knows the Debian userland through one provides-only package, and, chosen
# at boot by RIG_FLAVOUR in the container's environment (rocky9, alma9, centos7, amzn2023):
# that distribution's /etc/os-release, $releasever, `yum` and/or `dnf` as the real one has them
# (CentOS 7: yum only, dnf removed; the others: dnf, with yum as a link to it), and its
# "distribution" repository on the rig's package server (RIG_DISTRO_REPO, a base URL).
# The versionlock plugin is taken out of Debian's dnf-plugins-core: hosts get it from their
# distribution repository (yum-plugin-versionlock / python3-dnf-plugin-versionlock) as on the
# real ones. Debian's `local` plugin is disabled: its _dnf_local repository (gpgcheck on, no
# key) makes every install fail.
set -euo pipefail
base="$1" tag="$2"
name="dockyard-rig-rpm-$$"
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
docker run --name "$name" --entrypoint /bin/sh "$base" -euc '
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  dnf dnf-plugins-core rpm libdevmapper1.02.1 >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*

# RHEL keeps the rpm database in /var/lib/rpm (Debian: ~/.rpmdb); rpmsign and gpg as RHEL has them.
mkdir -p /etc/rpm /var/lib/rpm
printf "%%_dbpath /var/lib/rpm\n%%__gpg /usr/bin/gpg\n" > /etc/rpm/macros
rpm --initdb

# dnf.conf as RHEL 9 ships it: a repository that cannot be reached is an error, not skipped.
printf "[main]\ngpgcheck=1\ninstallonly_limit=3\nclean_requirements_on_remove=True\nbest=True\nskip_if_unavailable=False\n" > /etc/dnf/dnf.conf
sed -i "s/^enabled *=.*/enabled = 0/" /etc/dnf/plugins/local.conf
mkdir -p /usr/local/share/rig-stash
mv /usr/lib/python3/dist-packages/dnf-plugins/versionlock.py /usr/local/share/rig-stash/
rm -f /etc/dnf/plugins/versionlock.conf /etc/dnf/plugins/versionlock.list

# What the Debian userland gives, told to the rpm database, so packages that require a shell,
# systemd or iptables resolve.
top=/tmp/rig-rpmbuild
mkdir -p $top/SPECS
cat > $top/SPECS/userland.spec <<SPEC
Name: rig-debian-userland
Version: 12
Release: 1
Summary: Provides what the Debian userland of a rig host has (Dockyard test rig)
License: Apache-2.0
BuildArch: noarch
AutoReqProv: no
Provides: /bin/sh, /bin/bash, /usr/bin/sh, /usr/bin/bash, bash, coreutils, glibc, systemd
Provides: iptables, shadow-utils, util-linux, tar, gzip, xz, procps-ng, libseccomp, device-mapper-libs
Provides: python3, dnf, rpm, curl, ca-certificates, openssh-server, libcgroup
%description
Provides-only: the files are the Debian packages of this host.
%files
SPEC
rpmbuild -bb --define "_topdir $top" $top/SPECS/userland.spec >/dev/null 2>&1
rpm -i --nodeps $top/RPMS/noarch/rig-debian-userland-12-1.noarch.rpm
rm -rf $top

mkdir -p /usr/local/share/rig-flavours
w() { mkdir -p "/usr/local/share/rig-flavours/$1"; cat > "/usr/local/share/rig-flavours/$1/$2"; }
w rocky9 os-release <<OS
NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
OS
w alma9 os-release <<OS
NAME="AlmaLinux"
VERSION="9.3 (Shamrock Pampas Cat)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"
CPE_NAME="cpe:/o:almalinux:almalinux:9::baseos"
HOME_URL="https://almalinux.org/"
OS
w centos7 os-release <<OS
NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
OS
w amzn2023 os-release <<OS
NAME="Amazon Linux"
VERSION="2023"
ID="amzn"
ID_LIKE="fedora"
VERSION_ID="2023"
PLATFORM_ID="platform:al2023"
PRETTY_NAME="Amazon Linux 2023.3.20240131"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2023"
HOME_URL="https://aws.amazon.com/linux/amazon-linux-2023/"
OS
printf "9\n" | w rocky9 releasever
printf "9\n" | w alma9 releasever
printf "7\n" | w centos7 releasever
printf "2023\n" | w amzn2023 releasever
printf "el9\n" | w rocky9 repo
printf "el9\n" | w alma9 repo
printf "el7\n" | w centos7 repo
printf "amzn2023\n" | w amzn2023 repo
printf "Rocky Linux release 9.3 (Blue Onyx)\n" | w rocky9 release
printf "AlmaLinux release 9.3 (Shamrock Pampas Cat)\n" | w alma9 release
printf "CentOS Linux release 7.9.2009 (Core)\n" | w centos7 release
printf "Amazon Linux release 2023.3.20240131 (Amazon Linux)\n" | w amzn2023 release

cat > /usr/local/sbin/rig-flavour <<"SH"
#!/bin/sh
# Makes this host present as the flavour named in PID 1'"'"'s environment (see host-rpm.sh).
set -e
env1() { tr "\0" "\n" < /proc/1/environ | sed -n "s/^$1=//p"; }
f="$(env1 RIG_FLAVOUR)"
[ -n "$f" ] || exit 0
d="/usr/local/share/rig-flavours/$f"
[ -d "$d" ] || { echo "rig-flavour: unknown flavour $f" >&2; exit 1; }
rm -f /etc/os-release
cp "$d/os-release" /etc/os-release
cp "$d/release" /etc/redhat-release
cp "$d/release" /etc/system-release
mkdir -p /etc/dnf/vars /etc/yum.repos.d
cp "$d/releasever" /etc/dnf/vars/releasever
if [ "$f" = centos7 ]; then
  ln -sf dnf-3 /usr/bin/yum
  rm -f /usr/bin/dnf
else
  ln -sf dnf-3 /usr/bin/yum
fi
base="$(env1 RIG_DISTRO_REPO)"
if [ -n "$base" ]; then
  cat > "/etc/yum.repos.d/$f-base.repo" <<REPO
[$f-base]
name=$f base (Dockyard rig stand-in for the distribution repository)
baseurl=$base/$(cat "$d/repo")
enabled=1
gpgcheck=1
gpgkey=$base/RPM-GPG-KEY-rig
REPO
fi
SH
chmod 755 /usr/local/sbin/rig-flavour
cat > /etc/systemd/system/rig-flavour.service <<UNIT
[Unit]
Description=Present as the rig host flavour (os-release, yum/dnf, repositories)
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/rig-flavour
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/rig-flavour.service /etc/systemd/system/multi-user.target.wants/rig-flavour.service
'
docker commit \
  --change 'CMD ["/sbin/init"]' --change 'ENV container=docker' \
  --change 'LABEL dockyard.rig.image=host-rpm' "$name" "$tag" >/dev/null
echo "rig: built $tag" >&2
