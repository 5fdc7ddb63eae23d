// Command gen-sdk writes the TypeScript, Python and Go SDKs of the fargate package from its
// schema, with Pulumi's own code generators (the packages `pulumi package gen-sdk` reaches
// through language plugins, called directly here).
//
//	gen-sdk -schema schema/schema.json -out sdk [-lang nodejs,python,go]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"golang.org/x/mod/modfile"
)

// The tool name the generators stamp into every file's "do not edit" header.
const tool = "sotex gen-sdk"

const pulumiSDKModule = "github.com/pulumi/pulumi/sdk/v3"

// refuseExternal is the schema loader: the fargate schema references no other package, so any
// reference to one is a mistake in the schema, not something to fetch.
type refuseExternal struct{}

func refused(name string) error {
	return fmt.Errorf("schema references external package %q: the fargate schema must be self-contained", name)
}

func (refuseExternal) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, refused(pkg)
}

func (refuseExternal) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refused(d.Name)
}

func (refuseExternal) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refused(pkg)
}

func (refuseExternal) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, refused(d.Name)
}

func main() {
	schemaPath := flag.String("schema", "schema/schema.json", "package schema to generate from")
	outDir := flag.String("out", "sdk", "directory that receives one folder per language")
	langs := flag.String("lang", "nodejs,python,go", "comma-separated languages: nodejs, python, go")
	flag.Parse()
	if err := run(*schemaPath, *outDir, strings.Split(*langs, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk:", err)
		os.Exit(1)
	}
}

func run(schemaPath, outDir string, langs []string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	for _, lang := range langs {
		// Bind afresh per language: the generators record their own state in the package.
		pkg, err := bind(raw, schemaPath)
		if err != nil {
			return err
		}
		files, err := generate(lang, pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		dir := filepath.Join(outDir, lang)
		if err := writeTree(dir, files); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "gen-sdk: %s: %d files in %s\n", lang, len(files), dir)
	}
	return nil
}

func bind(raw []byte, schemaPath string) (*schema.Package, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, refuseExternal{}, schema.ValidationOptions{})
	for _, d := range diags {
		fmt.Fprintf(os.Stderr, "gen-sdk: %s: %s\n", schemaPath, d.Error())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: the schema does not bind (%d errors above)", schemaPath, len(diags.Errs()))
	}
	return pkg, nil
}

func generate(lang string, pkg *schema.Package) (map[string][]byte, error) {
	switch lang {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, refuseExternal{})
	case "python":
		files, err := python.GeneratePackage(tool, pkg, nil, refuseExternal{})
		if err != nil {
			return nil, err
		}
		return files, rootReadme(files)
	case "go":
		files, err := gogen.GeneratePackage(tool, pkg, nil)
		if err != nil {
			return nil, err
		}
		return files, pinGoSDK(files)
	default:
		return nil, errors.New("unknown language (valid: nodejs, python, go)")
	}
}

// rootReadme copies the package's README.md beside pyproject.toml, which names it as the
// project's readme (Pulumi's own providers copy it there in their build), so `pip install`
// of the generated folder works as generated.
func rootReadme(files map[string][]byte) error {
	for name, text := range files {
		if dir, base := filepath.Split(name); base == "README.md" && strings.Count(dir, "/") == 1 {
			files["README.md"] = text
			return nil
		}
	}
	return errors.New("no package README.md generated")
}

// pinGoSDK makes the generated go.mod require the Go SDK of the Pulumi version this tool is
// built with (the CLI's), instead of the generator's built-in minimum.
func pinGoSDK(files map[string][]byte) error {
	mod, ok := files["go.mod"]
	if !ok {
		return errors.New("no go.mod generated: the schema needs meta.supportPack")
	}
	version, err := moduleVersion(pulumiSDKModule)
	if err != nil {
		return err
	}
	f, err := modfile.Parse("go.mod", mod, nil)
	if err != nil {
		return err
	}
	if err := f.AddRequire(pulumiSDKModule, version); err != nil {
		return err
	}
	out, err := f.Format()
	if err != nil {
		return err
	}
	files["go.mod"] = out
	return nil
}

func moduleVersion(path string) (string, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("no build info in the gen-sdk binary")
	}
	for _, dep := range info.Deps {
		if dep.Path == path {
			return dep.Version, nil
		}
	}
	return "", fmt.Errorf("%s is not a dependency of gen-sdk", path)
}

// writeTree replaces dir with exactly the generated files, so a type removed from the schema
// leaves no stale file behind.
func writeTree(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
