import { createReadStream } from "node:fs";
import * as path from "node:path";
import { RemoteError } from "./errors";
import { shq } from "../model/shell";
import type { SshSession } from "./ssh-session";

/**
 * Puts a local file on the host at `remotePath` unless a file with the same sha256 is there
 * already. Writes to a temporary name, checks the checksum on the host, then renames, so a cut
 * connection never leaves a partial file under the final name. Creates parent directories.
 */
export async function uploadFile(
  session: SshSession,
  localPath: string,
  remotePath: string,
  sha256: string,
): Promise<{ uploaded: boolean }> {
  const q = shq(remotePath);
  const existing = await session.exec(`sha256sum ${q} 2>/dev/null | cut -d' ' -f1`, { allowFailure: true });
  if (existing.stdout.trim() === sha256) return { uploaded: false };
  const tmp = shq(`${remotePath}.dockyard-upload`);
  await session.exec(`mkdir -p ${shq(path.posix.dirname(remotePath))} && cat > ${tmp}`, {
    stdin: createReadStream(localPath),
    what: `uploading ${path.basename(localPath)}`,
  });
  const got = (await session.exec(`sha256sum ${tmp} | cut -d' ' -f1`)).stdout.trim();
  if (got !== sha256) {
    await session.exec(`rm -f ${tmp}`, { allowFailure: true });
    throw new RemoteError(
      session.target,
      `upload of ${path.basename(localPath)} arrived with sha256 ${got}, expected ${sha256}`,
      "DOCKYARD_UPLOAD_FAILED",
    );
  }
  await session.exec(`mv -f ${tmp} ${q}`);
  return { uploaded: true };
}
