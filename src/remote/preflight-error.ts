import { RemoteError } from "./errors";

/** The host does not satisfy the preflight policy; nothing was changed on it. */
export class PreflightError extends RemoteError {
  static override readonly defaultCode = "DOCKYARD_PREFLIGHT_FAILED" as const;
}
