import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import { DockyardError } from "../model/error-codes";
import { ArchiveFormatError, type ArchiveImage, archiveImageFor, archiveImages } from "../model/image-archive";
import { sha256OfFile } from "./bundle-cache";

/** Archive members worth reading for the manifest: JSON files are small; layers are not read. */
const SMALL = 4 * 1024 * 1024;
const WANTED = /^(manifest\.json|index\.json|blobs\/sha256\/[0-9a-f]{64}|[0-9a-f]{64}\.json)$/;

/** The small files of a tar archive (manifest.json, index.json, JSON blobs), by name. */
export async function archiveFiles(file: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  ex.on("entry", (header, stream, next) => {
    const name = header.name.replace(/^\.\//, "");
    if (header.type !== "file" || !WANTED.test(name) || (header.size ?? 0) > SMALL) {
      stream.on("end", next);
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const body = Buffer.concat(chunks);
      // A layer that happens to be small is not JSON: only what parses as an object is kept.
      if (body[0] === 0x7b || body[0] === 0x5b) files.set(name, body);
      next();
    });
  });
  await pipeline(createReadStream(file), ex);
  return files;
}

/** What a checked local archive is: its file, sha256 and the image it holds under the reference. */
export interface CheckedArchive {
  file: string;
  sha256: string;
  image: ArchiveImage;
}

/** Checked once per file, size and mtime in the provider process: one run hashes an archive once, however many hosts. */
const checkedArchives = new Map<string, Promise<CheckedArchive>>();

/**
 * Checks a local archive before any host sees it: it exists, its sha256 is the one given, it is
 * a `docker save` or OCI archive, and it names `ref`.
 */
export function checkedArchive(file: string, sha256: string, ref: string, shown = file): Promise<CheckedArchive> {
  if (!existsSync(file)) throw new DockyardError("DOCKYARD_IMAGE_ARCHIVE_INVALID", `image archive ${shown} does not exist`);
  const st = statSync(file);
  const key = JSON.stringify([file, st.size, st.mtimeMs, sha256, ref]);
  let got = checkedArchives.get(key);
  if (!got) {
    got = check(file, sha256, ref, shown);
    checkedArchives.set(key, got);
    got.catch(() => checkedArchives.delete(key));
  }
  return got;
}

async function check(file: string, sha256: string, ref: string, shown: string): Promise<CheckedArchive> {
  const actual = await sha256OfFile(file);
  if (actual !== sha256)
    throw new DockyardError(
      "DOCKYARD_IMAGE_ARCHIVE_INVALID",
      `image archive ${shown} has sha256 ${actual}, not the sha256 given (${sha256})`,
    );
  let images: ArchiveImage[];
  try {
    images = archiveImages(await archiveFiles(file));
  } catch (e) {
    const why = e instanceof ArchiveFormatError ? e.message : `it is not a tar archive (${(e as Error).message})`;
    throw new DockyardError("DOCKYARD_IMAGE_ARCHIVE_INVALID", `image archive ${shown} cannot be read: ${why}`);
  }
  const image = archiveImageFor(images, ref);
  if (!image) {
    const names = images.flatMap((i) => i.tags);
    throw new DockyardError(
      "DOCKYARD_IMAGE_ARCHIVE_INVALID",
      `image archive ${shown} does not hold ${ref}: it holds ${names.length ? names.join(", ") : "no tagged image"}`,
    );
  }
  return { file, sha256, image };
}

/** What one archive of a directory holds (or why it cannot be read). */
interface DirectoryEntry {
  file: string;
  images: ArchiveImage[];
  unreadable?: string;
}

/** The archives of a directory read once per listing (names, sizes, times) in the provider process. */
const directoryIndexes = new Map<string, Promise<DirectoryEntry[]>>();
const fileHashes = new Map<string, Promise<string>>();

async function readEntry(file: string): Promise<DirectoryEntry> {
  try {
    return { file, images: archiveImages(await archiveFiles(file)) };
  } catch (e) {
    return { file, images: [], unreadable: e instanceof ArchiveFormatError ? e.message : `not a tar archive (${(e as Error).message})` };
  }
}

/**
 * The archive of a directory here (`*.tar`: `docker save` or OCI archives, not searched below it)
 * that names `ref`, for a controller copy without a registry. Its sha256 is computed here: the host
 * checks the upload against it, and `docker load` checks the layers against the manifest.
 */
export async function archiveInDirectory(dir: string, ref: string): Promise<CheckedArchive> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DockyardError("DOCKYARD_IMAGE_ARCHIVE_INVALID", `image archive directory ${dir} does not exist or is not a directory`);
  const files = readdirSync(dir)
    .filter((n) => n.endsWith(".tar"))
    .sort()
    .map((n) => path.join(dir, n))
    .filter((f) => statSync(f).isFile());
  const key = JSON.stringify(files.map((f) => [f, statSync(f).size, statSync(f).mtimeMs]));
  let index = directoryIndexes.get(key);
  if (!index) {
    index = Promise.all(files.map(readEntry));
    directoryIndexes.set(key, index);
  }
  const entries = await index;
  const found = entries.flatMap((e) => {
    const image = archiveImageFor(e.images, ref);
    return image ? [{ file: e.file, image }] : [];
  });
  if (!found.length) {
    const held = entries.map(
      (e) => `${path.basename(e.file)}: ${e.unreadable ?? (e.images.flatMap((i) => i.tags).join(", ") || "no tagged image")}`,
    );
    throw new DockyardError(
      "DOCKYARD_IMAGE_ARCHIVE_INVALID",
      `no image archive in ${dir} names ${ref}${held.length ? ` (${held.join("; ")})` : ": it has no *.tar file"}`,
    );
  }
  const ids = new Set(found.map((f) => f.image.configDigest));
  if (ids.size > 1)
    throw new DockyardError(
      "DOCKYARD_IMAGE_ARCHIVE_INVALID",
      `image archives in ${dir} name ${ref} for different images: ${found.map((f) => `${path.basename(f.file)} (${f.image.configDigest.slice(0, 19)})`).join(", ")}`,
    );
  const { file, image } = found[0];
  const st = statSync(file);
  const hashKey = JSON.stringify([file, st.size, st.mtimeMs]);
  let sha = fileHashes.get(hashKey);
  if (!sha) {
    sha = sha256OfFile(file);
    fileHashes.set(hashKey, sha);
  }
  return { file, sha256: await sha, image };
}
