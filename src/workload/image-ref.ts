// Re-export for src/fleet/fleet.ts only, until it imports ../model/image-ref; nothing else may use it.
export { parseImageRef } from "../model/image-ref";
