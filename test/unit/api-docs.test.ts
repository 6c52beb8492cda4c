import * as path from "node:path";
import test from "ava";
import ts from "typescript";

const REPO = path.resolve(__dirname, "..", "..");

/**
 * Every argument of the public API is documented the way the README promises: a JSDoc comment
 * with an @example, and @default on every optional one (the comment is the API reference).
 */
test("every public argument has JSDoc with @example, and @default when optional", (t) => {
  const program = ts.createProgram([path.join(REPO, "src", "index.ts")], {
    strict: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
  });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.join(REPO, "src", "index.ts"))!;
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!);
  const missing: string[] = [];
  let checkedProps = 0;
  for (const sym of exported) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    // Argument shapes only; EcrCredentials is an output.
    if (
      !(target.flags & ts.SymbolFlags.Interface) ||
      !/(Args|Policy|Credentials|User|Tls|Port)$/.test(target.name) ||
      target.name === "EcrCredentials"
    )
      continue;
    for (const decl of target.declarations ?? []) {
      if (!ts.isInterfaceDeclaration(decl) || !decl.getSourceFile().fileName.startsWith(path.join(REPO, "src"))) continue;
      for (const member of decl.members) {
        if (!ts.isPropertySignature(member)) continue;
        checkedProps++;
        const where = `${target.name}.${member.name.getText()}`;
        const tags = ts.getJSDocTags(member).map((tag) => tag.tagName.text);
        const hasDoc = ts.getJSDocCommentsAndTags(member).length > 0;
        if (!hasDoc) missing.push(`${where}: no JSDoc`);
        else {
          if (!tags.includes("example")) missing.push(`${where}: no @example`);
          if (member.questionToken && !tags.includes("default")) missing.push(`${where}: optional without @default`);
        }
      }
    }
  }
  t.true(checkedProps > 100, `checked ${checkedProps} arguments`);
  t.deepEqual(missing, []);
});
