"""Checks of the committed project files: the notebooks and what they declare."""

import copy
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers.pipeline.normalize import outputs_present, strip_outputs, volatile_fields

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DVC = {
    name: spec.get("do", spec)
    for name, spec in yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))[
        "stages"
    ].items()
    if "foreach" in spec
}
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def _paths(entries):
    return [next(iter(e)) if isinstance(e, dict) else str(e) for e in entries or []]


def _stage_notebook(spec):
    found = [
        p for p in _paths(spec.get("deps")) if p.startswith("notebooks/") and p.endswith(".ipynb")
    ]
    assert len(found) == 1, found
    return found[0]


def _parameters_cells(nb):
    return [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert outputs_present(nb) == [], "commit notebooks without outputs or execution counts"
    assert volatile_fields(nb) == [], "normalize the notebook (helpers.pipeline.normalize)"
    spec = nb.metadata.get("kernelspec", {})
    assert spec.get("name") and spec.get("display_name"), "the notebook needs a kernelspec"
    assert strip_outputs(copy.deepcopy(nb)) == nb, "not in stripped form (e.g. language_info)"
    assert len(_parameters_cells(nb)) == 1, "exactly one cell tagged 'parameters'"
    assert _parameters_cells(nb)[0].cell_type == "code"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_belongs_to_one_stage(path):
    rel = path.relative_to(ROOT).as_posix()
    stages = [name for name, spec in DVC.items() if _stage_notebook(spec) == rel]
    assert len(stages) == 1, f"{rel} is the notebook of stages {stages}"


def _defaults(cell_source: str, name: str) -> dict:
    defaults: dict = {}
    exec(compile(cell_source, f"{name}:parameters", "exec"), {}, defaults)
    return defaults


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_picks_a_survey_and_defaults_to_scratch(path):
    """Run by hand, a notebook explores a survey of params.yaml and writes to scratch/;
    every other value comes from params.yaml through open_stage (none is repeated here)."""
    nb = nbformat.read(path, as_version=4)
    defaults = _defaults(_parameters_cells(nb)[0].source, path.name)
    assert defaults == {"survey": "oas_2013", "outputs": "scratch", "overrides": {}}
    assert defaults["survey"] in PARAMS["surveys"]
    assert "scratch/" in nb.cells[0].source and 'outputs = "pipeline"' in nb.cells[0].source
    setup = nb.cells[2].source
    stage = path.stem.split("_", 1)[1]
    assert f'open_stage("{stage}", survey, outputs=outputs, overrides=overrides)' in setup
    assert "os.chdir(stage.root)" in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_write_only_through_the_stage(path):
    """Every write goes through stage.write (scratch or pipeline, staged by the runner)."""
    code = "\n".join(
        c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
    )
    assert "stage.write(" in code
    for forbidden in ("write_outputs", "to_csv(", "open(", "data/processed", "reports/"):
        assert forbidden not in code, f"{path.name}: {forbidden}"


def test_byte_code_caches_do_not_change_the_helpers_dependency():
    """Importing the helpers writes __pycache__ (unless PYTHONDONTWRITEBYTECODE is set);
    DVC must not see that as a change to the `src/helpers` dependency of every stage."""
    import subprocess
    import sys

    dvc = Path(sys.executable).parent / "dvc"
    paths = [
        "src/helpers/summarize/__pycache__/summaries.cpython-311.pyc",
        "src/helpers/core/x.pyc",
    ]
    run = subprocess.run(
        [str(dvc), "check-ignore", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DVC_NO_ANALYTICS": "1", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == paths
