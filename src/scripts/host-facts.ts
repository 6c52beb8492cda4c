import { DEFAULT_ENGINE_API_TIMEOUT_SECONDS } from "../model/defaults";
import { sectionMarker } from "../model/sections";
import { DOCKER_READ_FUNCTION, dockerFirstLine, SHARED_DOCKER_CALLS } from "./docker-read";

/**
 * The shell that reads a machine's facts. Files are followed by `echo`: a file without a final
 * newline would otherwise run into the next section's marker. Read-only, POSIX sh, no dependency beyond coreutils;
 * each section is marked so the parser does not depend on the order or on empty output.
 */
export function renderFactsProbe(apiTimeout: number = DEFAULT_ENGINE_API_TIMEOUT_SECONDS): string {
  return [
    DOCKER_READ_FUNCTION,
    `${sectionMarker("kernel")}; uname -r`,
    `${sectionMarker("arch")}; uname -m`,
    `${sectionMarker("os-release")}; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null || true; echo`,
    `${sectionMarker("init")}; cat /proc/1/comm 2>/dev/null || true`,
    `${sectionMarker("systemd")}; if [ -d /run/systemd/system ]; then echo yes; else echo no; fi`,
    // cgroup2fs (v2), tmpfs (v1 or hybrid) or anything else (none mounted).
    `${sectionMarker("cgroup")}; stat -fc %T /sys/fs/cgroup 2>/dev/null || echo none`,
    // /usr/sbin is not on every user's PATH; the first iptables found answers.
    `${sectionMarker("iptables")}; ipt=""; for p in "$(command -v iptables 2>/dev/null)" /usr/sbin/iptables /sbin/iptables; do if [ -n "$p" ] && [ -x "$p" ]; then ipt="$p"; break; fi; done; if [ -n "$ipt" ]; then "$ipt" --version 2>/dev/null | head -n 1; else echo none; fi`,
    `${sectionMarker("docker-client")}; if command -v docker >/dev/null 2>&1; then ${dockerFirstLine(SHARED_DOCKER_CALLS.client, apiTimeout)}; fi`,
    // The same call as the engine probe's: the read asks docker once for both (src/scripts/docker-read.ts).
    `${sectionMarker("docker-server")}; if command -v docker >/dev/null 2>&1; then ${dockerFirstLine(SHARED_DOCKER_CALLS.version, apiTimeout)}; fi`,
    "",
  ].join("\n");
}
