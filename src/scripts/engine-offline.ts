import { shq } from "../model/shell";
import { script } from "./shell";

/** Where offline bundles are kept on the host (so a re-run can see it has the file already). */
export const BUNDLE_DIR = "/var/lib/dockyard/bundles";
export const OFFLINE_RECORD = "/var/lib/dockyard/engine-offline.json";

export function bundlePathOnHost(sha256: string): string {
  return `${BUNDLE_DIR}/docker-${sha256.slice(0, 16)}.tgz`;
}

/** Where the uploaded compose plugin binary is kept on the host, beside the bundles. */
export function composePluginPathOnHost(sha256: string): string {
  return `${BUNDLE_DIR}/docker-compose-${sha256.slice(0, 16)}`;
}

/** Where the docker CLI finds the compose plugin of an offline install (a system-wide plugin directory). */
export const OFFLINE_COMPOSE_PLUGIN = "/usr/local/lib/docker/cli-plugins/docker-compose";

/** docker.service for a static install, after upstream's unit; `# Managed by Dockyard` marks ours. */
export function dockerServiceUnit(installDir: string): string {
  return [
    "# Managed by Dockyard (offline install). Edits are overwritten by the next `pulumi up`.",
    "[Unit]",
    "Description=Docker Application Container Engine",
    "Documentation=https://docs.docker.com",
    "After=network-online.target docker.socket firewalld.service containerd.service time-set.target",
    "Wants=network-online.target containerd.service",
    "Requires=docker.socket",
    "",
    "[Service]",
    "Type=notify",
    `ExecStart=${installDir}/dockerd -H fd:// --containerd=/run/containerd/containerd.sock`,
    "ExecReload=/bin/kill -s HUP $MAINPID",
    "TimeoutStartSec=0",
    "RestartSec=2",
    "Restart=always",
    "StartLimitBurst=3",
    "StartLimitInterval=60s",
    "LimitNPROC=infinity",
    "LimitCORE=infinity",
    "TasksMax=infinity",
    "Delegate=yes",
    "KillMode=process",
    "OOMScoreAdjust=-500",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

export function dockerSocketUnit(): string {
  return [
    "# Managed by Dockyard (offline install).",
    "[Unit]",
    "Description=Docker Socket for the API",
    "",
    "[Socket]",
    "ListenStream=/run/docker.sock",
    "SocketMode=0660",
    "SocketUser=root",
    "SocketGroup=docker",
    "",
    "[Install]",
    "WantedBy=sockets.target",
    "",
  ].join("\n");
}

export function containerdServiceUnit(installDir: string): string {
  return [
    "# Managed by Dockyard (offline install).",
    "[Unit]",
    "Description=containerd container runtime",
    "Documentation=https://containerd.io",
    "After=network.target local-fs.target",
    "",
    "[Service]",
    "ExecStartPre=-/sbin/modprobe overlay",
    `ExecStart=${installDir}/containerd`,
    "Type=notify",
    "Delegate=yes",
    "KillMode=process",
    "Restart=always",
    "RestartSec=5",
    "LimitNPROC=infinity",
    "LimitCORE=infinity",
    "TasksMax=infinity",
    "OOMScoreAdjust=-999",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * Installs a static bundle already on the host: unpacks `docker/*` into installDir, writes the
 * systemd units, records what it installed, and creates the docker group. Never downloads.
 */
export function renderOfflineInstall(opts: {
  bundlePath: string;
  sha256: string;
  installDir: string;
  /** The compose CLI plugin binary already on the host, and its checksum (absent: none installed). */
  compose?: { path: string; sha256: string };
}): string {
  const dir = opts.installDir;
  const compose = opts.compose;
  // Checked before anything is installed, put in place with the bundle's files (so the record lists it).
  const composeCheck = compose
    ? [
        `compose=${shq(compose.path)}`,
        `echo ${shq(compose.sha256)} "$compose" | sed 's/ /  /' | sha256sum -c --status || { echo "dockyard: $compose does not match its sha256" >&2; exit 1; }`,
      ]
    : [];
  const composeInstall = compose
    ? [
        `plugin=${shq(OFFLINE_COMPOSE_PLUGIN)}`,
        'install -d -m 0755 -o root -g root "$(dirname "$plugin")"',
        'install -m 0755 -o root -g root "$compose" "$plugin.dockyard-new"',
        'mv "$plugin.dockyard-new" "$plugin"',
        'files="$files \\"$plugin\\","',
      ]
    : [];
  const record = compose
    ? `printf '{"sha256":"%s","installDir":"%s","composeSha256":"%s","files":[%s]}\\n' ${shq(opts.sha256)} "$dir" ${shq(compose.sha256)} "\${files%,}" > ${OFFLINE_RECORD}`
    : `printf '{"sha256":"%s","installDir":"%s","files":[%s]}\\n' ${shq(opts.sha256)} "$dir" "\${files%,}" > ${OFFLINE_RECORD}`;
  const writeUnit = (path: string, content: string) => `cat > ${path}.new <<'UNIT'\n${content}UNIT\nmv ${path}.new ${path}`;
  return script(
    `bundle=${shq(opts.bundlePath)}`,
    `dir=${shq(dir)}`,
    `echo ${shq(opts.sha256)} "$bundle" | sed 's/ /  /' | sha256sum -c --status || { echo "dockyard: $bundle does not match its sha256" >&2; exit 1; }`,
    ...composeCheck,
    'tmp="$(mktemp -d)"',
    "trap 'rm -rf \"$tmp\"' EXIT",
    'tar -xzf "$bundle" -C "$tmp"',
    'if [ ! -f "$tmp/docker/dockerd" ]; then echo "dockyard: the bundle has no docker/dockerd" >&2; exit 1; fi',
    'install -d -m 0755 "$dir"',
    'files=""',
    'for f in "$tmp"/docker/*; do',
    '  name="$(basename "$f")"',
    '  install -m 0755 "$f" "$dir/$name.dockyard-new"',
    '  mv "$dir/$name.dockyard-new" "$dir/$name"',
    '  files="$files \\"$dir/$name\\","',
    "done",
    ...composeInstall,
    'if [ -f "$tmp/docker/containerd" ]; then',
    writeUnit("/etc/systemd/system/containerd.service", containerdServiceUnit(dir)),
    "fi",
    writeUnit("/etc/systemd/system/docker.service", dockerServiceUnit(dir)),
    writeUnit("/etc/systemd/system/docker.socket", dockerSocketUnit()),
    "getent group docker >/dev/null 2>&1 || groupadd --system docker",
    "install -d -m 0755 /var/lib/dockyard",
    record,
  );
}

/** Removes an offline install: stops docker, removes its units and the files the record lists. */
export function renderOfflineUninstall(): string {
  return script(
    "systemctl disable --now docker.service docker.socket containerd.service >/dev/null 2>&1 || true",
    `if [ -f ${OFFLINE_RECORD} ]; then`,
    `  sed -n 's/.*"files":\\[\\(.*\\)\\].*/\\1/p' ${OFFLINE_RECORD} | tr ',' '\\n' | tr -d '" ' | while read -r f; do`,
    '    if [ -n "$f" ]; then rm -f "$f"; fi',
    "  done",
    "fi",
    "for u in docker.service docker.socket containerd.service; do",
    '  if grep -qs "Managed by Dockyard" "/etc/systemd/system/$u"; then rm -f "/etc/systemd/system/$u"; fi',
    "done",
    `rm -f ${OFFLINE_RECORD}`,
    "systemctl daemon-reload",
    "echo 'dockyard: /var/lib/docker (images, volumes) was kept'",
  );
}
