#!/usr/bin/env bash
# The shell floor: bench/shell/fleet-job.sh on every host at once over ssh (pinned host keys),
# then each host must answer on http://<host>:80/.
# Usage: fleet.sh KEY KNOWN_HOSTS BASE VERSION MIRRORS_JSON ADDRESS...
set -uo pipefail
key="$1" known="$2" base="$3" version="$4" mirrors="$5"
shift 5
job="$(dirname "${BASH_SOURCE[0]}")/fleet-job.sh"
pids=()
for h in "$@"; do
  ssh -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    "root@$h" bash -s -- "'$base'" "'$version'" "'$mirrors'" < "$job" &
  pids+=("$!")
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ "$status" -eq 0 ] || { echo "fleet.sh: the job failed on a host" >&2; exit 1; }
for h in "$@"; do
  curl -fsS --retry 20 --retry-delay 1 --retry-all-errors "http://$h:80/" | grep -q 'Welcome to nginx' \
    || { echo "fleet.sh: http://$h:80/ does not answer with nginx" >&2; exit 1; }
done
