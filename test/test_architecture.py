"""The house rules of docs/ARCHITECTURE.md: what may import what, and how large a module may grow."""
import ast
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest

PACKAGE = "ovos_PHAL_plugin_wifi_setup"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
MAX_MODULE_LINES = 600
MAX_ADAPTER_LINES = 300

# The base: shared by every part, importing none of them.
BASE = {"topics", "i18n", "log", "outbox", "pages", "page_interface", "readable", "version"}
# The doors into the package, each allowed the one part it opens.
DOORS = {"__init__": "manager.plugin", "__main__": "tools.cli", "client": "methods.kit"}
# What every method may use besides the base and its own folder.
METHOD_COMMONS = {"methods.kit", "methods.networks"}


def modules() -> Iterator[Tuple[str, Path]]:
    """Every module of the package, by its dotted name below the package."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(parts), path


def imports_of(path: Path) -> List[str]:
    """The package modules a file imports, at the top or inside a function, below the package name."""
    found: List[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: List[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name == PACKAGE or not name.startswith(PACKAGE + "."):
                continue
            found.append(name[len(PACKAGE) + 1:])
    return found


def known(name: str) -> Optional[str]:
    """The longest module of the package that a dotted import name points into (a from-import's name may be a
    function, not a module)."""
    names = {m for m, _ in modules()}
    while name:
        if name in names:
            return name
        name = name.rpartition(".")[0]
    return None


def part_of(module: str) -> str:
    """base, a door, manager, methods.kit / methods.networks, methods.<method>, or tools."""
    head = module.split(".")
    if module in BASE or module in DOORS:
        return module if module in DOORS else "base"
    if head[0] == "methods" and len(head) > 1:
        return f"methods.{head[1]}"
    return head[0]


def allowed(importer: str, imported: str) -> bool:
    """The rule: base imports base; manager base and manager; a method base, the kit, networks and its own
    folder; tools anything; each door its one part; nothing imports tools but the door to it."""
    src, dst = part_of(importer), part_of(imported)
    if dst == "tools" and src != "tools":
        return importer == "__main__"
    if src in DOORS:
        return dst == "base" or imported == DOORS[src] or imported.startswith(DOORS[src] + ".")
    if src == "base":
        return dst == "base"
    if src == "manager":
        return dst in ("base", "manager")
    if src in METHOD_COMMONS:
        return dst == "base" or imported in METHOD_COMMONS
    if src.startswith("methods."):
        return dst == "base" or imported in METHOD_COMMONS or dst == src
    return src == "tools"


def test_every_import_keeps_the_rule() -> None:
    """No module imports across the lines docs/ARCHITECTURE.md draws."""
    broken = []
    for module, path in modules():
        for name in imports_of(path):
            target = known(name)
            if target is not None and target != module and not allowed(module, target):
                broken.append(f"{module} imports {target}")
    assert broken == []


@pytest.mark.parametrize("importer, imported", [
    ("manager.core", "methods.screen.client"),
    ("methods.hotspot.client", "manager.settings"),
    ("methods.hotspot.client", "methods.screen.client"),
    ("methods.kit", "manager.registry"),
    ("topics", "manager.settings"),
    ("manager.plugin", "tools.cli"),
    ("client", "manager.plugin"),
])
def test_the_rule_refuses_what_it_should(importer: str, imported: str) -> None:
    """The rule above is not vacuous: each of these would break it."""
    assert not allowed(importer, imported)


def test_the_manager_names_the_methods_in_one_place_only() -> None:
    """Only manager/builtin.py names a method's module, and it loads it by name, never by an import."""
    naming = [module for module, path in modules() if module.startswith("manager")
              and f"{PACKAGE}.methods" in path.read_text(encoding="utf-8")]
    assert naming == ["manager.builtin"]
    assert not [name for name in imports_of(ROOT / "manager" / "builtin.py") if name.startswith("methods")]


def test_no_import_circle_between_the_tools() -> None:
    """The command line and the demo share tools/console.py instead of importing each other."""
    graph = {m: {known(n) for n in imports_of(p)} - {None, m} for m, p in modules() if m.startswith("tools")}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                assert nxt != start, f"{start} imports itself through {nxt}"
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)


def test_no_module_is_over_the_size_a_reader_takes_in() -> None:
    """No Python file in the package is over 600 lines."""
    long = {m: n for m, p in modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_the_phal_adapter_stays_thin() -> None:
    """WifiSetupPlugin, the bus adapter, is at most 300 lines: the policy lives in the core."""
    tree = ast.parse((ROOT / "manager" / "plugin.py").read_text(encoding="utf-8"))
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "WifiSetupPlugin"]
    assert cls.end_lineno is not None and cls.end_lineno - cls.lineno + 1 <= MAX_ADAPTER_LINES
