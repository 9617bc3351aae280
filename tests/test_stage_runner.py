import pytest
import yaml

from helpers.pipeline.runner import StageError, check_declared, stage_parameters, stage_spec


@pytest.fixture(scope="module")
def dvc(repo_root):
    return yaml.safe_load((repo_root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


@pytest.fixture(scope="module")
def params(repo_root):
    return yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))


def test_stage_spec(repo_root, dvc):
    assert stage_spec(repo_root, "extract") == dvc["extract"]
    with pytest.raises(StageError, match=r"no stage 'extrct' in dvc.yaml \(stages: extract, "):
        stage_spec(repo_root, "extrct")


def test_stage_parameters_picks_the_declared_keys(repo_root, params, dvc):
    for stage, spec in dvc.items():
        declared = [e for e in spec.get("params", []) if isinstance(e, str)]
        picked = stage_parameters(stage_spec(repo_root, stage), params, stage)
        assert list(picked) == declared, stage
        assert all(picked[k] == params[k] for k in picked)
    summarize = stage_parameters(dvc["summarize"], params, "summarize")
    assert summarize["stats"] == params["stats"]
    assert "report" not in summarize and "source_encoding" not in summarize


def test_stage_parameters_entry_forms():
    params = {"a": 1, "b": {"x": 2}, "c": 3}
    spec = {"params": ["a", {"params.yaml": ["b", "c"]}]}
    assert stage_parameters(spec, params, "s") == {"a": 1, "b": {"x": 2}, "c": 3}
    assert stage_parameters({}, params, "s") == {}
    with pytest.raises(StageError, match=r"stage 's': params.yaml has no \['d'\]"):
        stage_parameters({"params": ["a", "d"]}, params, "s")


def test_check_declared(repo_root):
    notebook = str(repo_root / "notebooks" / "01_extract.ipynb")
    check_declared(notebook, {"source_report": "x", "codebook": "y"})
    with pytest.raises(StageError, match=r"parameters \['stats'\] are not declared") as err:
        check_declared(notebook, {"codebook": "y", "stats": {}})
    assert "01_extract.ipynb" in str(err.value)
    assert "'source_report'" in str(err.value)  # lists what is declared
