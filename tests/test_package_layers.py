"""The packages layer: no import cycle between them and no private name imported across them.

A package is a first-level directory under fieldops/; the top-level modules (extensions,
config, timeutil, textfold, definitions) are the bottom layer, and the application factory
(fieldops/__init__.py, fieldops/models.py) is the top, which may import anything. Every
import counts: at module level, inside functions, `import` and `from ... import`.
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "fieldops"
APPLICATION = {"__init__", "models"}  # the factory assembles every package
FOUNDATION = {"core", "org", "auth", "audit", "campaigns"}  # import no feature


def _package(path):
    parts = path.relative_to(ROOT).parts
    return parts[0].removesuffix(".py")


def _imports():
    """Yield (importing file, line, package imported, names imported) for every fieldops import."""
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "fieldops" and len(parts) > 1:
                        yield path, node.lineno, parts[1], []
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:  # relative: resolve against the importing file's package
                    base = path.relative_to(ROOT.parent).with_suffix("").parts[: -node.level]
                    module = ".".join(base + tuple(filter(None, [module])))
                parts = module.split(".")
                if parts[0] != "fieldops":
                    continue
                names = [alias.name for alias in node.names]
                if len(parts) == 1:  # from fieldops import config, models
                    for name in names:
                        yield path, node.lineno, name, []
                else:
                    yield path, node.lineno, parts[1], names


def _graph():
    edges = {}
    for path, line, target, _names in _imports():
        source = _package(path)
        if source in APPLICATION or target == source:
            continue
        edges.setdefault(source, {}).setdefault(target, f"{path.relative_to(ROOT.parent)}:{line}")
    return edges


def _cycle(edges):
    """One import cycle as a list of (package, imported package, where), or None."""
    state, trail = {}, []

    def visit(node):
        state[node] = "open"
        for target, where in sorted(edges.get(node, {}).items()):
            trail.append((node, target, where))
            if state.get(target) == "open":
                start = next(i for i, step in enumerate(trail) if step[0] == target)
                return trail[start:]
            if target not in state:
                found = visit(target)
                if found:
                    return found
            trail.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_between_packages():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle between packages:\n" + "\n".join(
        f"  {source} -> {target}  ({where})" for source, target, where in cycle
    )


def test_foundation_imports_no_feature():
    foundation = FOUNDATION | {p.stem for p in ROOT.glob("*.py")} - APPLICATION
    upward = [
        f"{source} -> {target}  ({where})"
        for source, targets in _graph().items()
        if source in foundation
        for target, where in targets.items()
        if target not in foundation
    ]
    assert upward == [], "a bottom package imports a feature:\n" + "\n".join(upward)


def test_no_private_name_imported_across_packages():
    private = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {name} from {target}"
        for path, line, target, names in _imports()
        if target != _package(path)
        for name in names
        if name.startswith("_")
    ]
    assert private == [], "\n".join(private)


def test_every_hook_a_lower_package_calls_is_registered_by_the_app(app):
    from fieldops.core import hooks

    assert hooks.unregistered() == set()
