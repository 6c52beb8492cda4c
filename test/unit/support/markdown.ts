// Reading the project's Markdown pages as a checker sees them: fenced code blocks and links.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..", "..");

/** The pages a reader moves between: README.md, CONTRIBUTING.md and every docs/*.md there is. */
export function markdownPages(): string[] {
  const docs = existsSync(path.join(REPO, "docs"))
    ? readdirSync(path.join(REPO, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`)
    : [];
  return ["README.md", "CONTRIBUTING.md", ...docs.sort()].filter((p) => existsSync(path.join(REPO, p)));
}

export interface CodeBlock {
  /** The fence's info string, lower-cased: `ts`, `yaml`, `` (none). */
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Fenced (```) code blocks, in order. An unclosed fence is an error: it would swallow the page. */
export function codeBlocks(text: string, page = "page"): CodeBlock[] {
  const lines = text.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const close = new RegExp(`^\\s*${open[2]}\\s*$`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`${page}:${start + 1}: code fence is never closed`);
    blocks.push({ lang: open[3].toLowerCase(), code: body.join("\n") + "\n", line: start + 1 });
  }
  return blocks;
}

export const isTypeScript = (b: CodeBlock) => b.lang === "ts" || b.lang === "typescript";

export interface Link {
  target: string;
  line: number;
}

/** Inline Markdown links and images (`[text](target)`) outside code blocks and code spans. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  let fenced = false;
  text.split("\n").forEach((raw, i) => {
    if (/^\s*`{3,}/.test(raw)) fenced = !fenced;
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, "");
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: i + 1 });
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The slug of every heading outside code blocks, in order (repeats included). */
export function headingSlugs(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*`{3,}/.test(line)) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) out.push(slug(h[1]));
  }
  return out;
}

/** The anchors a page offers: one per heading, with GitHub's -1, -2 suffixes for repeats. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const base of headingSlugs(text)) {
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export const read = (page: string) => readFileSync(path.join(REPO, page), "utf8");
