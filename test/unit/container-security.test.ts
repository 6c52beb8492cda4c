// A container's security settings: the shared checks (component, fleet file, provider), the Engine
// API create options, the read-back from `docker inspect` and the drift it shows; the hardened
// profile of DaemonConfig and of fleet files. From tables; no host is reached.
import test from "ava";
import type Docker from "dockerode";
import { daemonSettingsFrom } from "../../src/engine/daemon-config";
import { fleetArgs } from "../../src/fleet/fleet-args";
import { FleetFileError, parseFleet } from "../../src/fleet/load-fleet";
import { type ContainerSecurityArgs, parseContainerSecurity } from "../../src/model/container-security";
import { HARDENED_CONTAINER_DEFAULTS, HARDENED_DAEMON_SETTINGS } from "../../src/model/defaults";
import { InvalidArgumentError } from "../../src/model/input-error";
import {
  type ContainerRun,
  type ContainerSpec,
  containerDrift,
  containerRunOf,
  createOptions,
  planContainerUpdate,
  specHash,
} from "../../src/plan/container";
import { securityDrift, securityHostConfig, securityOf } from "../../src/plan/container-security";
import { checkInputs, PROVIDER_CHECKS } from "../../src/providers/input-checks";

// --- the shared check ---

const accepted: [string, ContainerSecurityArgs & { privileged?: unknown }, ReturnType<typeof parseContainerSecurity>][] = [
  ["nothing declared: nothing in the spec (an older state keeps its hash)", {}, {}],
  ["false booleans but noNewPrivileges are left out", { readOnlyRootFilesystem: false, insecurePrivileged: false }, {}],
  ["noNewPrivileges: false is kept (it overrides the daemon's default)", { noNewPrivileges: false }, { noNewPrivileges: false }],
  [
    "the hardened set, CAP_ prefix taken off",
    { capDrop: ["ALL"], capAdd: ["CAP_CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"], noNewPrivileges: true, pidsLimit: 256 },
    { capDrop: ["ALL"], capAdd: ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"], noNewPrivileges: true, pidsLimit: 256 },
  ],
  [
    "user, read-only root, tmpfs, ulimits (hard defaults to soft), security options",
    {
      user: "101:101",
      readOnlyRootFilesystem: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m", "/var/run": "" },
      ulimits: [
        { name: "nofile", soft: 1024, hard: 2048 },
        { name: "nproc", soft: 64 },
      ],
      securityOpt: ["apparmor=docker-default", "label=type:svirt_apache_t", "seccomp=unconfined"],
    },
    {
      user: "101:101",
      readOnlyRootFilesystem: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m", "/var/run": "" },
      ulimits: [
        { name: "nofile", soft: 1024, hard: 2048 },
        { name: "nproc", soft: 64, hard: 64 },
      ],
      securityOpt: ["apparmor=docker-default", "label=type:svirt_apache_t", "seccomp=unconfined"],
    },
  ],
  ["unlimited ulimits", { ulimits: [{ name: "core", soft: -1, hard: -1 }] }, { ulimits: [{ name: "core", soft: -1, hard: -1 }] }],
  ["privileged only by its loud name", { insecurePrivileged: true }, { privileged: true }],
];

for (const [label, args, want] of accepted) {
  test(`container security accepted: ${label}`, (t) => {
    t.deepEqual(parseContainerSecurity(args), want);
  });
}

const refused: [ContainerSecurityArgs & { privileged?: unknown }, string[], string][] = [
  [{ privileged: true }, [], "privileged is not a setting: a privileged container has every capability"],
  [{ privileged: false }, [], "privileged is not a setting"],
  [{ user: "root;id" }, [], 'user must be a user name or uid, optionally :group or :gid (letters, digits and _.-) (got "root;id")'],
  [{ user: "a:b:c" }, [], "user must be a user name or uid"],
  [{ readOnlyRootFilesystem: "yes" as unknown as boolean }, [], 'readOnlyRootFilesystem must be true or false (got "yes")'],
  [{ capAdd: ["net_admin"] }, [], 'capAdd[0] must be a capability in upper case like NET_BIND_SERVICE (or ALL) (got "net_admin")'],
  [{ capAdd: ["NET_BIND_SERVIC"] }, [], 'capAdd[0] is not a Linux capability (got "NET_BIND_SERVIC"); did you mean NET_BIND_SERVICE?'],
  [{ capAdd: ["ALL"] }, [], "capAdd[0] gives every capability"],
  [{ capAdd: ["CHOWN", "CAP_CHOWN"] }, [], "capAdd[1] names CHOWN twice"],
  [{ capAdd: ["CHOWN"], capDrop: ["CHOWN"] }, [], "capAdd[0] is also in capDrop: give CHOWN in one of them"],
  [{ capDrop: "ALL" as unknown as string[] }, [], "capDrop must be a list of capabilities"],
  [{ securityOpt: ["no-new-privileges:true"] }, [], "securityOpt[0] is set with noNewPrivileges: true"],
  [{ securityOpt: ["seccomp=/etc/profile.json"] }, [], "securityOpt[0] must be apparmor=<profile>, seccomp=unconfined"],
  [{ securityOpt: ["apparmor=x y"] }, [], "securityOpt[0] must be apparmor=<profile>"],
  [{ securityOpt: ["label=disable", "label=disable"] }, [], "securityOpt[1] gives label=disable twice"],
  [{ pidsLimit: 0 }, [], "pidsLimit must be an integer 1-4194304 (got 0)"],
  [{ pidsLimit: 1.5 }, [], "pidsLimit must be an integer 1-4194304 (got 1.5)"],
  [{ tmpfs: { tmp: "" } }, [], 'tmpfs key must be an absolute path of letters, digits and -._+@: (got "tmp")'],
  [{ tmpfs: { "/": "" } }, [], "tmpfs key cannot be / (the root filesystem)"],
  [{ tmpfs: { "/tmp": "size=64m;id" } }, [], "tmpfs./tmp must be mount options like rw,noexec,nosuid,size=64m"],
  [{ tmpfs: { "/data": "" } }, ["/data"], "tmpfs./data is also the target of a volume: mount one thing there"],
  [{ ulimits: [{ name: "files", soft: 1 }] }, [], "ulimits[0].name must be a ulimit name: core, cpu"],
  [{ ulimits: [{ name: "nofile", soft: 4096, hard: 1024 }] }, [], "ulimits[0].soft must not be above the hard limit 1024"],
  [{ ulimits: [{ name: "nofile", soft: -2 }] }, [], "ulimits[0].soft must be an integer, -1 for unlimited (got -2)"],
  [
    {
      ulimits: [
        { name: "nofile", soft: 1 },
        { name: "nofile", soft: 2 },
      ],
    },
    [],
    "ulimits[1] sets nofile twice",
  ],
];

for (const [args, targets, message] of refused) {
  test(`container security refused: ${JSON.stringify(args)}`, (t) => {
    const e = t.throws(() => parseContainerSecurity(args, targets), { instanceOf: InvalidArgumentError });
    t.true(e!.reason.startsWith(message), `${e!.reason} does not start with ${message}`);
  });
}

test("the provider refuses what the component refuses, naming the property, and passes what it accepts", (t) => {
  const connection = { host: "10.0.0.1", user: "root" };
  const bad: [Record<string, unknown>, string][] = [
    [{ user: "$(id)" }, "spec.user"],
    [{ capAdd: ["net admin"] }, "spec.capAdd[0]"],
    [{ capDrop: ["ALL;"] }, "spec.capDrop[0]"],
    [{ securityOpt: ["apparmor=a\nb"] }, "spec.securityOpt[0]"],
    [{ tmpfs: { "/tmp": "size=1m,$(id)" } }, "spec.tmpfs./tmp"],
    [{ tmpfs: { "../x": "" } }, "spec.tmpfs key"],
    [{ ulimits: [{ name: "nofile;", soft: 1, hard: 1 }] }, "spec.ulimits[0].name"],
  ];
  for (const [spec, property] of bad) {
    const failures = checkInputs(PROVIDER_CHECKS.container, { connection, spec: { name: "web", image: "nginx:1.25", ...spec } });
    t.deepEqual(
      failures.map((f) => f.property),
      [property],
      JSON.stringify(spec),
    );
  }
  const good = parseContainerSecurity({
    user: "nginx",
    capDrop: ["ALL"],
    capAdd: ["CHOWN"],
    securityOpt: ["apparmor=docker-default"],
    tmpfs: { "/tmp": "rw,size=64m" },
    ulimits: [{ name: "nofile", soft: 10 }],
  });
  t.deepEqual(checkInputs(PROVIDER_CHECKS.container, { connection, spec: { name: "web", image: "nginx:1.25", ...good } }), []);
});

// --- the Engine API: create options, read-back, drift ---

const IMG = `nginx@sha256:${"1".repeat(64)}`;
const base: ContainerSpec = {
  name: "web",
  image: IMG,
  ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1", protocol: "tcp" }],
  volumes: [],
  restartPolicy: "unless-stopped",
  labels: {},
  startTimeoutSeconds: 60,
};
const hardened: ContainerSpec = {
  ...base,
  user: "101",
  readOnlyRootFilesystem: true,
  capDrop: ["ALL"],
  capAdd: ["CHOWN", "NET_BIND_SERVICE"],
  noNewPrivileges: true,
  securityOpt: ["apparmor=docker-default"],
  pidsLimit: 100,
  tmpfs: { "/tmp": "rw,size=8m", "/var/run": "" },
  ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
};

test("create options carry every security setting, and nothing for one that is not declared", (t) => {
  const o = createOptions({ spec: hardened, env: {} });
  t.is(o.User, "101");
  t.like(o.HostConfig, {
    ReadonlyRootfs: true,
    CapAdd: ["CHOWN", "NET_BIND_SERVICE"],
    CapDrop: ["ALL"],
    SecurityOpt: ["apparmor=docker-default", "no-new-privileges:true"],
    PidsLimit: 100,
    Tmpfs: { "/tmp": "rw,size=8m", "/var/run": "" },
    Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 2048 }],
    PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] },
  });
  t.is(o.HostConfig?.Privileged, undefined);
  t.deepEqual(securityHostConfig(base), {});
  t.is(createOptions({ spec: base, env: {} }).User, undefined);
  t.deepEqual(securityHostConfig({ ...base, noNewPrivileges: false, privileged: true }), {
    SecurityOpt: ["no-new-privileges:false"],
    Privileged: true,
  });
});

test("a spec without the settings hashes as before: containers made by an older Dockyard are not replaced", (t) => {
  // The hash of `base` as 0.4.0 computed it (no security keys in the spec).
  const run: ContainerRun = { spec: base, env: { A: "1" } };
  t.is(specHash(run), specHash({ spec: { ...base, ...parseContainerSecurity({}) }, env: { A: "1" } }));
  t.not(specHash(run), specHash({ spec: { ...base, pidsLimit: 100 }, env: { A: "1" } }));
});

/** `docker inspect` of a container made from `spec` (what the engine reports back), then changed by `over`. */
const inspectOf = (spec: ContainerSpec, over: { Config?: object; HostConfig?: object } = {}) => {
  const o = createOptions({ spec, env: {} });
  return {
    Id: "c1",
    Name: "/web",
    Image: "sha256:img",
    State: { Running: true, Status: "running" },
    Config: { Image: spec.image, Labels: o.Labels, User: o.User ?? "", Env: [], ...over.Config },
    HostConfig: { ...o.HostConfig, ...over.HostConfig },
    NetworkSettings: { Networks: { bridge: {} } },
  } as unknown as Docker.ContainerInspectInfo;
};

const driftRows: [string, ContainerSpec, Parameters<typeof inspectOf>[1], string[]][] = [
  ["as made: nothing", hardened, {}, []],
  ["as made without security settings: nothing", base, {}, []],
  [
    "recreated by hand without --read-only",
    hardened,
    { HostConfig: { ReadonlyRootfs: false } },
    ["container web: readOnlyRootFilesystem is false on the host, declared true"],
  ],
  ["another user", hardened, { Config: { User: "" } }, ['container web: user is not set on the host, declared "101"']],
  [
    "capabilities given back",
    hardened,
    { HostConfig: { CapDrop: null, CapAdd: ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"] } },
    ['container web: capDrop is not set on the host, declared ["ALL"]'],
  ],
  [
    "capabilities reported with CAP_ and in another order: the same",
    hardened,
    { HostConfig: { CapAdd: ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"] } },
    [],
  ],
  [
    "no-new-privileges and the AppArmor profile gone",
    hardened,
    { HostConfig: { SecurityOpt: null } },
    [
      "container web: noNewPrivileges is not set on the host, declared true",
      'container web: securityOpt is not set on the host, declared ["apparmor=docker-default"]',
    ],
  ],
  [
    "no-new-privileges as docker run writes it",
    hardened,
    { HostConfig: { SecurityOpt: ["apparmor=docker-default", "no-new-privileges"] } },
    [],
  ],
  [
    "PIDs limit lifted with docker update",
    hardened,
    { HostConfig: { PidsLimit: 0 } },
    ["container web: pidsLimit is not set on the host, declared 100"],
  ],
  [
    "a tmpfs with other options, one missing",
    hardened,
    { HostConfig: { Tmpfs: { "/tmp": "rw,size=1g" } } },
    [
      'container web: tmpfs /tmp is "rw,size=1g" on the host, declared "rw,size=8m"',
      'container web: tmpfs /var/run is not set on the host, declared ""',
    ],
  ],
  [
    "another ulimit",
    hardened,
    { HostConfig: { Ulimits: [{ Name: "nofile", Soft: 1, Hard: 1 }] } },
    ['container web: ulimit nofile is "1:1" on the host, declared "1024:2048"'],
  ],
  [
    "made privileged by hand, never declared",
    base,
    { HostConfig: { Privileged: true } },
    ["container web: privileged is true on the host, declared false"],
  ],
  [
    "the port published on every address instead of 127.0.0.1",
    base,
    { HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } } },
    ["container web: port 8080/tcp is published on every address on the host, declared 127.0.0.1"],
  ],
  [
    "a port declared on every address published on 0.0.0.0: the same",
    { ...base, ports: [{ containerPort: 80, hostPort: 8080, protocol: "tcp" }] },
    { HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }] } } },
    [],
  ],
];

for (const [label, spec, over, want] of driftRows) {
  test(`security drift: ${label}`, (t) => {
    const info = inspectOf(spec, over);
    t.deepEqual(securityDrift(spec, info), want);
    // Refresh records the same reasons (the label still says the container was made as declared).
    t.deepEqual(containerDrift({ spec, env: {} }, "c1", info), want);
    // And `up` makes a container that differs again; one that does not is kept.
    const plan = planContainerUpdate(
      { spec, env: {}, containerId: "c1" },
      { spec, env: {} },
      { id: "c1", running: true, status: "running", managed: true, specHash: specHash({ spec, env: {} }) },
      undefined,
      securityDrift(spec, info),
    );
    t.is(plan.kind, want.length ? "recreate" : "inPlace");
  });
}

test("read back: a container's security settings as the spec would declare them (import), the image's own user left out", (t) => {
  const info = inspectOf(hardened, { Config: { User: "101" } });
  t.deepEqual(securityOf(info as never), {
    user: "101",
    readOnlyRootFilesystem: true,
    capAdd: ["CHOWN", "NET_BIND_SERVICE"],
    capDrop: ["ALL"],
    noNewPrivileges: true,
    securityOpt: ["apparmor=docker-default"],
    pidsLimit: 100,
    tmpfs: { "/tmp": "rw,size=8m", "/var/run": "" },
    ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
  });
  t.deepEqual(securityOf(inspectOf(base, { Config: { User: "nginx" } }) as never, { User: "nginx" }), {});
  const adopted = containerRunOf(inspectOf(hardened), {}, 60);
  for (const k of [
    "user",
    "readOnlyRootFilesystem",
    "capAdd",
    "capDrop",
    "noNewPrivileges",
    "securityOpt",
    "pidsLimit",
    "tmpfs",
    "ulimits",
  ] as const)
    t.deepEqual(adopted.spec[k], hardened[k], k);
  t.deepEqual(adopted.spec.ports, hardened.ports);
});

// --- the hardened profile ---

test("DaemonConfig profile hardened: its keys, each overridden by an explicit setting, the log keys together", (t) => {
  t.deepEqual(daemonSettingsFrom({ profile: "hardened" }), {
    icc: false,
    "no-new-privileges": true,
    "live-restore": true,
    "userland-proxy": false,
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "5" },
  });
  t.deepEqual(daemonSettingsFrom({ profile: "hardened" }), { ...HARDENED_DAEMON_SETTINGS });
  t.deepEqual(daemonSettingsFrom({}), {}, "no profile: nothing");
  t.deepEqual(daemonSettingsFrom({ profile: "none", liveRestore: true }), { "live-restore": true });
  const over = daemonSettingsFrom({ profile: "hardened", liveRestore: false, settings: { icc: true }, logDriver: "journald" });
  t.is(over["live-restore"], false, "a typed argument wins");
  t.is(over.icc, true, "a settings key wins");
  t.is(over["log-driver"], "journald");
  t.false("log-opts" in over, "json-file's options are not given to another driver");
  t.is(over["no-new-privileges"], true, "the keys not overridden stay");
  t.deepEqual(daemonSettingsFrom({ usernsRemap: "default", authorizationPlugins: ["opa-docker-authz"] }), {
    "userns-remap": "default",
    "authorization-plugins": ["opa-docker-authz"],
  });
  t.false("userns-remap" in daemonSettingsFrom({ profile: "hardened" }), "user namespaces are offered, not forced");
  for (const [args, message] of [
    [{ profile: "strict" }, 'profile must be hardened or none (got "strict")'],
    [{ usernsRemap: "Root;x" }, "usernsRemap must be default or a user name"],
    [{ authorizationPlugins: ["a b"] }, "authorizationPlugins[0] must be a driver name"],
    [{ usernsRemap: "default", settings: { "userns-remap": "x" } }, "settings.userns-remap is also given as usernsRemap"],
  ] as const) {
    const e = t.throws(() => daemonSettingsFrom(args as Parameters<typeof daemonSettingsFrom>[0]), { instanceOf: InvalidArgumentError });
    t.true(e!.reason.startsWith(message), e!.reason);
  }
});

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const fleetFile = (top: string, container: string, daemon = "") => `${top}
defaults:
  privateKey: { config: sshKey }
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ${KEY}
${daemon ? `    daemon:\n${daemon.replace(/^/gm, "      ")}\n` : ""}  - name: web2
    address: 10.0.0.2
    hostKey: ${KEY}
containers:
  - name: web
    image: nginx:1.25
    on: all
${container.replace(/^/gm, "    ")}
`;
const argsOf = (text: string) => fleetArgs(parseFleet(text, "f.yaml"), { fleet: "t", config: () => "k", baseDir: "/srv", file: "f.yaml" });
function problemsOf(text: string): string[] {
  try {
    parseFleet(text, "f.yaml");
  } catch (e) {
    if (e instanceof FleetFileError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

test("fleet profile hardened: every host's daemon takes it unless its own names one; containers take its defaults key by key", (t) => {
  const a = argsOf(
    fleetFile("profile: hardened", 'ports: ["127.0.0.1:8080:80"]\npidsLimit: 64\ncapAdd: [NET_BIND_SERVICE]', "profile: none"),
  );
  t.is(a.hosts[0].daemon?.profile, "none", "a host's own profile wins");
  t.is(a.hosts[1].daemon?.profile, "hardened");
  t.like(a.containers[0], {
    noNewPrivileges: true,
    capDrop: ["ALL"],
    capAdd: ["NET_BIND_SERVICE"],
    pidsLimit: 64,
  });
  const d = HARDENED_CONTAINER_DEFAULTS;
  t.like(argsOf(fleetFile("profile: hardened", "restartPolicy: always")).containers[0], {
    noNewPrivileges: d.noNewPrivileges,
    capDrop: [...d.capDrop],
    capAdd: [...d.capAdd],
    pidsLimit: d.pidsLimit,
  });
  // Without the profile: only what the container sets, no daemon profile.
  const plain = argsOf(fleetFile("", "readOnlyRootFilesystem: true\ntmpfs: { /tmp: '' }"));
  t.like(plain.containers[0], { readOnlyRootFilesystem: true, tmpfs: { "/tmp": "" } });
  t.is(plain.containers[0].capDrop, undefined);
  t.is(plain.hosts[0].daemon?.profile, undefined);
});

test("fleet profile: a hardened file passes its checks; bad security settings are refused with the field named", (t) => {
  t.deepEqual(
    problemsOf(
      fleetFile(
        "profile: hardened",
        'readOnlyRootFilesystem: true\ntmpfs: { /var/cache/nginx: "", /var/run: "", /tmp: "rw,noexec,nosuid,size=64m" }\nsecurityOpt: [apparmor=docker-default]\nulimits: [{ name: nofile, soft: 1024 }]',
      ),
    ),
    [],
  );
  t.deepEqual(problemsOf(fleetFile("profile: hardened", "capDrop: [CHOWN]")), [
    "containers[0].capAdd[0]: is also in capDrop: give CHOWN in one of them",
  ]);
  t.deepEqual(problemsOf(fleetFile("", "capAdd: [NET_BIND_SERVIC]")), [
    'containers[0].capAdd[0]: is not a Linux capability (got "NET_BIND_SERVIC"); did you mean NET_BIND_SERVICE?',
  ]);
  t.true(problemsOf(fleetFile("", "user: 'a b'"))[0].startsWith("containers[0].user: must be a user name or uid"));
  t.true(problemsOf(fleetFile("", "securityOpt: ['seccomp=/x.json']"))[0].startsWith("containers[0].securityOpt[0]: must be apparmor="));
  t.is(problemsOf(fleetFile("", "privileged: true")).length, 1, "privileged is no key of a fleet file");
  t.deepEqual(problemsOf(fleetFile("profile: strict", "")).length, 1);
  t.deepEqual(problemsOf(fleetFile("", "", "profile: hardened\nusernsRemap: default\nauthorizationPlugins: [authz]")), []);
});
