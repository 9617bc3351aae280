"""Checks of the committed project files: notebooks, params.yaml, dvc.yaml, helpers.layout."""

import copy
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers.pipeline.layout import STAGE_OUTPUTS
from helpers.pipeline.normalize import outputs_present, strip_outputs, volatile_fields

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def _paths(entries):
    return [next(iter(e)) if isinstance(e, dict) else str(e) for e in entries or []]


def _stage_notebook(spec):
    found = [p for p in _paths(spec.get("deps")) if p.startswith("notebooks/")
             and p.endswith(".ipynb")]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def _stage_params(spec):
    names = []
    for entry in spec.get("params", []):
        names += list(entry.values())[0] if isinstance(entry, dict) else [entry]
    return names


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


@pytest.mark.parametrize("stage", list(DVC))
def test_parameter_defaults_follow_params_yaml(stage, tmp_path, monkeypatch):
    """Run by hand (cwd = notebooks/), a notebook's defaults are params.yaml's current values:
    after an edit of params.yaml only, Jupyter and DVC run the same parameters."""
    spec = DVC[stage]
    notebook = ROOT / _stage_notebook(spec)
    assert notebook.is_file(), notebook
    cell = _parameters_cells(nbformat.read(notebook, as_version=4))[0]
    names = _stage_params(spec)
    assert names, f"stage {stage} declares no params"
    monkeypatch.chdir(ROOT / "notebooks")
    defaults = _defaults(cell.source, notebook.name)
    for name in names:
        assert name in defaults, f"{notebook.name} does not declare {name!r}"
        assert defaults[name] == PARAMS[name], f"{notebook.name}: default of {name!r}"
    edited = copy.deepcopy(PARAMS)
    edited.update(input_kind="respondent_csv", source_report="elsewhere/export.csv",
                  codebook="elsewhere/codebook.yaml")
    edited["stats"]["ci_method"] = "jeffreys"
    edited["report"]["small_n"] = 3
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "dvc.yaml").write_text((ROOT / "dvc.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")  # fmt: skip
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(edited), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "notebooks")
    defaults = _defaults(cell.source, notebook.name)
    assert {n: defaults[n] for n in names} == {n: edited[n] for n in names}


@pytest.mark.parametrize("stage", list(DVC))
def test_stage_command_runs_the_stage_runner(stage):
    assert DVC[stage]["cmd"] == f"python -m helpers.pipeline.runner {stage}"


def test_layout_outputs_are_the_dvc_data_outputs():
    from_dvc = {}
    for stage, spec in DVC.items():
        outs = [*_paths(spec.get("outs")), *_paths(spec.get("metrics")),
                *_paths(spec.get("plots"))]  # fmt: skip
        data = sorted(p for p in outs if not p.startswith("reports/"))
        if data:
            from_dvc[stage] = data
    from_layout = {stage: sorted(paths.values()) for stage, paths in STAGE_OUTPUTS.items()}
    assert from_layout == from_dvc


def test_every_stage_writes_its_executed_notebook():
    for stage, spec in DVC.items():
        name = Path(_stage_notebook(spec)).name
        assert f"reports/notebooks/{name}" in _paths(spec.get("outs")), stage


def test_byte_code_caches_do_not_change_the_helpers_dependency():
    """Importing the helpers writes __pycache__ (unless PYTHONDONTWRITEBYTECODE is set);
    DVC must not see that as a change to the `src/helpers` dependency of every stage."""
    import subprocess
    import sys

    dvc = Path(sys.executable).parent / "dvc"
    paths = ["src/helpers/__pycache__/summaries.cpython-311.pyc", "src/helpers/x.pyc"]
    run = subprocess.run([str(dvc), "check-ignore", *paths], cwd=ROOT, capture_output=True,
                         text=True, env={"DVC_NO_ANALYTICS": "1", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == paths
