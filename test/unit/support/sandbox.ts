// Runs a rendered script against a throwaway root: busybox for the shell and coreutils, stubs that
// only log their arguments for every command that would change a real machine (docker, systemctl,
// package managers, user and group tools, curl, nc), no network (`unshare -n`), and the root seen
// through `chroot`. What the script changed is the difference of the tree before and after.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const APPLETS = [
  "mkdir",
  "cat",
  "chmod",
  "mv",
  "rm",
  "dirname",
  "sha256sum",
  "cut",
  "tr",
  "grep",
  "touch",
  "ls",
  "printf",
  "echo",
  "timeout",
  "sleep",
  "cp",
  "ln",
  "chown",
  "tee",
  "head",
  "sed",
  "true",
  "false",
  "test",
  "[",
  "env",
  "uname",
  "mktemp",
  "wc",
];
/** Commands that would change or reach a real machine: logged, never run. */
export const STUBS = [
  "id",
  "getent",
  "gpasswd",
  "groupadd",
  "useradd",
  "nc",
  "docker",
  "dockerd",
  "systemctl",
  "apt-get",
  "apt-key",
  "dpkg",
  "yum",
  "dnf",
  "rpm",
  "curl",
  "wget",
  "gpg",
  "tar",
  "bash",
];
const LOG = "/.stub.log";
const SCRIPT = "/.script.sh";
const SEP = "\u001f";

export interface SandboxRun {
  status: number | null;
  /** Paths created, changed or removed (by content, mode or kind), sorted. */
  changed: string[];
  /** Each stub call: its name and arguments. */
  calls: string[][];
  stderr: string;
}

/** A root to run scripts in; `run` may be called many times (the tree is made fresh each time). */
export class Sandbox {
  private readonly base = mkdtempSync(path.join(tmpdir(), "dockyard-sandbox-"));
  private readonly template = path.join(this.base, "template");
  private n = 0;
  private readonly before: Map<string, string>;

  constructor() {
    const bin = path.join(this.template, "bin");
    const stub = path.join(this.template, "stub");
    for (const d of [bin, stub, "etc", "tmp", "srv", "var/lib", "etc/docker", "etc/yum.repos.d", "etc/apt/sources.list.d"])
      mkdirSync(path.isAbsolute(d) ? d : path.join(this.template, d), { recursive: true });
    copyFileSync("/usr/bin/busybox", path.join(bin, "busybox"));
    for (const a of APPLETS) symlinkSync("busybox", path.join(bin, a));
    // The shell is the host's dash (what /bin/sh is on Debian and Ubuntu hosts), with its libraries:
    // busybox's own shell would run its built-in applets (id, nc, tar) instead of the stubs.
    for (const f of ["/bin/dash", ...sharedLibraries("/bin/dash")]) {
      mkdirSync(path.join(this.template, path.dirname(f)), { recursive: true });
      copyFileSync(f, path.join(this.template, f));
    }
    chmodSync(path.join(this.template, "bin/dash"), 0o755);
    for (const s of STUBS) {
      const f = path.join(stub, s);
      // Every argument on one line, separated by U+001F: a newline inside an argument stays inside it.
      writeFileSync(
        f,
        `#!/bin/sh\nfor a in "$(basename "$0")" "$@"; do printf '%s\\037' "$a"; done >> ${LOG}\nprintf '\\036' >> ${LOG}\nexit 0\n`,
      );
      chmodSync(f, 0o755);
    }
    symlinkSync("busybox", path.join(bin, "basename"));
    symlinkSync("dash", path.join(bin, "sh"));
    // install(1) as the scripts use it (`install -d -m 0700 dir`, `install -m 0644 src dst`), run for real.
    writeFileSync(
      path.join(bin, "install"),
      '#!/bin/sh\nd=; m=\nwhile [ $# -gt 0 ]; do case "$1" in -d) d=1;; -m) m=$2; shift;; -*) ;; *) break;; esac; shift; done\nif [ -n "$d" ]; then mkdir -p -- "$@" && { [ -z "$m" ] || chmod -- "$m" "$@"; }; else cp -- "$1" "$2" && { [ -z "$m" ] || chmod -- "$m" "$2"; }; fi\n',
    );
    chmodSync(path.join(bin, "install"), 0o755);
    writeFileSync(path.join(this.template, "etc/os-release"), 'ID=debian\nVERSION_ID="12"\n');
    mkdirSync(path.join(this.template, "dev"));
    writeFileSync(path.join(this.template, "dev/null"), "");
    this.before = snapshot(this.template);
  }

  /** Runs `script` with `stdin` in a fresh copy of the root. */
  run(script: string, stdin = ""): SandboxRun {
    const root = path.join(this.base, `run-${this.n++}`);
    const script_ = path.join(this.base, `script-${this.n}.sh`);
    writeFileSync(script_, script);
    // One process per run, in its own user, network and mount namespaces: the root is made from
    // the template (the programs, large and read only, as hard links; the rest copied), the script
    // put in, the host's /dev/null bound in (nothing else is), then the script runs chrooted.
    const setup = [
      'mkdir "$1"',
      'for e in "$3"/*; do case "${e##*/}" in bin|lib|lib64|usr|stub) cp -al "$e" "$1/";; *) cp -a "$e" "$1/";; esac; done',
      `cp "$2" "$1${SCRIPT}"`,
      'mount --bind /dev/null "$1/dev/null"',
      `exec chroot "$1" /bin/env -i PATH=/stub:/bin HOME=/tmp LC_ALL=C /bin/sh ${SCRIPT}`,
    ].join(" && ");
    const r = spawnSync("unshare", ["-r", "-n", "-m", "/bin/sh", "-c", setup, "sandbox", root, script_, this.template], {
      input: stdin,
      timeout: 10_000,
      encoding: "utf8",
    });
    // The sandbox itself must have run the script: a missing tool would make every check vacuous.
    if (r.error || /^(unshare|chroot|mount|sandbox|cp|mkdir):/m.test(r.stderr ?? ""))
      throw new Error(`the sandbox did not run: ${r.error?.message ?? r.stderr}`);
    const before = this.before;
    const after = snapshot(root);
    let log = "";
    try {
      log = readFileSync(path.join(root, LOG), "utf8");
    } catch {
      // No stub was called.
    }
    rmSync(root, { recursive: true, force: true });
    rmSync(script_, { force: true });
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
    const calls = log
      .split("\u001e")
      .filter(Boolean)
      .map((l) => l.split(SEP).slice(0, -1));
    return { status: r.status, changed, calls, stderr: r.stderr ?? "" };
  }

  dispose(): void {
    rmSync(this.base, { recursive: true, force: true });
  }
}

/** The libraries a program loads, as `ldd` lists them. */
function sharedLibraries(program: string): string[] {
  const out = spawnSync("ldd", [program], { encoding: "utf8" }).stdout ?? "";
  return [...out.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]);
}

/** Every path under root (without the log and the script) with its kind, mode and content hash. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const todo = ["/"];
  while (todo.length) {
    const rel = todo.pop()!;
    for (const name of readdirSync(path.join(root, rel))) {
      const p = path.posix.join(rel, name);
      if (p === LOG || p === SCRIPT) continue;
      const full = path.join(root, p);
      const st = lstatSync(full);
      if (st.isDirectory()) {
        out.set(p, `d ${st.mode}`);
        todo.push(p);
      } else if (st.isSymbolicLink()) out.set(p, "l");
      // busybox (the only large file) by size: it is never written by a script under test.
      else if (st.size > 1 << 20) out.set(p, `f ${st.mode} ${st.size}`);
      else out.set(p, `f ${st.mode} ${createHash("sha256").update(readFileSync(full)).digest("hex")}`);
    }
  }
  return out;
}
