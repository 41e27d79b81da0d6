"""The house rules of docs/architecture.md, checked on the source tree."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "siteplan"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "sample" not in p.parts)
MAX_FUNCTION_LINES = 100


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), filename=str(path))


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_no_function_is_longer_than_a_screen():
    long = [
        f"{path.relative_to(ROOT)}:{fn.lineno} {fn.name} ({fn.end_lineno - fn.lineno + 1} lines)"
        for path in SOURCES
        for fn in _functions(_tree(path))
        if fn.end_lineno is not None and fn.end_lineno - fn.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, "split these functions:\n" + "\n".join(long)


def test_no_siteplan_import_inside_a_function():
    inner = []
    for path in SOURCES:
        for fn in _functions(_tree(path)):
            for node in ast.walk(fn):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if (module or "").startswith("siteplan") or any(
                    n.startswith("siteplan") for n in names
                ):
                    inner.append(f"{path.relative_to(ROOT)}:{node.lineno} in {fn.name}")
    assert not inner, "import these at module top:\n" + "\n".join(inner)


@pytest.mark.parametrize(
    "pattern",
    [r"matplotlib\.use\(", r"os\.dup2", r"\bumask\b", r"\.attrs\b", r"pyplot"],
)
def test_no_process_wide_side_effects_or_hidden_state(pattern: str):
    hits = [
        f"{path.relative_to(ROOT)}:{i}: {line.strip()}"
        for path in SOURCES
        for i, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert not hits, "\n".join(hits)


def test_render_imports_no_reader():
    code = (
        "import sys, siteplan.render\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('siteplan.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    readers = [m for m in out if m.startswith("siteplan.io") or m == "siteplan.pipeline"]
    assert not readers, f"importing siteplan.render pulled in {readers}"
    assert "siteplan.render.map" in out


def test_users_are_never_pointed_outside_the_project():
    files = [*SOURCES, ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    hits = [
        str(p.relative_to(ROOT))
        for p in files
        if re.search(r"\.\./shared|shared/(DESIGN|DOMAIN|STYLE)", p.read_text("utf-8"))
    ]
    assert not hits


def _documented_rooms() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    block = text.split("## The rooms", 1)[1].split("```")[1]
    names: set[str] = set()
    for line in block.splitlines():
        for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.py|/)", line):
            names.add(token)
        names.update(f"{m}.py" for m in re.findall(r"\b(_[a-z]+)\b", line))
    return names


def test_architecture_page_matches_the_package_tree():
    documented = _documented_rooms()
    on_disk = {
        p.name if p.is_file() else p.name + "/"
        for p in PACKAGE.iterdir()
        if not p.name.startswith("__pycache__")
        and (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    }
    on_disk |= {"templates/"}
    on_disk -= {"__main__.py"}
    missing = sorted(on_disk - documented)
    assert not missing, f"docs/architecture.md does not describe {missing}"
    for pkg in ("io", "placement"):
        for module in (PACKAGE / pkg).rglob("*.py"):
            if module.name != "__init__.py" and module.parent.name != "__pycache__":
                assert module.name in documented or module.stem in {
                    n.removesuffix(".py") for n in documented
                }, f"docs/architecture.md does not name {module.relative_to(PACKAGE)}"


def test_scenario_reference_is_current_and_complete():
    from siteplan.config import scenario_reference

    text = scenario_reference()
    assert (ROOT / "docs" / "scenario.md").read_text("utf-8") == text, (
        "docs/scenario.md is stale: run `siteplan reference > docs/scenario.md`"
    )
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    undocumented = [row.split("|")[1].strip() for row in rows if not row.split("|")[2].strip()]
    assert not undocumented, f"scenario keys without a description: {undocumented}"
    for key in ("placement.threads", "privacy.min_count", "legal.stop_area_radius_m"):
        assert f"| `{key}` |" in text
