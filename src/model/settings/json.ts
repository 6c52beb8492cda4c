// A declared default as the docs (and JSDoc @default) show it, from the one constant that holds it.

/** A value as JSON: `22`, `"root"`. */
export const json = (v: string | number | boolean): string => JSON.stringify(v);

/** A list as the docs show it: `["x86_64", "aarch64"]`. */
export const jsonList = (v: readonly string[]): string => `[${v.map((x) => JSON.stringify(x)).join(", ")}]`;
