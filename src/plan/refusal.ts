import type { DockyardErrorCode } from "../model/error-codes";

/**
 * A plan that will not go ahead: what the user reads, and the steps that put back what the run
 * had already changed (a refused install changes nothing on the host). The provider runs the
 * undo steps, then throws the message as the error it always threw.
 */
export interface Refusal<Step = never> {
  kind: "refusal";
  /** The stable code the provider's error carries (src/model/error-codes.ts). */
  code: DockyardErrorCode;
  message: string;
  undo: Step[];
}

export function refuse<Step = never>(code: DockyardErrorCode, message: string, undo: Step[] = []): Refusal<Step> {
  return { kind: "refusal", code, message, undo };
}

export function isRefusal<Step>(x: unknown): x is Refusal<Step> {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "refusal";
}
