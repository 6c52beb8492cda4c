// The generated reference (docs/reference.md) covers the whole schema: every component and
// resource kind of schema.json has its section with a Pulumi YAML example, and every example is a
// program the schema accepts. Whether the page is what `npm run gen:schema` writes is
// test/unit/schema.test.ts's check.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { parse } from "yaml";
import { examplesByName, exampleProgram, programYaml, resourceYaml } from "../../src/plugin/examples";
import { referenceMarkdown } from "../../src/plugin/reference";
import { anchors, codeBlocks, links } from "./support/markdown";
import { type PackageSchema, programProblems } from "./support/pulumi-yaml";

const REPO = path.resolve(__dirname, "..", "..");
const schema = JSON.parse(readFileSync(path.join(REPO, "schema.json"), "utf8")) as PackageSchema;
const onDisk = () => readFileSync(path.join(REPO, "docs", "reference.md"), "utf8");

/** The tokens of schema.json whose reference section is missing or has no YAML example declaring that token. */
function uncovered(page: string): string[] {
  const sections = page.split(/^### /m).slice(1);
  return Object.keys(schema.resources).filter((token) => {
    // A section says its token first: "### Host\n\n`dockyard:host:Host`: ...".
    const section = sections.find((s) => s.includes(`\n\`${token}\`:`));
    if (!section) return true;
    return !codeBlocks(section).some((b) => b.lang === "yaml" && b.code.includes(`type: ${token}\n`));
  });
}

test("every component and resource kind of schema.json has a reference section with a Pulumi YAML example", (t) => {
  const components = Object.entries(schema.resources).filter(([, r]) => r.isComponent).length;
  t.true(components >= 11 && Object.keys(schema.resources).length - components >= 16, "the schema has its components and kinds");
  t.deepEqual(uncovered(onDisk()), []);
  // The check sees a section without its example, and a token without a section.
  const page = onDisk();
  const host = page.indexOf("### Host\n");
  const next = page.indexOf("\n### ", host + 1);
  const withoutHostExample = page.slice(0, host) + page.slice(host, next).replace(/```yaml[\s\S]*?```/g, "") + page.slice(next);
  t.deepEqual(uncovered(withoutHostExample), ["dockyard:host:Host"]);
  t.deepEqual(uncovered(page.replace("### Certificate resource\n\n`dockyard:index:Certificate`:", "### Certificate resource\n\n")), [
    "dockyard:index:Certificate",
  ]);
});

test("the reference's contents reach every component, resource kind and type", (t) => {
  const page = referenceMarkdown();
  const contents = page.slice(page.indexOf("## Contents"), page.indexOf("## Components"));
  const targets = new Set(links(contents).map((l) => l.target));
  const have = anchors(page);
  for (const heading of page.split("\n").filter((l) => l.startsWith("### "))) {
    const slug = [...anchors(heading)][0];
    t.true(targets.has(`#${slug}`), `the contents link ${heading}`);
  }
  t.deepEqual(
    [...targets].filter((a) => !have.has(a.slice(1))),
    [],
    "every link of the contents lands on a heading",
  );
});

test("every example is a whole program the schema accepts, and its YAML reads back as the declared data", (t) => {
  const all = examplesByName();
  t.true(all.size >= 27);
  for (const [name, e] of all) {
    const program = programYaml(name, all);
    t.deepEqual(programProblems(program, schema, name), [], program);
    const parsed = parse(program) as { resources: Record<string, { type: string; properties?: unknown }> };
    t.deepEqual(
      Object.keys(parsed.resources),
      exampleProgram(name, all).resources.map((r) => r.example.name),
    );
    t.is(parsed.resources[name].type, e.token);
    t.deepEqual(parsed.resources[name].properties ?? {}, e.example.properties, `${name}: the YAML says what the data says`);
    t.deepEqual((parse(resourceYaml(e)) as typeof parsed).resources[name].properties ?? {}, e.example.properties);
  }
});

test("the program check names an unknown property, a missing required input, a reference of the wrong kind, an output of another type and an unknown output", (t) => {
  const program = `
name: bad
runtime: yaml
config:
  key:
    type: string
    secret: true
resources:
  web1:
    type: dockyard:host:Host
    properties:
      adress: 10.0.0.12
      privateKey: \${key}
  docker:
    type: dockyard:engine:DockerEngine
    properties:
      host: \${docker2}
      version: 25
  docker2:
    type: dockyard:engine:DockerEngine
    properties:
      host: \${web1}
  web:
    type: dockyard:workload:Container
    properties:
      engine: \${web1}
      name: web
      image: \${nowhere}
      ports: [80]
    options:
      dependsOn: ["\${ghost}"]
  other:
    type: dockyard:index:Nope
  motd:
    type: dockyard:index:RemoteFile
    properties:
      connection: \${web1.facts}
      credentials: \${web1.credentials}
      path: /etc/motd
      content: hello
      mode: "0644"
outputs:
  os: \${web1.facts.osName}
`;
  t.deepEqual(programProblems(program, schema, "bad"), [
    "bad: resources.web1.properties: adress is not a property the schema knows (it has " +
      Object.keys(schema.resources["dockyard:host:Host"].inputProperties as object).join(", ") +
      ")",
    "bad: resources.web1.properties: the required address is missing",
    "bad: resources.docker.properties.host: ${docker2} is a dockyard:engine:DockerEngine, where the schema takes dockyard:host:Host",
    "bad: resources.docker.properties.version: must be a string (got 25)",
    "bad: resources.web.properties.engine: ${web1} is a dockyard:host:Host, where the schema takes dockyard:engine:DockerEngine",
    "bad: resources.web.properties.image: ${nowhere} names no resource and no config key of the program",
    "bad: resources.web.properties.ports[0]: matches no shape the schema allows (bad: resources.web.properties.ports[0]: must be a string (got 80); bad: resources.web.properties.ports[0]: must be a map of containerPort, hostPort, hostIp, protocol)",
    'bad: resources.web.options.dependsOn: "${ghost}" is not a resource of the program',
    "bad: resources.other: dockyard:index:Nope is no resource or component of the schema",
    "bad: resources.motd.properties.connection: ${web1.facts} is #/types/dockyard:index:HostFacts, where the schema takes #/types/dockyard:index:ConnectionInputs",
    "bad: outputs.os: ${web1.facts.osName}: facts has no output osName",
  ]);
});
