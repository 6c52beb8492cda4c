import { sha256Problem } from "../model/image-archive";
import { shq } from "../model/shell";
import { script } from "./shell";

/** Where image archives are kept on the host, so a later run loads again without uploading. */
export const IMAGE_ARCHIVE_DIR = "/var/lib/dockyard/images";

/** The kept archive's path: named by its sha256 only, so no user text reaches the host's shell. */
export function archivePathOnHost(sha256: string): string {
  const bad = sha256Problem(sha256);
  if (bad) throw new Error(`archive sha256 ${bad}`);
  return `${IMAGE_ARCHIVE_DIR}/image-${sha256}.tar`;
}

/** Prints the sha256 of the kept archive, or nothing when the host does not have it. */
export function renderArchiveCheck(sha256: string): string {
  const file = shq(archivePathOnHost(sha256));
  return script(`if [ -f ${file} ]; then sha256sum ${file} | cut -d' ' -f1; fi`);
}

/** `docker load` from the kept archive (the engine reads it on the host: nothing crosses SSH). */
export function renderArchiveLoad(sha256: string): string {
  return script(`docker load -q -i ${shq(archivePathOnHost(sha256))}`);
}

/** Removes the kept archive (on destroy). */
export function renderArchiveRemove(sha256: string): string {
  return script(`rm -f ${shq(archivePathOnHost(sha256))}`);
}
