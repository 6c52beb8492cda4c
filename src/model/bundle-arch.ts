import { invalid } from "./input-error";

/**
 * The architectures Docker publishes static bundles for, by the folder names of
 * `download.docker.com/linux/static/<channel>/<arch>/`: what `bundles` is keyed by.
 */
export const BUNDLE_ARCHITECTURES = ["x86_64", "aarch64", "armhf", "armel", "ppc64le", "s390x"] as const;
export type BundleArchitecture = (typeof BUNDLE_ARCHITECTURES)[number];

// `uname -m` names (and the Debian/Go names people also write) per bundle folder. A 32-bit ARMv7
// kernel says armv7l; an ARMv8 CPU running a 32-bit kernel says armv8l, and runs armhf binaries.
const UNAME: Record<string, BundleArchitecture> = {
  x86_64: "x86_64",
  amd64: "x86_64",
  aarch64: "aarch64",
  arm64: "aarch64",
  armv7l: "armhf",
  armv8l: "armhf",
  armhf: "armhf",
  armv6l: "armel",
  armel: "armel",
  ppc64le: "ppc64le",
  s390x: "s390x",
};

/** The bundle folder a machine of this `uname -m` runs (undefined: Docker publishes none for it). */
export function bundleArchOf(unameM: string): BundleArchitecture | undefined {
  return UNAME[unameM.trim().toLowerCase()];
}

/** Refuses a `bundles` key that is not one of Docker's bundle architectures; names the field. */
export function checkBundleArchitecture(path: string, arch: string): void {
  if (!(BUNDLE_ARCHITECTURES as readonly string[]).includes(arch)) {
    invalid(
      path,
      `is not an architecture Docker publishes bundles for (one of ${BUNDLE_ARCHITECTURES.join(", ")}; got ${JSON.stringify(arch)})`,
    );
  }
}
