import { shq } from "./shell";

/** Marks the start of a named section in a probe's output: `@@dockyard@@ <name>` on its own line. */
export const SECTION = "@@dockyard@@";

/** `echo` of a section marker, for probe scripts. The name is quoted: it may carry a value (a user name). */
export function sectionMarker(name: string): string {
  return `echo ${shq(`${SECTION} ${name}`)}`;
}

/** Splits a probe's output into its sections (name -> text), so parsers never depend on order. */
export function parseSections(output: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let current: string | undefined;
  for (const line of output.split("\n")) {
    if (line.startsWith(SECTION + " ")) {
      current = line.slice(SECTION.length + 1).trim();
      sections[current] = "";
    } else if (current !== undefined) {
      sections[current] += line + "\n";
    }
  }
  return sections;
}
