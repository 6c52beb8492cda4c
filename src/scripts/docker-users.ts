import { parseSections, sectionMarker } from "../model/sections";
import { shq } from "../model/shell";
import { script } from "./shell";

/** Per user: whether the account exists and whether it is in the docker group. Read-only. */
export function renderDockerUsersProbe(users: string[]): string {
  return [
    `${sectionMarker("group")}; if getent group docker >/dev/null 2>&1; then echo yes; else echo no; fi`,
    ...users.map(
      (u) =>
        `${sectionMarker(`user ${u}`)}; if id -u ${shq(u)} >/dev/null 2>&1; then echo exists; if id -nG ${shq(u)} | tr ' ' '\\n' | grep -qx docker; then echo member; fi; fi`,
    ),
    "",
  ].join("\n");
}

export interface DockerUserState {
  exists: boolean;
  member: boolean;
}

export function parseDockerUsersProbe(output: string, users: string[]): { group: boolean; users: Record<string, DockerUserState> } {
  const s = parseSections(output);
  return {
    group: (s.group ?? "").trim() === "yes",
    users: Object.fromEntries(
      users.map((u) => {
        const lines = (s[`user ${u}`] ?? "").split("\n").map((l) => l.trim());
        return [u, { exists: lines.includes("exists"), member: lines.includes("member") }];
      }),
    ),
  };
}

/** Adds users to the docker group (made first when the engine did not make it), removes others. */
export function renderDockerUsersChange(add: string[], remove: string[]): string {
  return script(
    add.length ? "getent group docker >/dev/null 2>&1 || groupadd --system docker" : undefined,
    ...add.map((u) => `gpasswd -a ${shq(u)} docker >/dev/null`),
    ...remove.map((u) => `if id -u ${shq(u)} >/dev/null 2>&1; then gpasswd -d ${shq(u)} docker >/dev/null 2>&1 || true; fi`),
  );
}
