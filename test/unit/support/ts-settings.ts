// Reads TypeScript interfaces (a component's Args, a provider's inputs, a plan's spec) as
// settings: each property's name, optionality, type (in the settings' own terms), JSDoc text,
// @default and @example. The schema test compares what it reads with src/model/settings/.
import ts from "typescript";
import type { SettingType } from "../../../src/model/settings/types";

/** One property as the TypeScript source declares it. */
export interface TsProperty {
  name: string;
  optional: boolean;
  type: SettingType;
  description: string;
  default?: string;
  example?: string;
}

/** Names of the classes that are Pulumi resources, by the token a reference to one takes. */
export type ResourceClasses = Record<string, string>;

const KEYWORDS: Partial<Record<ts.SyntaxKind, SettingType>> = {
  [ts.SyntaxKind.StringKeyword]: "string",
  [ts.SyntaxKind.NumberKeyword]: "number",
  [ts.SyntaxKind.BooleanKeyword]: "boolean",
  [ts.SyntaxKind.UnknownKeyword]: "any",
  [ts.SyntaxKind.AnyKeyword]: "any",
};

const tagText = (tag: ts.JSDocTag): string => (ts.getTextOfJSDocComment(tag.comment) ?? "").trim();

/** A reader over a set of source files, sharing one program. */
export class TsSettingsReader {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  /** Where each interface a `ref` named was declared (file name as the program has it). */
  readonly declared = new Map<string, { file: string; name: string }>();

  constructor(
    files: string[],
    private readonly resources: ResourceClasses,
    host?: ts.CompilerHost,
    /** A program over the same files: its unchanged source files are reused (a mutated copy is quick). */
    old?: TsSettingsReader,
  ) {
    const options = { strict: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, noEmit: true };
    this.program = ts.createProgram(files, options, host, old?.program);
    this.checker = this.program.getTypeChecker();
  }

  /** The declaration of an interface (or type alias of an object literal) exported or declared in `file`. */
  declaration(file: string, name: string): ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.ClassDeclaration {
    const source = this.program.getSourceFile(file);
    if (!source) throw new Error(`${file}: not in the program`);
    let found: ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.ClassDeclaration | undefined;
    // Exported names first, through re-exports (a type that moves keeps its name where it was taken from).
    const moduleSymbol = this.checker.getSymbolAtLocation(source);
    const exported = moduleSymbol ? this.checker.getExportsOfModule(moduleSymbol).find((s) => s.name === name) : undefined;
    const target = exported && exported.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(exported) : exported;
    const decl = target?.declarations?.[0];
    if (decl && (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isClassDeclaration(decl))) return decl;
    source.forEachChild((n) => {
      if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isClassDeclaration(n)) && n.name?.text === name) found = n;
    });
    if (!found) throw new Error(`${file}: no declaration ${name}`);
    return found;
  }

  /** Every property of an interface, inherited ones included, in declaration order. */
  properties(file: string, name: string): TsProperty[] {
    const decl = this.declaration(file, name);
    const type = this.checker.getTypeAtLocation(decl);
    return this.checker.getPropertiesOfType(type).map((sym) => this.property(sym));
  }

  /**
   * The public `pulumi.Output` fields of a component class (its outputs), and the public fields
   * of other types that `named` lists (a declared output the class holds as it is: AwsHost's
   * `host`, a Host; its `user`, a string).
   */
  classOutputs(file: string, name: string, named: readonly string[] = []): TsProperty[] {
    const decl = this.declaration(file, name);
    if (!ts.isClassDeclaration(decl)) throw new Error(`${name}: not a class`);
    const out: TsProperty[] = [];
    for (const m of decl.members) {
      if (!ts.isPropertyDeclaration(m) || !m.type) continue;
      const mods = ts.getCombinedModifierFlags(m);
      if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      const sym = this.checker.getSymbolAtLocation(m.name);
      if (!sym) continue;
      if (ts.isTypeReferenceNode(m.type) && m.type.typeName.getText() === "pulumi.Output")
        out.push({ ...this.property(sym), type: this.typeOf(m.type.typeArguments![0]) });
      else if (named.includes(sym.name)) out.push(this.property(sym));
    }
    return out;
  }

  private property(sym: ts.Symbol): TsProperty {
    const decl = sym.declarations?.[0];
    const optional = (sym.flags & ts.SymbolFlags.Optional) !== 0;
    const typeNode = decl && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
    const tags = decl ? ts.getJSDocTags(decl) : [];
    const tag = (n: string) => {
      const t = tags.find((x) => x.tagName.text === n);
      return t ? tagText(t) : undefined;
    };
    const description = ts
      .displayPartsToString(sym.getDocumentationComment(this.checker))
      .replace(/\s*\n\s*/g, " ")
      .trim();
    // A property of a mapped type (Partial<Record<...>>) has no type node: its type is read instead.
    const p: TsProperty = {
      name: sym.name,
      optional,
      type: typeNode ? this.typeOf(typeNode) : this.typeOfType(this.checker.getTypeOfSymbol(sym)),
      description,
    };
    const d = tag("default");
    if (d !== undefined) p.default = d.replace(/\s*\n\s*/g, " ");
    const e = tag("example");
    if (e !== undefined) p.example = e.replace(/\s*\n\s*/g, " ");
    return p;
  }

  private typeOfType(t: ts.Type): SettingType {
    const u = t.isUnion() ? t.types.filter((x) => !(x.flags & ts.TypeFlags.Undefined)) : [t];
    if (u.every((x) => x.flags & ts.TypeFlags.NumberLike)) return "number";
    if (u.every((x) => x.flags & ts.TypeFlags.StringLike)) return "string";
    if (u.every((x) => x.flags & ts.TypeFlags.BooleanLike)) return "boolean";
    return "any";
  }

  /** A type in the settings' terms; an interface is a reference by its name. */
  typeOf(node: ts.TypeNode): SettingType {
    const keyword = KEYWORDS[node.kind];
    if (keyword) return keyword;
    if (ts.isParenthesizedTypeNode(node)) return this.typeOf(node.type);
    if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) return this.typeOf(node.type);
    if (ts.isArrayTypeNode(node)) return { array: this.typeOf(node.elementType) };
    if (ts.isLiteralTypeNode(node)) {
      const l = node.literal;
      if (ts.isStringLiteral(l)) return { enum: [l.text] };
      if (l.kind === ts.SyntaxKind.TrueKeyword || l.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
      if (ts.isNumericLiteral(l)) return "number";
    }
    if (ts.isUnionTypeNode(node)) {
      const members = node.types.filter(
        (t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword),
      );
      const types = members.map((t) => this.typeOf(t));
      if (types.length === 1) return types[0];
      if (types.every((t) => typeof t === "object" && "enum" in t)) return { enum: types.flatMap((t) => (t as { enum: string[] }).enum) };
      if (types.every((t) => t === "boolean")) return "boolean";
      return { oneOf: types };
    }
    if (ts.isTypeLiteralNode(node)) {
      // An inline object: its properties, read the same way as an interface's.
      const type = this.checker.getTypeFromTypeNode(node);
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index) return { map: this.typeOf(index.type) };
      return { object: this.checker.getPropertiesOfType(type).map((s) => this.property(s)) };
    }
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      const args = node.typeArguments ?? [];
      // An Output field of an interface (EcrCredentials) carries its value as an output does.
      if (["pulumi.Input", "Input", "pulumi.Output", "Readonly"].includes(name)) return this.typeOf(args[0]);
      if (name === "Array" || name === "ReadonlyArray") return { array: this.typeOf(args[0]) };
      if (name === "Record") return { map: this.typeOf(args[1]) };
      if (/^pulumi\.asset\.(FileAsset|RemoteAsset|Asset)$/.test(name)) return "asset";
      if (this.resources[name]) return { resource: this.resources[name] };
      const sym = this.checker.getSymbolAtLocation(node.typeName);
      const target = sym && sym.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(sym) : sym;
      const decl = target?.declarations?.[0];
      if (decl && ts.isTypeAliasDeclaration(decl) && !decl.typeParameters) return this.typeOf(decl.type);
      if (!decl || ts.isTypeAliasDeclaration(decl)) {
        // A generic alias (Omit<...>, Pick<...>): the object it makes, property by property.
        const props = this.checker.getPropertiesOfType(this.checker.getTypeFromTypeNode(node));
        return props.length ? { object: props.map((x) => this.property(x)) } : "any";
      }
      if (decl && ts.isEnumDeclaration(decl)) return "string";
      const ref = target?.name ?? name;
      if (decl) this.declared.set(ref, { file: decl.getSourceFile().fileName, name: ref });
      return { ref };
    }
    if (ts.isIndexedAccessTypeNode(node)) {
      // `(typeof AWS_DISTROS)[number]`: the string literals of a constant list are its values.
      const t = this.checker.getTypeFromTypeNode(node);
      const members = t.isUnion() ? t.types : [t];
      if (members.every((m) => m.isStringLiteral())) return { enum: members.map((m) => (m as ts.StringLiteralType).value) };
    }
    return "any";
  }
}
