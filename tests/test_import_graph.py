"""The room rules of STYLE.md as a test: who may import whom, and no import cycles.

The graph is read with the stdlib ``ast`` from the source files, so nothing is imported and the test
runs in well under a second. An edge ``a -> b`` is any ``import``/``from ... import`` statement in
module ``a`` that names module ``b`` (or a name inside ``b``), wherever it stands: at module level,
inside a function (the lazy imports ``cli.py`` and the trainer use to stay fast) or under
``if TYPE_CHECKING``. A lazy import still makes ``a`` depend on ``b`` -- it only moves the moment it
happens -- so both count.

Not counted: the implicit import of a parent package (``import genebert_tool.model.modeling`` first
runs ``genebert_tool/model/__init__.py``; counting that would make every package that re-exports its
submodules a cycle) and ``importlib.import_module`` with a computed name (``model/__init__.py``'s lazy
exports, which name only modules inside ``model/``).
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("genebert_tool", "trainer")


def _module_files() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is_package) for every .py file of the project packages."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts.pop()
            out[".".join(parts)] = (path, is_pkg)
    return out


def _resolve(name: str, known: dict) -> str | None:
    """The longest project module that ``name`` lies in (``pkg.mod.func`` -> ``pkg.mod``), or None."""
    parts = name.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts) if parts else None


def _imports(module: str, path: Path, is_pkg: bool, known: dict) -> dict[str, int]:
    """Project modules imported by ``module`` -> the first line that imports each."""
    package = module if is_pkg else module.rpartition(".")[0]
    found: dict[str, int] = {}

    def add(name: str, line: int) -> None:
        target = _resolve(name, known)
        if target and target != module:
            found.setdefault(target, line)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb level-1 packages up from this module's package
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            add(source, node.lineno)
            for alias in node.names:  # ``from pkg import submodule`` imports the submodule
                add(f"{source}.{alias.name}", node.lineno)
    return found


@lru_cache(maxsize=1)
def import_graph() -> dict[str, dict[str, int]]:
    """``{module: {imported module: line}}`` over genebert_tool/ and trainer/."""
    known = _module_files()
    return {m: _imports(m, path, is_pkg, known) for m, (path, is_pkg) in known.items()}


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def _in(module: str, *rooms: str) -> bool:
    return any(module == r or module.startswith(r + ".") for r in rooms)


def _violations(source_rooms: tuple[str, ...], forbidden: tuple[str, ...], *, allow: tuple[str, ...] = ()) -> list[str]:
    graph = import_graph()
    return [
        f"{a} (line {line}) imports {b}"
        for a in sorted(graph)
        if _in(a, *source_rooms) and not _in(a, *allow)
        for b, line in sorted(graph[a].items())
        if _in(b, *forbidden)
    ]


def test_graph_is_read():
    """Guards the reader itself: known edges are found, lazy (function-level) imports included."""
    graph = import_graph()
    assert len(graph) > 50
    assert "genebert_tool.model.configuration" in graph["genebert_tool.model.modeling"]
    assert "trainer.finetune" in graph["genebert_tool.cli"]  # imported inside a command function
    assert "genebert_tool.genome.io" in graph["trainer.run_files"]


def test_cycles_are_found():
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_no_import_cycles():
    cycles = _cycles(import_graph())
    graph = import_graph()
    detail = [
        " <-> ".join(c) + ": " + "; ".join(f"{a}:{graph[a][b]} -> {b}" for a in c for b in c if b in graph[a])
        for c in cycles
    ]
    assert not cycles, "import cycles:\n" + "\n".join(detail)


@pytest.mark.parametrize(
    ("rooms", "forbidden", "why"),
    [
        (
            ("genebert_tool.model",),
            ("genebert_tool.pretrained", "genebert_tool.genome.io", "genebert_tool.genome.fasta",
             "genebert_tool.genome.bed", "genebert_tool.genome.vcf", "genebert_tool.formats",
             "genebert_tool.writers", "genebert_tool.motifs", "genebert_tool.inference",
             "genebert_tool.annotate"),
            "model/ keeps tensors and config: no registry, file I/O, JASPAR or pipeline code",
        ),
        (("genebert_tool.genome", "genebert_tool.motifs"), ("genebert_tool.model", "genebert_tool.inference"),
         "genome/ and motifs/ know nothing of models"),
        (("genebert_tool.tui",), ("genebert_tool.model", "genebert_tool.inference"),
         "tui/ reads output files only"),
        (("genebert_tool.writers",), ("genebert_tool.model", "genebert_tool.inference"), "writers never score"),
    ],
    ids=["model", "genome-motifs", "tui", "writers"],
)
def test_room_rules(rooms, forbidden, why):
    bad = _violations(rooms, forbidden)
    assert not bad, why + ":\n" + "\n".join(bad)


def test_only_cli_imports_trainer():
    bad = _violations(("genebert_tool",), ("trainer",), allow=("genebert_tool.cli",))
    assert not bad, "only genebert_tool/cli.py may import trainer/:\n" + "\n".join(bad)
