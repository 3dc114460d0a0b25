"""The house's import rule, read from the source (ARCHITECTURE.md explains it).

Layers of `generations`, lowest first: the core (models, states, catalog, pricing, errors, selectors,
presenters, queueing, outbound), `inputs`, `moderation` (a library: nothing of generations but
`inputs`), `provenance` (content credentials and the watermark: a library that imports nothing of
generations), `providers`, then `actions` (the only writers), then `worker`, `web` and `api` (the doors).
`accounts` imports nothing of `generations`. An import inside a function needs a comment saying why.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "generations", "studio")
CORE = {"models", "states", "catalog", "pricing", "errors", "selectors", "presenters", "queueing", "outbound", "storage",
        "admin", "apps"}

# What each room may import of `generations` (by the second part of the dotted name). The simulator and
# the providers stand alone; management commands and studio/ are entry points and may import anything.
ALLOWED = {
    "core": CORE | {"inputs"},
    "inputs": {"inputs", "errors", "outbound", "catalog"},
    "moderation": {"moderation", "inputs"},
    "provenance": {"provenance"},
    "providers": {"providers"},
    "simulator": {"simulator"},
    "actions": CORE | {"inputs", "moderation", "provenance", "providers", "actions"},
    "worker": CORE | {"inputs", "moderation", "provenance", "providers", "actions", "worker"},
    "web": CORE | {"inputs", "moderation", "provenance", "actions", "web"},
    "api": CORE | {"inputs", "moderation", "provenance", "actions", "api", "web.files"},
}


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path, ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path, module):
    """(line, imported module, inside a function?) for every import, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function.update(id(child) for child in ast.walk(node) if child is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, id(node) in in_function
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # `from generations.actions import review` imports the module generations.actions.review.
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}", id(node) in in_function


def room_of(module):
    parts = module.split(".")
    if parts[0] != "generations" or len(parts) < 2:
        return None
    if parts[1] == "management":
        return None
    if parts[1] == "templatetags":  # template tags render pages: they belong with the web door
        return "web"
    if parts[1] in ALLOWED and parts[1] != "core":
        return parts[1]
    return "core"


def target_of(imported):
    parts = imported.split(".")
    if parts[0] != "generations" or len(parts) < 2:
        return None
    if parts[1] == "web" and len(parts) > 2 and parts[2] == "files":
        return "web.files"
    return parts[1]


def test_the_checker_sees_a_violation_when_there_is_one(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from generations.worker import pipeline\n\ndef f():\n    import json\n")
    found = list(imports_of(bad, "generations.actions.bad"))
    assert (1, "generations.worker.pipeline", False) in found and (4, "json", True) in found
    assert target_of("generations.worker.pipeline") not in ALLOWED[room_of("generations.actions.bad")]


@pytest.mark.parametrize("path,module", list(modules()), ids=lambda value: str(value) if isinstance(value, str) else "")
def test_every_import_respects_the_layers(path, module):
    room = room_of(module)
    problems = []
    for line, imported, _ in imports_of(path, module):
        if module.startswith("accounts") and imported.startswith("generations"):
            problems.append(f"{path.name}:{line} accounts imports {imported}")
        target = target_of(imported)
        if room is not None and target is not None and not {target, target.split(".")[0]} & ALLOWED[room]:
            problems.append(f"{path.name}:{line} {room} imports {imported}")
    assert not problems


def explained(lines, line):
    """A comment on the import's line, or above it or above the block of imports it belongs to."""
    index = line - 1
    if "#" in lines[index]:
        return True
    while index > 0:
        above = lines[index - 1].strip()
        if above.startswith("#"):
            return True
        if not above.startswith(("import ", "from ")):
            return False
        index -= 1
    return False


def test_an_import_inside_a_function_says_why():
    unexplained = []
    for path, module in modules():
        lines = path.read_text().splitlines()
        for line, imported, in_function in imports_of(path, module):
            if in_function and not explained(lines, line):
                unexplained.append(f"{path.relative_to(ROOT)}:{line} {imported}")
    assert not unexplained, "\n".join(unexplained)


def test_a_comment_explains_a_block_of_imports_but_not_code_after_it():
    lines = ["def f():", "    # optional package", "    import a", "    from a import b", "    x = 1", "    import c"]
    assert explained(lines, 3) and explained(lines, 4) and not explained(lines, 6)


def test_the_house_has_no_import_cycle():
    graph = {}
    known = {module for _, module in modules()}
    for path, module in modules():
        edges = graph.setdefault(module, set())
        for _, imported, in_function in imports_of(path, module):
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            if imported and imported != module and not in_function:
                edges.add(imported)
    # Package __init__ modules are where Python starts; a child importing its (empty) parent is no cycle.
    seen, on_path, cycles = set(), [], []

    def visit(node):
        if node in on_path:
            cycles.append(on_path[on_path.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        on_path.append(node)
        for child in sorted(graph.get(node, ())):
            if not node.startswith(child + "."):
                visit(child)
        on_path.pop()

    for node in sorted(graph):
        visit(node)
    assert not cycles, cycles


# --- stored files go through the storage API --------------------------------------------------------

FILE_FIELDS = {"file"}  # the FileFields of the models (Asset.file)


def local_paths_of_stored_files(path):
    """(line, text) of each `<x>.file.path` (a FieldFile's local path) and `<storage>.path(...)` in a module:
    object storage has neither, so product code copies a stored file with generations.storage.local_copy."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr != "path":
            continue
        value = node.value
        field_file = isinstance(value, ast.Attribute) and value.attr in FILE_FIELDS
        storage = (isinstance(value, ast.Attribute) and value.attr == "storage") or (
            isinstance(value, ast.Name) and value.id.endswith("storage"))
        if field_file or storage:
            yield node.lineno, ast.unparse(node)


def test_the_stored_file_checker_sees_a_local_path(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("a = asset.file.path\nb = default_storage.path(name)\nc = os.path.join(x)\nd = request.path\n")
    assert [line for line, _ in local_paths_of_stored_files(bad)] == [1, 2]


def test_no_product_code_reads_the_local_path_of_a_stored_file():
    found = [f"{path.relative_to(ROOT)}:{line} {text}" for path, _ in modules() for line, text in local_paths_of_stored_files(path)]
    assert not found
