# What a generated Python SDK exposes, read from its source with ast (nothing is imported: the
# `pulumi` package cannot be installed here). Prints JSON:
#   classes:     every top-level class carrying @pulumi.type_token("<token>") and deriving from a
#                pulumi resource class: token, module (dotted), name, base
#   starImports: modules their package's __init__ re-exports (`from .x import *`)
#   subpackages: packages an __init__ makes available (`_utilities.lazy_import("<package>")`)
#   duplicates:  class names two modules re-exported by one package both define (the later
#                import hides the earlier)
# Usage: python3 python-sdk-classes.py <dir holding the package> <package name>
import ast
import json
import os
import sys

root, package = sys.argv[1], sys.argv[2]
classes, star_imports, subpackages = [], [], []
defined = {}  # module -> its top-level class names


def dotted(node):
    if isinstance(node, ast.Attribute):
        return dotted(node.value) + "." + node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


for dirpath, dirnames, filenames in os.walk(os.path.join(root, package)):
    dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
    pkg = os.path.relpath(dirpath, root).replace(os.sep, ".")
    for filename in sorted(f for f in filenames if f.endswith(".py")):
        with open(os.path.join(dirpath, filename), encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename)
        module = pkg if filename == "__init__.py" else pkg + "." + filename[:-3]
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            defined.setdefault(module, []).append(node.name)
            bases = [dotted(b) for b in node.bases]
            base = next((b.split(".")[-1] for b in bases if b in ("pulumi.CustomResource", "pulumi.ComponentResource")), None)
            for d in node.decorator_list:
                if (
                    base
                    and isinstance(d, ast.Call)
                    and dotted(d.func) == "pulumi.type_token"
                    and d.args
                    and isinstance(d.args[0], ast.Constant)
                ):
                    classes.append({"token": d.args[0].value, "module": module, "name": node.name, "base": base})
        if filename == "__init__.py":
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and [a.name for a in node.names] == ["*"]:
                    star_imports.append(pkg + "." + node.module)
                if (
                    isinstance(node, ast.Call)
                    and dotted(node.func) == "_utilities.lazy_import"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    subpackages.append(node.args[0].value)

exported = {}  # package -> class name -> how many of its re-exported modules define it
for module in star_imports:
    package_names = exported.setdefault(module.rsplit(".", 1)[0], {})
    for name in defined.get(module, []):
        package_names[name] = package_names.get(name, 0) + 1
duplicates = sorted(p + "." + n for p, names in exported.items() for n, count in names.items() if count > 1)
print(
    json.dumps(
        {"classes": classes, "starImports": sorted(star_imports), "subpackages": sorted(subpackages), "duplicates": duplicates}
    )
)
