import type Docker from "dockerode";
import { parseSections, sectionMarker } from "../model/sections";
import { DEFAULT_ENGINE_API_TIMEOUT_SECONDS } from "../model/defaults";
import { boundWord, DOCKER_READ_FUNCTION, SHARED_DOCKER_CALLS } from "./docker-read";

/**
 * The most containers, and the most images, the workload probe inspects. Above it the probe says
 * so and every Image and Container of the host asks the Engine API for its own object, as before
 * the probe. What the bound costs at most: a container's inspect is 5-10 KB of JSON and an
 * image's 2-5 KB, so about 7.5 MB through the SSH channel and the provider's memory, parsed in a
 * fraction of a second; docker's CLI asks for each object in turn (about 1-2 ms each on a host
 * that is not loaded), within the read's `engineApiTimeout` per call.
 */
export const WORKLOAD_READ_MAX_OBJECTS = 500;

/** What the probe prints in place of a list when it has none (`docker` absent, not answering, too many objects). */
export const WORKLOAD_ABSENT = "@@absent@@";
export const WORKLOAD_UNANSWERED = "@@unanswered@@";
export const WORKLOAD_TOO_MANY = "@@too-many@@";

/**
 * One section: `list` prints IDs, `inspect` inspects them all in one docker call. The inspect's
 * JSON is docker's own (the Engine API's answer, indented by the CLI): the provider compares the
 * same document it would get through the Engine API. A container removed between the list and the
 * inspect makes docker exit 1 after printing the others: the array is kept, the one gone is gone.
 */
function listAndInspect(section: string, list: string, inspect: string, seconds: number): string {
  const n = boundWord(seconds);
  return [
    `${sectionMarker(section)}`,
    `if ! command -v docker >/dev/null 2>&1; then echo '${WORKLOAD_ABSENT}'`,
    `elif ! dockyard_docker ${n} ${list}; then echo '${WORKLOAD_UNANSWERED}'`,
    `else`,
    `  dockyard_ids="$(printf '%s\\n' "$dockyard_out" | sort -u | grep . || true)"`,
    `  if [ -z "$dockyard_ids" ]; then echo '[]'`,
    `  elif [ "$(printf '%s\\n' "$dockyard_ids" | wc -l)" -gt ${WORKLOAD_READ_MAX_OBJECTS} ]; then echo '${WORKLOAD_TOO_MANY}'`,
    `  else`,
    // IDs are hex words: split on purpose, one argument each.
    `    # shellcheck disable=SC2086`,
    `    dockyard_docker ${n} ${inspect} $dockyard_ids || true`,
    `    case "$dockyard_out" in '['*) printf '%s\\n' "$dockyard_out" ;; *) echo '${WORKLOAD_UNANSWERED}' ;; esac`,
    `  fi`,
    `fi`,
  ].join("\n");
}

/**
 * Reads every container (`docker ps -aq`) and every image (`docker image ls -q`) of the host with
 * their inspects, for the diffs and refreshes of Container and Image: one part of the run's shared
 * host read (src/remote/host-reads.ts), so a no-op `up` asks the Engine API nothing. Fixed text,
 * the same for every resource of the host, so its cache key is too. Its docker calls go through
 * `dockyard_docker`: a dockerd found stalled by an earlier probe of the same read is not waited
 * for again. Read-only.
 */
export function renderWorkloadProbe(apiTimeout: number = DEFAULT_ENGINE_API_TIMEOUT_SECONDS): string {
  return [
    DOCKER_READ_FUNCTION,
    listAndInspect("containers", SHARED_DOCKER_CALLS.ps, "container inspect", apiTimeout),
    listAndInspect("images", SHARED_DOCKER_CALLS.images, "image inspect", apiTimeout),
    "",
  ].join("\n");
}

/** An image's inspect, as the Engine API gives it (`GET /images/<name>/json`). */
export type InspectedImage = Docker.ImageInspectInfo;

/** The host's containers and images as the probe read them; undefined lists when docker gave none. */
export interface WorkloadRead {
  containers?: Docker.ContainerInspectInfo[];
  images?: InspectedImage[];
  /** Why a list is missing (for a test or a log line; the provider then asks the Engine API). */
  missing: string[];
}

function listOf<T>(name: string, text: string | undefined, missing: string[]): T[] | undefined {
  const body = (text ?? "").trim();
  if (body === WORKLOAD_ABSENT) missing.push(`${name}: docker is not installed`);
  else if (body === WORKLOAD_UNANSWERED) missing.push(`${name}: docker did not answer`);
  else if (body === WORKLOAD_TOO_MANY) missing.push(`${name}: more than ${WORKLOAD_READ_MAX_OBJECTS}`);
  else if (!body.startsWith("[")) missing.push(`${name}: not read`);
  else {
    try {
      const list = JSON.parse(body) as unknown;
      if (Array.isArray(list)) return list as T[];
    } catch {
      // Cut short (the read ended mid-way): as if not read.
    }
    missing.push(`${name}: unreadable`);
  }
  return undefined;
}

export function parseWorkloadProbe(output: string): WorkloadRead {
  const sections = parseSections(output);
  const missing: string[] = [];
  const containers = listOf<Docker.ContainerInspectInfo>("containers", sections.containers, missing);
  const images = listOf<InspectedImage>("images", sections.images, missing);
  return { containers, images, missing };
}

/**
 * The container docker would answer for `name` (`GET /containers/<name>/json`): the one with
 * that full ID, else the one of that name, else the only one whose ID starts with it.
 */
export function findContainer(containers: readonly Docker.ContainerInspectInfo[], name: string): Docker.ContainerInspectInfo | undefined {
  const byId = containers.find((c) => c.Id === name);
  if (byId) return byId;
  const byName = containers.find((c) => c.Name === `/${name}`);
  if (byName) return byName;
  const byPrefix = /^[0-9a-f]+$/.test(name) ? containers.filter((c) => c.Id.startsWith(name)) : [];
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}
