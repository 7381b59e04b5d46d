"""The package's import graph: no cycle between modules or packages, and each floor imports only
the floors below it (core at the bottom imports nothing of ours; see README "Architecture").

Every import statement counts, including ones inside functions: a lazy import that only dodges
a cycle is still a cycle.
"""

import ast
from collections import defaultdict
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "whea_gui"

# A package may import only packages on a lower floor (or its own).
# Stores sit below sources: a store file is one more kind of input (sources.store_file).
FLOORS = {
    "core": 0,
    "paths": 0,
    "formats": 1,
    "decode": 2,
    "compose": 3,
    "index": 3,
    "store": 4,
    "sources": 5,
    "report": 6,
    "sample": 6,
    "cli": 7,
    "session": 7,  # the inspector's Qt-free state (records, filter, selection, edits, problems)
    "ui": 8,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
            for t in targets:
                # a module's own parent packages are imported before it anyway: not an edge
                if t in modules and t != name and not name.startswith(t + "."):
                    graph[name].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    nodes = set(graph) | {t for ts in graph.values() for t in ts}
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_no_cycle_between_packages():
    packages: dict[str, set[str]] = defaultdict(set)
    for src, targets in _graph().items():
        for t in targets:
            if _package(src) != _package(t) and _package(t):
                packages[_package(src)].add(_package(t))
    assert _cycles(packages) == []


def test_each_floor_imports_only_floors_below():
    wrong = []
    for src, targets in _graph().items():
        a = _package(src)
        for t in targets:
            b = _package(t)
            if a in FLOORS and b in FLOORS and a != b and FLOORS[b] >= FLOORS[a]:
                wrong.append(f"{src} -> {t}")
    assert wrong == []


def test_core_imports_nothing_of_ours():
    core = {m: ts for m, ts in _graph().items() if _package(m) == "core"}
    assert core, "the core package exists"
    outside = [f"{m} -> {t}" for m, ts in core.items() for t in ts if _package(t) != "core"]
    assert outside == []


def test_the_checker_finds_a_cycle():
    """The cycle finder is not vacuous."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
