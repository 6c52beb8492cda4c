import { existsSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { anchors, headingSlugs, links, markdownPages, read, REPO } from "./support/markdown";

/** Links of `page` (repository-relative) whose file or heading does not exist, as `page:line: target`. */
function brokenLinks(page: string, text: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of links(text)) {
    if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const [file, anchor] = target.split("#", 2);
    const resolved = file ? path.join(path.dirname(page), decodeURI(file)) : page;
    const ok = file ? existsSync(path.join(REPO, resolved)) : true;
    const anchorOk = !anchor || !resolved.endsWith(".md") || !ok || anchors(resolved === page ? text : read(resolved)).has(anchor);
    if (!ok || !anchorOk) broken.push(`${page}:${line}: ${target}`);
  }
  return broken;
}

test("relative links between README.md, CONTRIBUTING.md and docs/ resolve, headings included", (t) => {
  const pages = markdownPages();
  t.true(pages.includes("README.md") && pages.includes("CONTRIBUTING.md") && pages.includes("docs/testing.md"), pages.join(", "));
  t.deepEqual(
    pages.flatMap((p) => brokenLinks(p, read(p))),
    [],
  );
});

test("every heading of the README and the reference pages has its own anchor, so links to a section land on it", (t) => {
  // GitHub makes a repeated heading's anchor #x-1, so links to #x would land on the first one.
  for (const page of ["README.md", "docs/fleet-files.md", "docs/reference.md", "docs/components.md"]) {
    const slugs = headingSlugs(read(page));
    t.deepEqual(
      slugs.filter((s, i) => slugs.indexOf(s) !== i),
      [],
      `${page}: headings sharing an anchor`,
    );
  }
  t.true(anchors(read("docs/fleet-files.md")).has("host") && anchors(read("docs/fleet-files.md")).has("configref"));
  t.true(anchors(read("docs/reference.md")).has("host") && anchors(read("docs/reference.md")).has("container-resource"));
});

test("the check fails on a missing page, a missing heading and a missing file", (t) => {
  const text =
    "# Top\n\n[ok](#top) [a](nope.md) [b](#nowhere) [c](CONTRIBUTING.md#no-such-heading) [d](../package.json) [e](https://example.com/x)\n\n```\n[in code](gone.md)\n```\n";
  t.deepEqual(brokenLinks("docs/x.md", text), [
    "docs/x.md:3: nope.md",
    "docs/x.md:3: #nowhere",
    "docs/x.md:3: CONTRIBUTING.md#no-such-heading",
  ]);
});
