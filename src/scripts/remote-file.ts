// The shell of a file Dockyard owns on a host (certificates, htpasswd). The content travels on
// stdin, never in the script; the path and mode are quoted with `shq` (and checked to
// HOST_VALUES.absolutePath and fileMode by the component and the provider), and `--` ends the
// options so no value is read as one.
import { shq } from "../model/shell";

/** Writes stdin to `path` atomically: a 0600 temporary file beside it, its mode set, then renamed. */
export function renderFileWrite(path: string, mode: string): string {
  const p = shq(path);
  const tmp = shq(`${path}.dockyard-new`);
  return `mkdir -p -- "$(dirname -- ${p})" && umask 077 && cat > ${tmp} && chmod -- ${shq(mode)} ${tmp} && mv -f -- ${tmp} ${p}`;
}

/** Prints the file's sha256 (nothing when it is missing). */
export function renderFileSha(path: string): string {
  return `sha256sum -- ${shq(path)} 2>/dev/null | cut -d' ' -f1`;
}

/** Removes the file (nothing when it is missing). */
export function renderFileRemove(path: string): string {
  return `rm -f -- ${shq(path)}`;
}
