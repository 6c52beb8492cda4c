// Every default Dockyard applies, each stated once: components, providers, scripts and the fleet
// file's documentation read them from here, so a changed default cannot leave a stale copy behind.

/** Where an online install takes the engine from: Docker's docker-ce repository. */
export const DEFAULT_PACKAGE_SOURCE = "docker-ce";
/** The docker-ce repository's base URL (a mirror replaces it). */
export const DEFAULT_DOCKER_CE_MIRROR = "https://download.docker.com";
/**
 * The OpenPGP fingerprint of Docker's signing key, as Docker publishes it: the key a docker-ce
 * repository (or a mirror that does not re-sign) serves must have it before any host trusts it.
 */
export const DEFAULT_DOCKER_CE_KEY_FINGERPRINT = "9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88";
/**
 * Seconds a package or key download may go without progress (apt's Acquire timeouts, yum/dnf
 * `timeout=`) and, for one file fetched with curl, the longest it may take in all: a mirror that
 * accepts connections and never answers fails the step instead of hanging the run.
 */
export const DEFAULT_DOWNLOAD_TIMEOUT_SECONDS = 60;
/** The docker-ce channel an online install uses. */
export const DEFAULT_CHANNEL = "stable";
/** Where an offline install puts the static binaries. */
export const DEFAULT_OFFLINE_INSTALL_DIR = "/usr/bin";

/** SSH port of a host and of a jump host. */
export const DEFAULT_SSH_PORT = 22;
/** Login user of a host and of a jump host. */
export const DEFAULT_SSH_USER = "root";
/** Seconds an SSH connection may take to be ready (TCP and handshake). */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 20;
/** Tries at an unreachable host before it is reported (with backoff between them). */
export const DEFAULT_CONNECT_ATTEMPTS = 5;

/** Lowest kernel release preflight accepts (Docker needs 3.10 or later). */
export const DEFAULT_MIN_KERNEL = "3.10";
/** CPU architectures (`uname -m`) preflight accepts. */
export const DEFAULT_ARCHITECTURES: readonly string[] = ["x86_64", "aarch64"];

/** The host port a Registry publishes. */
export const DEFAULT_REGISTRY_PORT = 5000;
/** The image a Registry runs. */
export const DEFAULT_REGISTRY_IMAGE = "registry:2";

/** A container's restart policy. */
export const DEFAULT_RESTART_POLICY = "unless-stopped";
/** Seconds a container has to become healthy (or to stay up). */
export const DEFAULT_START_TIMEOUT_SECONDS = 60;
/**
 * How long a container without a health check must stay running, not restarting, before its start
 * counts as done: a process that fails on its configuration exits within it, and a restart loop
 * shows `Restarting` in it (Docker's first back-off is 100 ms). It is on every create's path, so
 * kept short; a container that dies later is drift `refresh` shows.
 */
export const CONTAINER_STABLE_MS = 1000;
/** How often a starting container is inspected while it is waited for. */
export const CONTAINER_START_POLL_MS = 250;

/**
 * The daemon.json keys of DaemonConfig's `profile: "hardened"` (the CIS Docker Benchmark's daemon
 * recommendations a user can take without building anything else; docs/hardening.md maps each).
 * Each is overridden by the same key given explicitly (a typed argument or `settings`).
 */
export const HARDENED_DAEMON_SETTINGS: Readonly<Record<string, unknown>> = {
  icc: false,
  "no-new-privileges": true,
  "live-restore": true,
  "userland-proxy": false,
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "5" },
};

/**
 * What a fleet's `profile: hardened` gives every container that does not set the setting itself:
 * no privilege gain through setuid binaries, every capability dropped but the four nginx (and most
 * servers that start as root and drop to a user) needs: CHOWN (its cache directories), SETUID and
 * SETGID (its workers' user), NET_BIND_SERVICE (ports below 1024); and a PIDs limit against fork bombs.
 */
export const HARDENED_CONTAINER_DEFAULTS = {
  noNewPrivileges: true,
  capDrop: ["ALL"],
  capAdd: ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"],
  pidsLimit: 256,
} as const;

/** Seconds an AwsHost waits for its new instance to report its SSH host key on the serial console. */
export const DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS = 600;
/**
 * Seconds every task of a swarm service must stay running before `up` counts the service as
 * converged (docker's CLI waits 5 s the same way): a crash-looping task that is briefly running
 * when it is looked at does not pass.
 */
export const DEFAULT_SERVICE_CONVERGE_MONITOR_SECONDS = 5;
/**
 * Seconds one SSH command may run (an install, a restart, a read) before it is ended: its channel
 * closed and its process signalled. Generous: a package install on a slow mirror takes minutes.
 */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 600;
/** Seconds one Docker Engine API call may go without an answer (dockerd stopped or stalled). */
export const DEFAULT_ENGINE_API_TIMEOUT_SECONDS = 30;
/** Seconds one image pull may take, from the request to its last layer (a mirror that never answers). */
export const DEFAULT_PULL_TIMEOUT_SECONDS = 600;
/** Seconds dockerd has to start (or restart) and answer before the step fails. */
export const DEFAULT_ENGINE_START_TIMEOUT_SECONDS = 60;
/** Seconds a swarm step waits for the cluster (a joined node listed as ready, a drained node emptied). */
export const DEFAULT_SWARM_WAIT_SECONDS = 60;
/** Seconds `docker compose up -d --wait` may take (pulls, starts, healthchecks) before the run fails. */
export const DEFAULT_COMPOSE_WAIT_SECONDS = 300;
