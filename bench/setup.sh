#!/usr/bin/env bash
# What `npm run bench` needs beyond the tests' setup: Debian's ansible (with its community.docker
# collection) and GNU time for the peak memory of the shell and Ansible runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup
need=()
for pkg in ansible time openssh-client curl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  printf 'bench: installing Debian packages: %s\n' "${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Listed into a variable first: `grep -q` stops reading at the first match, and under pipefail
# the listing's SIGPIPE would fail the check.
collections="$(ansible-galaxy collection list 2>/dev/null || true)"
grep -q '^community\.docker ' <<<"$collections" \
  || { echo "bench: Debian's ansible has no community.docker collection" >&2; exit 1; }
