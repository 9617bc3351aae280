"""params.yaml validation, dvc.yaml resolution per survey, declared-key access and the
notebook session (scratch versus pipeline outputs)."""

import os
import shutil
from pathlib import Path

import pytest
import yaml

from helpers.core.params import SECTIONS, SurveySpec
from helpers.core.yaml_lines import yaml_line
from helpers.pipeline import layout
from helpers.pipeline.config import (
    ConfigError,
    StageParams,
    load_params,
    parse_params,
    stage_names,
    stage_spec,
)
from helpers.pipeline.params_doc import (
    PAGE,
    parameter_table,
    parameters_page,
    write_parameters_page,
)
from helpers.pipeline.runner import StageError, check_declared
from helpers.pipeline.session import open_stage

ROOT = Path(__file__).resolve().parents[1]
PARAMS_TEXT = (ROOT / "params.yaml").read_text(encoding="utf-8")
SURVEY_STAGES = [s for s in stage_names(ROOT) if s != "index"]


def _edit(old: str, new: str) -> str:
    assert old in PARAMS_TEXT, old
    return PARAMS_TEXT.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --- params.yaml: one definition, validated when loaded ---------------------------------------


def test_project_params_are_valid():
    params = load_params(ROOT)
    assert list(params.surveys) == ["oas_2013", "invented_example", "anes96", "nhanes2"]
    assert params.stats.ci_method == "wilson"


@pytest.mark.parametrize(
    "old, new, key, expected, found",
    [
        (
            "pct_decimals: 1",
            "pct_decimals: -1",
            "stats.pct_decimals",
            "greater than or equal to 0",
            "-1",
        ),
        ("small_n: 10", "small_n: ten", "report.small_n", "a valid integer", "'ten'"),
        ("small_n: 10", "small_n: true", "report.small_n", "a valid integer", "True"),
        ("ci_level: 0.95", "ci_level: 95", "stats.ci_level", "less than 1", "95"),
        ("ci_method: wilson", "ci_method: wilsn", "stats.ci_method", "'wilson'", "'wilsn'"),
        ("rounding: half_away_from_zero", "rounding: up", "stats.rounding", "'half_even'", "'up'"),
    ],
)
def test_a_bad_value_names_the_key_the_line_the_value_and_what_is_allowed(
    old, new, key, expected, found
):
    text = _edit(old, new)
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    message = str(err.value)
    assert message.startswith(f"params.yaml:{_line_of(text, new)}: {key}: expected "), message
    assert expected in message and message.endswith(f"found {found}"), message


def test_an_unknown_key_is_refused_with_the_nearest_valid_one():
    text = _edit("  ci_level: 0.95", "  ci_levl: 0.95")
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    message = str(err.value)
    assert message.startswith(f"params.yaml:{_line_of(text, 'ci_levl')}: stats.ci_levl: ")
    assert "(nearest: 'ci_level')" in message and "found unknown key 'ci_levl'" in message


def test_a_missing_key_is_an_error_not_a_hidden_default():
    text = _edit("  max_listed_rows: 40\n", "")
    with pytest.raises(
        ConfigError,
        match=r"report.max_listed_rows: expected this key .*"
        r"no hidden defaults\); found nothing",
    ):
        parse_params(text)


def test_survey_overrides_are_checked_like_the_shared_values():
    good = parse_params(
        _edit(
            "    codebook: codebooks/oas_2013.yaml\n    overrides: {}",
            "    codebook: codebooks/oas_2013.yaml\n    overrides: {report: {small_n: 3}}",
        )
    )
    assert good.for_survey("oas_2013")["report"]["small_n"] == 3
    assert good.for_survey("invented_example")["report"]["small_n"] == 10
    bad = _edit(
        "    codebook: codebooks/oas_2013.yaml\n    overrides: {}",
        "    codebook: codebooks/oas_2013.yaml\n    overrides: {stats: {pct_decimals: 9}}",
    )
    with pytest.raises(ConfigError) as err:
        parse_params(bad)
    assert "surveys.oas_2013.overrides.stats.pct_decimals: expected less than or equal to 6" in str(
        err.value
    )
    assert str(err.value).startswith(f"params.yaml:{_line_of(bad, 'pct_decimals: 9')}:")
    unknown = _edit(
        "    codebook: codebooks/oas_2013.yaml\n    overrides: {}",
        "    codebook: codebooks/oas_2013.yaml\n    overrides: {stat: {}}",
    )
    with pytest.raises(
        ConfigError,
        match=r"surveys.oas_2013.overrides: expected sections "
        r"\['clean', 'report', 'stats'\] only; found \['stat'\]",
    ):
        parse_params(unknown)


def test_a_survey_without_overrides_is_told_to_write_an_empty_mapping():
    """``overrides`` is required (dvc.yaml declares each survey's as a stage parameter, and DVC
    refuses a declared parameter params.yaml lacks): its absence says what to write."""
    text = _edit(
        "    codebook: codebooks/oas_2013.yaml\n    overrides: {}",
        "    codebook: codebooks/oas_2013.yaml",
    )
    with pytest.raises(
        ConfigError,
        match=r"surveys.oas_2013.overrides: expected this key "
        r"\(`overrides: \{\}` for none: .*found nothing",
    ):
        parse_params(text)


def test_survey_ids_and_encodings_are_checked():
    with pytest.raises(ConfigError, match=r"survey ids of lower-case letters.*\['OAS 2013'\]"):
        parse_params(_edit("  oas_2013:\n", "  OAS 2013:\n"))
    with pytest.raises(
        ConfigError,
        match=r"surveys.oas_2013.encoding: expected a text "
        r"encoding Python knows.*found 'utf-9'",
    ):
        parse_params(_edit("    encoding: utf-8\n", "    encoding: utf-9\n"))


def test_not_yaml_names_the_line():
    with pytest.raises(ConfigError, match=r"^params.yaml:2: expected YAML"):
        parse_params("stats:\n  - [unclosed\n")


def test_yaml_line_finds_nested_keys():
    text = "a:\n  b:\n    c: 1\nd: [x, y]\n"
    assert yaml_line(text, ("a", "b", "c")) == 3
    assert yaml_line(text, ("a", "zz")) == 1  # the deepest key found
    assert yaml_line(text, ("d", 1)) == 4


def test_parameters_page_is_generated_from_the_definitions():
    params = load_params(ROOT)
    page = (ROOT / PAGE).read_text(encoding="utf-8")
    assert page == parameters_page(params), "regenerate: python -m helpers.pipeline.config --table"
    assert parameter_table(params) in page
    table_rows = [line for line in page.splitlines() if line.startswith("| `")]
    models = (*SECTIONS.values(), SurveySpec)
    assert len(table_rows) == sum(len(m.model_fields) for m in models)


def test_the_table_command_writes_the_parameters_page(tmp_path):
    (tmp_path / "docs").mkdir()
    written = write_parameters_page(tmp_path, load_params(ROOT))
    assert written == tmp_path / "docs" / "parameters.md"
    assert written.read_bytes() == (ROOT / PAGE).read_bytes()


# --- dvc.yaml: foreach stages, resolved the way DVC resolves them ----------------------------


def test_stage_resolution_equals_dvcs_own():
    from dvc.repo import Repo

    params = load_params(ROOT)
    with Repo(str(ROOT)) as repo:
        theirs = {s.addressing: s for s in repo.index.stages}
    for stage in SURVEY_STAGES:
        for survey in params.surveys:
            ours = stage_spec(ROOT, stage, survey, params)
            dvc_stage = theirs[f"{stage}@{survey}"]
            assert ours.cmd == dvc_stage.cmd
            deps = [d.def_path for d in dvc_stage.deps if type(d).__name__ == "Dependency"]
            assert list(ours.deps) == deps
            assert sorted(ours.outs) == sorted(o.def_path for o in dvc_stage.outs)
            declared = [
                p
                for d in dvc_stage.deps
                if type(d).__name__ == "ParamsDependency"
                for p in d.params
            ]
            assert list(ours.params) == declared


@pytest.mark.parametrize("stage", SURVEY_STAGES)
def test_layout_lists_exactly_the_outputs_of_dvc_yaml(stage):
    for survey in load_params(ROOT).surveys:
        spec = stage_spec(ROOT, stage, survey)
        assert sorted(spec.outs) == sorted(layout.stage_outputs(stage, survey))
        assert spec.cmd == f".venv/bin/python -m helpers.pipeline.runner {stage} {survey}"
        assert spec.executed == layout.notebook_output(stage, survey)


def test_stages_that_read_shared_values_declare_the_surveys_overrides():
    for stage in SURVEY_STAGES:
        keys = stage_spec(ROOT, stage, "oas_2013").params
        if any(k.startswith(tuple(f"{section}." for section in SECTIONS)) for k in keys):
            assert "surveys.oas_2013.overrides" in keys, stage


def test_unknown_stage_or_survey_is_refused_with_the_nearest():
    with pytest.raises(ConfigError, match=r"expected a stage named 'extrct'"):
        stage_spec(ROOT, "extrct", "oas_2013")
    with pytest.raises(ConfigError, match=r"found 'oas2013' \(nearest: 'oas_2013'\)"):
        stage_spec(ROOT, "extract", "oas2013")


# --- a stage reads exactly the keys it declares ----------------------------------------------


def test_a_stage_cannot_read_a_key_it_does_not_declare():
    params = load_params(ROOT)
    audit = StageParams(stage_spec(ROOT, "audit", "oas_2013", params), params)
    assert audit.get("stats.rounding") == "half_away_from_zero"
    assert audit.get("codebook") == "codebooks/oas_2013.yaml"
    with pytest.raises(
        ConfigError,
        match=r"stage 'audit' reads 'stats.ci_level' but does not "
        r"declare it",
    ):
        audit.get("stats.ci_level")
    with pytest.raises(ConfigError, match="declared"):
        audit.section("stats")  # needs every stats key
    summarize = StageParams(stage_spec(ROOT, "summarize", "oas_2013", params), params)
    assert summarize.section("stats") == params.stats
    assert "report.max_listed_rows" not in summarize.as_dict()


def test_an_overridden_value_needs_the_overrides_declared():
    params = parse_params(
        _edit(
            "    codebook: codebooks/oas_2013.yaml\n    overrides: {}",
            "    codebook: codebooks/oas_2013.yaml\n    overrides: {stats: {ci_level: 0.9}}",
        )
    )
    spec = stage_spec(ROOT, "summarize", "oas_2013", params)
    assert StageParams(spec, params).get("stats.ci_level") == 0.9
    stripped = type(spec)(
        **{**spec.__dict__, "params": tuple(p for p in spec.params if not p.endswith(".overrides"))}
    )
    with pytest.raises(ConfigError, match="overrides, without declaring"):
        StageParams(stripped, params).get("stats.ci_level")


def test_check_declared(repo_root):
    notebook = str(repo_root / "notebooks" / "01_extract.ipynb")
    check_declared(notebook, {"survey": "oas_2013", "outputs": "pipeline"})
    with pytest.raises(StageError, match=r"parameters \['stats'\] are not declared") as err:
        check_declared(notebook, {"survey": "x", "stats": {}})
    assert "01_extract.ipynb" in str(err.value) and "'survey'" in str(err.value)


# --- notebooks: scratch by default, the pipeline's folders only when asked -------------------


@pytest.fixture()
def mini_project(tmp_path):
    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "codebooks", tmp_path / "codebooks")
    return tmp_path


def test_scratch_mode_writes_under_scratch_and_reads_scratch_copies_first(mini_project):
    stage = open_stage("clean", "oas_2013", start=mini_project)
    assert stage.outputs == "scratch"
    assert stage.output("responses") == "scratch/data/processed/oas_2013/responses.csv"
    assert stage.input("extract", "mentions") == "data/processed/oas_2013/extracted/mentions.csv"
    copy = mini_project / "scratch/data/processed/oas_2013/extracted/mentions.csv"
    copy.parent.mkdir(parents=True)
    copy.write_text("x\n", encoding="utf-8")
    assert stage.input("extract", "mentions") == str(copy.relative_to(mini_project))
    written = stage.write({"rejects": "a\n"})
    assert written == ["scratch/data/processed/oas_2013/rejects.csv"]
    assert not (mini_project / "data/processed/oas_2013/rejects.csv").exists()


def test_pipeline_mode_writes_the_pipeline_files(mini_project):
    stage = open_stage("clean", "oas_2013", outputs="pipeline", start=mini_project)
    assert stage.input("extract", "mentions") == "data/processed/oas_2013/extracted/mentions.csv"
    assert stage.write({"rejects": "a\n"}) == ["data/processed/oas_2013/rejects.csv"]
    assert (mini_project / "data/processed/oas_2013/rejects.csv").read_text() == "a\n"


def test_session_refusals(mini_project):
    with pytest.raises(
        ConfigError,
        match=r"overrides: expected none when writing the "
        r"pipeline's outputs",
    ):
        open_stage(
            "summarize",
            "oas_2013",
            outputs="pipeline",
            overrides={"stats": {"ci_level": 0.9}},
            start=mini_project,
        )
    with pytest.raises(ConfigError, match=r"outputs: expected one of"):
        open_stage("summarize", "oas_2013", outputs="committed", start=mini_project)
    with pytest.raises(ConfigError, match=r"stats.ci_level: expected less than 1"):
        open_stage(
            "summarize", "oas_2013", overrides={"stats": {"ci_level": 2}}, start=mini_project
        )
    stage = open_stage("summarize", "oas_2013", start=mini_project)
    with pytest.raises(
        ConfigError,
        match=r"reads data/processed/oas_2013/claims.csv but does "
        r"not list it in `deps:`",
    ):
        stage.input("extract", "claims")
    with pytest.raises(ConfigError, match=r"expected outputs .*; found \['responses'\]"):
        stage.write({"responses": "x"})


def test_overrides_change_only_the_scratch_run(mini_project):
    stage = open_stage(
        "summarize", "oas_2013", overrides={"stats": {"ci_level": 0.9}}, start=mini_project
    )
    assert stage.section("stats").ci_level == 0.9
    assert load_params(mini_project).stats.ci_level == 0.95
    table = stage.overview()
    assert ("param stats.ci_level", "0.9") in set(table.rows)


def test_gitignore_keeps_scratch_out_of_git():
    import subprocess

    done = subprocess.run(
        ["git", "check-ignore", "scratch/data/processed/x.csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.strip() == "scratch/data/processed/x.csv"


def test_params_file_keeps_one_definition_per_key():
    """No parameter default is repeated in code: the models hold no default values."""
    from helpers.core.params import SECTIONS, SurveySpec

    for model in (*SECTIONS.values(), SurveySpec):
        for name, info in model.model_fields.items():
            assert info.is_required(), f"{model.__name__}.{name} has a default in code"
    raw = yaml.safe_load(PARAMS_TEXT)
    assert set(raw) == {"surveys", "clean", "stats", "report"}
    assert os.path.exists(ROOT / raw["surveys"]["oas_2013"]["source"])
