"""The package's layers: import direction, and each DVC stage's code dependencies.

1. The import-linter contracts of pyproject.toml ([tool.importlinter]) are kept,
   and break (naming the import) when a reverse import is added to a copy.
2. Each stage of dvc.yaml depends on exactly the helpers subpackages its code
   imports (the notebook's cells and the module of its ``cmd``, transitively,
   function-level imports included): no missing dependency, no superfluous one.
3. Editing a tool (helpers.tools) reruns no stage; editing core does.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import nbformat
import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "helpers"
PYPROJECT = ROOT / "pyproject.toml"
DVC_STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
CONTRACTS = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"][
    "contracts"
]
CONTRACT_NAMES = {c["id"]: c["name"] for c in CONTRACTS}

STAGES = ["extract", "clean", "summarize", "audit", "report"]  # pipeline order
UP_TO_DATE = "Data and pipelines are up to date"


# ---------------------------------------------------------------- 1. contracts


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the contracts of pyproject.toml, on the package under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "250", "NO_COLOR": "1"}
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--no-cache", str(PYPROJECT)],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def contract_results(output: str) -> dict[str, str]:
    """Contract id -> "KEPT" or "BROKEN", from the report's summary lines."""
    results = {}
    for cid, name in CONTRACT_NAMES.items():
        found = re.findall(rf"^{re.escape(name)} (KEPT|BROKEN)$", output, re.MULTILINE)
        assert len(found) == 1, f"no single result for contract {cid!r} in:\n{output}"
        results[cid] = found[0]
    return results


def broken_section(output: str, cid: str) -> str:
    """The report's explanation of one broken contract (up to the next one)."""
    details = output.split("Broken contracts\n", 1)[1]
    name = CONTRACT_NAMES[cid]
    start = details.index(f"\n{name}\n{'-' * len(name)}\n")
    ends = [
        details.find(f"\n{other}\n{'-' * len(other)}\n", start + 1)
        for other in CONTRACT_NAMES.values()
        if other != name
    ]
    ends = [e for e in ends if e > start]
    return details[start : min(ends, default=len(details))]


def test_contracts_say_what_the_layers_are():
    """The contracts are the design (a weakened contract fails here, not silently)."""
    by_id = {c["id"]: c for c in CONTRACTS}
    stages = [f"helpers.{s}" for s in STAGES]
    assert by_id["layers"]["type"] == "layers"
    assert by_id["layers"]["layers"] == ["helpers.tools", *reversed(stages), "helpers.core"]
    assert by_id["machinery"]["source_modules"] == ["helpers.pipeline"]
    assert set(by_id["machinery"]["forbidden_modules"]) == {*stages, "helpers.tools"}
    assert by_id["core"]["source_modules"] == ["helpers.core"]
    assert set(by_id["core"]["forbidden_modules"]) == {*stages, "helpers.pipeline", "helpers.tools"}
    assert set(by_id["pure-stages"]["source_modules"]) == set(stages)
    assert by_id["pure-stages"]["forbidden_modules"] == ["helpers.pipeline"]
    assert by_id["acyclic"]["type"] == "acyclic_siblings"
    for contract in CONTRACTS:
        assert not contract.get("ignore_imports"), f"{contract['id']}: no exceptions"
        assert not contract.get("allow_indirect_imports"), f"{contract['id']}: indirect too"
    # every subpackage is named by the contracts
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages == {*STAGES, "core", "pipeline", "tools"}


def test_contracts_are_kept():
    result = lint_imports(SRC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert contract_results(result.stdout) == dict.fromkeys(CONTRACT_NAMES, "KEPT")
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


# case -> (file to edit, line appended, {contract broken: what its report must say}):
# a contract's report names the offending import (file -> module, line); the acyclic
# one names the cycle's package and the sibling dependency that would break it.
REVERSE_IMPORTS = {
    "core-imports-report": (
        "core/stats.py",
        "from helpers.report import charts",
        {
            "layers": ["- helpers.core.stats -> helpers.report.charts (l."],
            "core": ["- helpers.core.stats -> helpers.report.charts (l."],
            "acyclic": ["No cycles are allowed in helpers.\n", "- .core -> .report (1 import)"],
        },
    ),
    "machinery-imports-stage": (
        "pipeline/staging.py",
        "import helpers.summarize.summaries",
        {
            "machinery": ["- helpers.pipeline.staging -> helpers.summarize.summaries (l."],
        },
    ),
    "stage-imports-machinery": (
        "extract/claims.py",
        "from helpers.pipeline import config",
        {
            "pure-stages": ["- helpers.extract.claims -> helpers.pipeline.config (l."],
        },
    ),
    "stage-imports-later-stage": (
        "clean/reconcile.py",
        "from helpers.summarize import summaries",
        {
            "layers": ["- helpers.clean.reconcile -> helpers.summarize.summaries (l."],
        },
    ),
    "cycle-within-core": (
        "core/errors.py",
        "from helpers.core import text",
        {
            "acyclic": ["No cycles are allowed in helpers.core.\n", ".text -> .errors"],
        },
    ),
}


@pytest.mark.parametrize("case", REVERSE_IMPORTS)
def test_a_reverse_import_breaks_the_contracts(case, tmp_path):
    rel, line, expected = REVERSE_IMPORTS[case]
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    target = src / "helpers" / rel
    target.write_text(f"{target.read_text(encoding='utf-8')}\n{line}\n", encoding="utf-8")
    result = lint_imports(src)
    assert result.returncode == 1, result.stdout + result.stderr
    results = contract_results(result.stdout)
    assert {cid for cid, r in results.items() if r == "BROKEN"} == set(expected), result.stdout
    for cid, texts in expected.items():
        section = re.sub(r"^- +", "- ", broken_section(result.stdout, cid), flags=re.MULTILINE)
        for text in texts:
            assert text in section, f"{cid}: {text!r} not in\n{section}"


# ------------------------------------------------- 2. stage code dependencies


def module_files() -> dict[str, Path]:
    """Every module of the helpers package, by dotted name."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = module_files()


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def helpers_imports(tree: ast.AST, where: str, package: str | None = None) -> set[str]:
    """The helpers modules an import anywhere in ``tree`` runs (parents included).

    ``package`` is the package relative imports are relative to.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert package, f"{where}: relative import outside a package"
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names = [base] + [
                f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES
            ]
        else:
            continue
        for name in names:
            if name == "helpers" or name.startswith("helpers."):
                assert name in MODULES, f"{where}: imports {name}, no such module in src/helpers"
                found |= _with_parents(name)
    return found


@cache
def imports_of_module(name: str) -> frozenset[str]:
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(helpers_imports(tree, str(path.relative_to(ROOT)), package))


def imports_of_notebook(path: Path) -> set[str]:
    """The helpers modules the notebook's code cells import (IPython syntax allowed)."""
    nb = nbformat.read(path, as_version=4)
    found: set[str] = set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            code = TransformerManager().transform_cell(cell.source)
            where = f"{path.relative_to(ROOT)} cell {i}"
            found |= helpers_imports(ast.parse(code, filename=where), where)
    return found


def closure(roots: set[str]) -> set[str]:
    """``roots`` and every helpers module they import, transitively."""
    seen: set[str] = set()
    todo = [m for r in roots for m in _with_parents(r)]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += imports_of_module(name)
    return seen


def code_dependency(module: str) -> str:
    """The dvc.yaml dependency that holds a module: its subpackage's folder."""
    rel = MODULES[module].relative_to(ROOT)
    return rel.parent.as_posix() if rel.parent != PACKAGE.relative_to(ROOT) else rel.as_posix()


def stage_spec(name: str) -> dict:
    stage = DVC_STAGES[name]
    return stage["do"] if "foreach" in stage else stage


def stage_deps(name: str) -> list[str]:
    return [next(iter(d)) if isinstance(d, dict) else str(d) for d in stage_spec(name)["deps"]]


def stage_code(name: str) -> set[str]:
    """The helpers modules a stage runs: its ``cmd`` module, its notebook, transitively."""
    cmd = shlex.split(stage_spec(name)["cmd"])
    assert "-m" in cmd, f"{name}: cmd runs no module: {cmd}"
    entry = cmd[cmd.index("-m") + 1]
    assert entry in MODULES, f"{name}: cmd runs {entry}, not a helpers module"
    roots = {entry}
    if "foreach" in DVC_STAGES[name]:
        assert entry == "helpers.pipeline.runner", f"{name}: a notebook stage runs the runner"
    notebooks = [d for d in stage_deps(name) if d.startswith("notebooks/") and d.endswith(".ipynb")]
    assert len(notebooks) <= 1, f"{name}: one notebook per stage: {notebooks}"
    for nb in notebooks:
        roots |= imports_of_notebook(ROOT / nb)
    return closure(roots)


def test_the_stages_are_the_pipeline():
    notebook_stages = [n for n, s in DVC_STAGES.items() if "foreach" in s]
    assert notebook_stages == STAGES
    assert stage_spec("index")["cmd"].split()[-1] == "helpers.pipeline.index"
    for name in STAGES:
        assert sum(d.startswith("notebooks/") for d in stage_deps(name)) == 1, name


def test_the_package_root_runs_nothing():
    """src/helpers/__init__.py runs with every import but is in no subpackage folder.

    No stage lists it, so it must stay a docstring: code there would not rerun a stage.
    """
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    body = tree.body
    assert len(body) <= 1 and all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) for s in body
    ), "src/helpers/__init__.py must hold only a docstring (or list it as a stage dependency)"


# Data folders a module reads, which a stage writing with it depends on: the message
# catalogs of helpers.core.i18n, for the stages that write the editions (they declare the
# survey's languages: the report, or all of `surveys`: the index). Every stage imports
# i18n through params' validation (which language has a catalog), but only these write
# words from the catalogs.
DATA_FOLDERS = {"helpers.core.i18n": "src/helpers/locales"}


def writes_editions(name: str) -> bool:
    """Whether a stage declares the languages of its survey's editions."""
    params = [str(p) for p in stage_spec(name).get("params", [])]
    return "surveys" in params or any(p.endswith(".languages") for p in params)


def data_dependencies(name: str, modules: set[str]) -> set[str]:
    """The data folders (:data:`DATA_FOLDERS`) stage ``name`` must depend on."""
    if not writes_editions(name):
        return set()
    return {folder for module, folder in DATA_FOLDERS.items() if module in modules}


def test_the_editions_stages_depend_on_the_catalogs():
    assert writes_editions("report") and writes_editions("index")
    assert not any(writes_editions(n) for n in STAGES if n != "report")
    for name in ("report", "index"):
        assert "src/helpers/locales" in stage_deps(name), name


@pytest.mark.parametrize("name", [*STAGES, "index"])
def test_stage_depends_on_exactly_the_code_it_runs(name):
    modules = stage_code(name) - {"helpers"}  # the root: see test_the_package_root_runs_nothing
    needed = {code_dependency(m) for m in modules} | data_dependencies(name, modules)
    declared = {d.rstrip("/") for d in stage_deps(name) if d.startswith("src")}
    missing, superfluous = needed - declared, declared - needed
    assert not missing and not superfluous, (
        f"{name}: dvc.yaml deps missing {sorted(missing)}, superfluous {sorted(superfluous)} "
        f"(modules run: {sorted(modules)})"
    )


@pytest.mark.parametrize("name", [*STAGES, "index"])
def test_no_stage_depends_on_tools_or_the_whole_package(name):
    deps = {d.rstrip("/") for d in stage_deps(name)}
    assert "src/helpers/tools" not in deps
    assert not deps & {"src", "src/helpers", "."}, f"{name}: depends on the whole package"
    assert not any(m.startswith("helpers.tools") for m in stage_code(name))


def test_the_import_scan_follows_function_level_imports():
    """Control of the scan itself: the runner's imports inside functions are found."""
    assert {"helpers.pipeline.render", "helpers.pipeline.edition_outputs"} <= imports_of_module(
        "helpers.pipeline.runner"
    )
    tree = ast.parse("def f():\n    from helpers.report import charts\n")
    assert helpers_imports(tree, "t") == {"helpers", "helpers.report", "helpers.report.charts"}
    with pytest.raises(AssertionError, match="no such module"):
        helpers_imports(ast.parse("import helpers.nowhere"), "t")


# ---------------------------------------------------- 3. editing a tool reruns nothing


def dvc(project: Path, *args: str) -> str:
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "dvc"), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def append_comment(path: Path) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write("# an edit that changes no behaviour\n")


@pytest.mark.slow
def test_editing_a_tool_reruns_no_stage(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=300)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    cloned = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout
    assert cloned == head, "the clone is not the committed HEAD of this worktree"
    (clone / ".venv").symlink_to(ROOT / ".venv")

    before = dvc(clone, "status")
    assert UP_TO_DATE in before, f"the committed dvc.lock is stale:\n{before}"

    append_comment(clone / "src/helpers/tools/trace.py")
    after_tool = dvc(clone, "status")
    assert UP_TO_DATE in after_tool, after_tool
    assert json.loads(dvc(clone, "status", "--json")) == {}

    # control: the same edit in core changes every stage (all depend on core)
    append_comment(clone / "src/helpers/core/stats.py")
    after_core = dvc(clone, "status")
    assert UP_TO_DATE not in after_core, after_core
    changed = json.loads(dvc(clone, "status", "--json"))
    stages = set(dvc(clone, "stage", "list", "--name-only").split())
    assert set(changed) == stages, after_core
    for name in stages:
        assert changed[name] == [{"changed deps": {"src/helpers/core": "modified"}}], name
