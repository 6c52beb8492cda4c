// Command sdkgen writes Dockyard's Go and Python SDKs from its package schema, with Pulumi's own
// code generators (pkg/v3/codegen/go and codegen/python), as `pulumi package gen-sdk` would if the
// language hosts built here could answer it (they predate GeneratePackage).
//
//	sdkgen -schema schema.json -out sdk
//
// writes <out>/go/dockyard (the Go module named by the schema's language.go.importBasePath, with
// its go.mod) and <out>/python (the pulumi_dockyard package), removing what was there first.
// go.sum is not written here: `go mod tidy` in <out>/go/dockyard makes it (scripts/gen-sdk.ts).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool names the generator in every file's "do not edit" header.
const tool = "dockyard-sdkgen"

// sdkModule is the Go SDK every program of the generated Go package builds on.
const sdkModule = "github.com/pulumi/pulumi/sdk/v3"

// noDependencies is the loader of other packages' schemas: Dockyard's schema refers to none
// (only pulumi.json's built-in types), so a reference to one is an error, never a plugin started.
type noDependencies struct{}

func (noDependencies) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to the package %q; it may refer to no other package", pkg)
}

func (n noDependencies) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return n.LoadPackage(d.Name, d.Version)
}

func (n noDependencies) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := n.LoadPackage(pkg, v)
	return nil, err
}

func (n noDependencies) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return n.LoadPackageReference(d.Name, d.Version)
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "the directory whose go/ and python/ are written")
	flag.Parse()
	if err := run(*schemaPath, *out); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	goInfo, err := goSettings(spec)
	if err != nil {
		return err
	}
	sdkVersion, err := ownSdkVersion()
	if err != nil {
		return err
	}

	// Each generator takes its own bound package: they add their language's settings to it.
	goFiles, err := generate(spec, func(pkg *schema.Package) (map[string][]byte, error) {
		return gogen.GeneratePackage(tool, pkg, nil)
	})
	if err != nil {
		return fmt.Errorf("go: %w", err)
	}
	pyFiles, err := generate(spec, func(pkg *schema.Package) (map[string][]byte, error) {
		return pygen.GeneratePackage(tool, pkg, nil, noDependencies{})
	})
	if err != nil {
		return fmt.Errorf("python: %w", err)
	}

	// The Go generator writes <package>/... and a .gitattributes beside it: the module is the
	// package's directory, so everything goes in there.
	pkgDir := path.Base(goInfo.ImportBasePath)
	goOut := map[string][]byte{}
	for name, data := range goFiles {
		rel, ok := strings.CutPrefix(name, pkgDir+"/")
		if !ok && name != ".gitattributes" {
			return fmt.Errorf("go: %s is outside the package directory %s", name, pkgDir)
		}
		if !ok {
			rel = name
		}
		if strings.HasSuffix(rel, ".go") {
			if data, err = dropUnusedImports(rel, data); err != nil {
				return err
			}
		}
		goOut[rel] = data
	}
	goOut["go.mod"] = []byte(fmt.Sprintf(
		"module %s\n\ngo 1.25.11\n\nrequire %s %s\n", goInfo.ImportBasePath, sdkModule, sdkVersion))

	// pyproject.toml names README.md beside it; the generator writes one inside the package only.
	pyPkg := pythonPackage(spec)
	if readme, ok := pyFiles[path.Join(pyPkg, "README.md")]; ok {
		pyFiles["README.md"] = readme
	}

	for dir, files := range map[string]map[string][]byte{
		filepath.Join(out, "go", pkgDir): goOut,
		filepath.Join(out, "python"):     pyFiles,
	} {
		if err := replaceDir(dir, files); err != nil {
			return err
		}
	}
	return nil
}

// generate binds the schema, validating it against Pulumi's metaschema, and runs one generator.
func generate(spec schema.PackageSpec, gen func(*schema.Package) (map[string][]byte, error)) (map[string][]byte, error) {
	pkg, diags, err := schema.BindSpec(spec, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, diags.Error())
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return gen(pkg)
}

func goSettings(spec schema.PackageSpec) (gogen.GoPackageInfo, error) {
	var info gogen.GoPackageInfo
	raw, ok := spec.Language["go"]
	if !ok {
		return info, errors.New("the schema has no language.go section")
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return info, fmt.Errorf("language.go: %w", err)
	}
	if info.ImportBasePath == "" {
		return info, errors.New("language.go.importBasePath is empty")
	}
	return info, nil
}

func pythonPackage(spec schema.PackageSpec) string {
	var info pygen.PackageInfo
	if raw, ok := spec.Language["python"]; ok {
		_ = json.Unmarshal(raw, &info)
	}
	if info.PackageName != "" {
		return info.PackageName
	}
	return pygen.PyPack("", spec.Name)
}

// ownSdkVersion is the version of the Go SDK this generator is built with: the generated code
// is what that version's generator writes, so its module requires the same one.
func ownSdkVersion() (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("no build information in the generator binary")
	}
	for _, dep := range bi.Deps {
		if dep.Path == sdkModule {
			if dep.Replace != nil {
				return "", fmt.Errorf("%s is replaced in the generator's build", sdkModule)
			}
			return dep.Version, nil
		}
	}
	return "", fmt.Errorf("%s is not a dependency of the generator's build", sdkModule)
}

// replaceDir makes dir hold exactly files (relative slash paths): a file the schema no longer
// produces does not linger.
func replaceDir(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// dropUnusedImports removes the imports a generated Go file does not use. Go's generator imports
// the package of every type a union (oneOf) may hold, but writes the union as `interface{}` /
// `pulumi.Input`: workload's Container imports the root package for VolumeSpec and uses nothing
// of it, which `go build` refuses. The check is by name: an import stays when its package name
// (its alias, or the last element of its path that is not a major version) is used as `name.X`.
func dropUnusedImports(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	used := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	changed := false
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.IMPORT {
			continue
		}
		kept := gen.Specs[:0]
		for _, spec := range gen.Specs {
			imp := spec.(*ast.ImportSpec)
			if pkg := importName(imp); pkg == "" || used[pkg] {
				kept = append(kept, spec)
			} else {
				changed = true
			}
		}
		gen.Specs = kept
	}
	if !changed {
		return src, nil
	}
	file.Imports = nil // recomputed by the printer from the declarations
	var out strings.Builder
	if err := format.Node(&out, fset, file); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return []byte(out.String()), nil
}

// importName is the name an import is used by, or "" when it is not used by name (`_`, `.`).
func importName(imp *ast.ImportSpec) string {
	if imp.Name != nil {
		if imp.Name.Name == "_" || imp.Name.Name == "." {
			return ""
		}
		return imp.Name.Name
	}
	p, err := strconv.Unquote(imp.Path.Value)
	if err != nil {
		return ""
	}
	parts := strings.Split(p, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = parts[len(parts)-2]
	}
	if !token.IsIdentifier(last) {
		return "" // named otherwise in its package clause (gopkg.in/yaml.v3): kept
	}
	return last
}
