"""Fault injection (issue 5): damage the REAL source in memory and check the documented outcome.

Every kind of damage listed in docs/bad-input.md is applied to
data/raw/oas_cso_survey_2013.txt and gives exactly the outcome documented
there: an error naming the file, the line, what was expected and what was
found, or a rejected row with its reason and counts that still reconcile
(rows read = kept + rejected). The fast cases call the helpers; the
``pipeline`` cases run ``python -m helpers.pipeline.runner`` in a temporary copy
of the project and check the exit status, the message and that a failing
stage leaves the previous outputs byte-identical.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from project_copy import SURVEY, data, make_project, ok, run_stage, survey_entry, write_params

from helpers.clean.reconcile import check_balanced, reconcile
from helpers.core.codebook import Codebook, load_codebook
from helpers.core.errors import SourceError
from helpers.core.files import sha256_file
from helpers.core.tables import read_csv
from helpers.core.text import split_lines
from helpers.extract.source_parser import parse_source
from helpers.extract.source_reader import read_source
from helpers.pipeline import layout
from helpers.pipeline.staging import write_outputs
from helpers.report.data_warnings import data_warnings_html

ROOT = Path(__file__).resolve().parents[1]
SOURCE_REL = "data/raw/oas_cso_survey_2013.txt"
LINES = split_lines((ROOT / SOURCE_REL).read_text(encoding="utf-8"))
PATH = "data/raw/damaged.txt"  # the path the damaged copy is read under
Q2_LABELS = "Very useful, Moderately useful, Useful, Unnecessary, Don't know"
CADAL = "Centro para la Apertura y el Desarrollo de América Latina"
LANUS = "Centro de Derechos Humanos de la Universidad Nacional de Lanús"
AGORA = "ÁGORA Espacio Civil Paraguay"

# The lines of the real document the damages below rely on (1-based).
LANDMARKS = {
    25: "Registered",
    29: f"· {CADAL} (CADAL)",
    37: "Spain",
    43: "· Centro de Derechos Humanos Miguel Agustín Pro Juárez (Centro Prodh)",
    45: "Not registered",
    84: "QUESTION 1",
    90: "Registered",
    104: "Not Registered",
    106: "Argentina",
    126: "Paraguay",
    128: f"· {AGORA}",
    140: "In contrast, the following six CSOs",
    169: "QUESTION 2",
    172: "The following section groups",
    193: f"· {LANUS}",
    217: "MODERATELY USEFUL:",
    223: "· Centro de Mediación, Paz, y Resolución de Conflictos (CEMPROC)",
    251: "",
    267: "QUESTION 3",
    271: "Regarding the first of these activities",
    340: "QUESTION 4",
    353: "QUESTION 5",
}


def replace(at: int, *new: str) -> list[str]:
    """The document with line ``at`` replaced by ``new`` lines."""
    out = LINES.copy()
    out[at - 1 : at] = list(new)
    return out


def delete(first: int, last: int) -> list[str]:
    """The document without lines ``first``..``last``."""
    out = LINES.copy()
    del out[first - 1 : last]
    return out


def insert_after(at: int, *new: str) -> list[str]:
    """The document with ``new`` lines after line ``at``."""
    out = LINES.copy()
    out[at:at] = list(new)
    return out


def text_of(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def book() -> Codebook:
    return load_codebook(ROOT / "codebooks/oas_2013.yaml")


def test_landmarks_of_the_real_source():
    """The damages address these lines; if the source changed, fix the damages first."""
    for line, start in LANDMARKS.items():
        assert LINES[line - 1].strip().startswith(start), (line, LINES[line - 1])


# --- structural damage that stops the pipeline -----------------------------------------------

ERRORS: dict[str, tuple[Callable[[], list[str]], int | None, str, str]] = {
    # name: (damage, line, expected, found)
    "missing section (QUESTION 2 and all its lists)": (
        lambda: delete(169, 266),
        169,
        "a 'QUESTION 2' section (codebook: q2, q2_comment) before 'QUESTION 3'",
        "'QUESTION 3' and no 'QUESTION 2' heading in the file",
    ),
    "truncated file (ends inside QUESTION 2)": (
        lambda: LINES[:250],
        250,
        "a 'QUESTION 3' section (codebook: q3)",
        "the end of the file and no 'QUESTION 3' heading",
    ),
    "section without any organization list": (
        lambda: delete(172, 251),
        169,
        f"organization lists of the q2 answers ({Q2_LABELS}) under 'QUESTION 2'",
        "no organization listed in lines 169–186",
    ),
    "section heading twice": (
        lambda: replace(169, "QUESTION 1"),
        169,
        "each 'QUESTION n' heading once",
        "'QUESTION 1' again (first on line 84)",
    ),
    "section the codebook does not know": (
        lambda: insert_after(352, "QUESTION 6", ""),
        353,
        "a question section listed in the codebook",
        "'QUESTION 6'",
    ),
    "unknown answer heading": (
        lambda: replace(217, "SOMEWHAT USEFUL:"),
        217,
        f"an answer heading of q2 ({Q2_LABELS})",
        "'SOMEWHAT USEFUL:'",
    ),
    "answer heading outside a question section": (
        lambda: insert_after(23, "", "VERY USEFUL:"),
        25,
        "an answer heading only inside a question section with a categorical question",
        "'VERY USEFUL:'",
    ),
    "answer paragraph without an answer cue": (
        lambda: replace(
            140, LINES[139].replace("said they were unaware of", "said they had not heard of")
        ),
        142,
        "an answer heading or paragraph before an organization list",
        "'Registered'",
    ),
    "bullet outside any list": (
        lambda: insert_after(340, "", "· Stray remark"),
        342,
        "a bullet inside a list (after a country line or a paragraph introducing the list)",
        "bullet 'Stray remark'",
    ),
    "organization bullet before any country line": (
        lambda: insert_after(25, "", "· Stray organization"),
        27,
        "a country line before the organizations",
        "bullet 'Stray organization'",
    ),
    "country line written in capitals (reads as a heading, ends the list)": (
        lambda: replace(37, "SPAIN"),
        39,
        "a bullet inside a list (after a country line or a paragraph introducing the list)",
        "bullet 'Asociación de Diplomados Españoles en Seguridad y Defensa (A'",
    ),  # 60 chars
    "empty bullet": (
        lambda: insert_after(340, "", "·"),
        342,
        "text after the bullet",
        "an empty bullet",
    ),
    "free-text list naming no known item": (
        lambda: replace(271, LINES[270].replace("the first of these", "the ninth of these")),
        271,
        "an ordinal naming one of q3's items ['1', '2', '3', '4', '5', '6', '7', '8']",
        repr(LINES[270].replace("the first of these", "the ninth of these")[:80]),
    ),
    "no registration list": (
        lambda: delete(25, 82),
        26,
        "a registration list (a registration line such as 'Registered', country lines, "
        "organization bullets) before the first 'QUESTION n' heading",
        "no organization before line 26",
    ),
    "conflicting country for one organization": (
        lambda: replace(106, "Uruguay"),
        108,
        "country 'Argentina' as in the registration list (line 51)",
        f"'{LANUS}' under country 'Uruguay'",
    ),
    "conflicting registration status for one organization": (
        lambda: replace(90, "Not registered"),
        94,
        "oas_registered 'registered' as in the registration list (line 29)",
        f"'{CADAL}' under oas_registered 'not_registered'",
    ),
    "typo in a registration line of the registration list": (
        lambda: replace(45, "Not registred"),
        108,
        "oas_registered 'registered' as in the registration list (line 51)",
        f"'{LANUS}' under oas_registered 'not_registered'",
    ),
    "same organization twice in the registration list, other country": (
        lambda: insert_after(43, "", "Chile", "", LINES[28]),
        47,
        "country 'Argentina' as on line 29",
        f"'{CADAL}' listed again with country 'Chile'",
    ),
    "same organization under two answers of one question": (
        lambda: insert_after(223, "", "Argentina", "", LINES[192]),
        227,
        "one q2 answer per organization ('very_useful' on line 193)",
        f"'{LANUS}' also under 'moderately_useful'",
    ),
    "random text instead of the document": (
        lambda: [
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "",
            "Sed do eiusmod tempor incididunt ut labore.",
        ],
        None,
        "the survey summary document (a registration list of organizations, then the "
        "sections 'QUESTION 1', 'QUESTION 2', 'QUESTION 3', 'QUESTION 4', 'QUESTION 5')",
        "no 'QUESTION n' heading and no organization list in 2 non-blank lines (first: "
        "'Lorem ipsum dolor sit amet, consectetur adipiscing elit.')",
    ),
    "a CSV file instead of the document": (
        lambda: ["respondent_id,organization,country", "R01,Foo,Chile", "R02,Bar,Peru"],
        None,
        "the survey summary document (a registration list of organizations, then the "
        "sections 'QUESTION 1', 'QUESTION 2', 'QUESTION 3', 'QUESTION 4', 'QUESTION 5')",
        "no 'QUESTION n' heading and no organization list in 3 non-blank lines (first: "
        "'respondent_id,organization,country')",
    ),
}


def parse_and_reconcile(
    text: str, book: Codebook
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    parsed = parse_source(text, book, path=PATH)
    result = reconcile(parsed.mentions, book, path=PATH)
    return result.responses, result.rejects, check_balanced(result.counts)


@pytest.mark.parametrize("damage", list(ERRORS))
def test_structural_damage_is_an_error_naming_file_line_expected_found(damage, book):
    make, line, expected, found = ERRORS[damage]
    with pytest.raises(SourceError) as err:
        parse_and_reconcile(text_of(make()), book)
    where = f"{PATH}:{line}" if line else PATH
    assert str(err.value) == f"{where}: expected {expected}; found {found}"
    assert (err.value.path, err.value.line) == (PATH, line)


# --- damage set aside as a rejected row --------------------------------------------------------

REJECTS = {
    # name: (damage, rejected row, (list, read, kept, rejected) of the list concerned)
    "organization in a Q1 list but not in the registration list": (
        lambda: insert_after(128, "", "· Fundación Fantasma (FF)"),
        {
            "source_line": 130,
            "list": "q1",
            "organization": "Fundación Fantasma",
            "reason": "not in the registration list (lines 29–81)",
        },
        ("q1", 16, 15, 1),
    ),
    "same organization twice in one Q1 list (same answer)": (
        lambda: insert_after(128, "", LINES[127]),
        {
            "source_line": 130,
            "list": "q1",
            "organization": AGORA,
            "reason": "duplicate of line 128 in the q1 list",
        },
        ("q1", 16, 15, 1),
    ),
    "same organization twice in the registration list (same country, status)": (
        lambda: insert_after(29, "", LINES[28]),
        {
            "source_line": 31,
            "list": "roster",
            "organization": CADAL,
            "reason": "duplicate of line 29 in the registration list",
        },
        ("roster", 16, 15, 1),
    ),
}


@pytest.mark.parametrize("damage", list(REJECTS))
def test_row_level_damage_is_rejected_with_reason_and_counts_reconcile(damage, book):
    make, row, (lst, read, kept, rejected) = REJECTS[damage]
    responses, rejects, counts = parse_and_reconcile(text_of(make()), book)
    assert rejects.to_dict("records") == [row]
    got = counts.set_index("list").loc[lst]
    assert (got["rows_read"], got["rows_kept"], got["rows_rejected"]) == (read, kept, rejected)
    assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_rejected"]).all()
    assert len(responses) == 15 and responses["q1"].notna().all()
    warning = data_warnings_html(rejects, counts, responses, book)
    assert f"Line {row['source_line']}" in warning and "set aside" in warning


def test_respondent_missing_from_a_question_list_is_a_missing_answer(book):
    responses, rejects, counts = parse_and_reconcile(text_of(delete(126, 128)), book)
    assert rejects.empty
    assert responses.loc[responses["q1"].isna(), "organization"].tolist() == [AGORA]
    assert counts.set_index("list").loc["q1", ["rows_read", "rows_kept"]].tolist() == [14, 14]
    warning = data_warnings_html(rejects, counts, responses, book)
    assert "Q1 (Knew the program): 1 respondent without an answer" in warning
    assert AGORA in warning


def test_undamaged_source_has_nothing_to_reject(book):
    responses, rejects, counts = parse_and_reconcile(text_of(LINES), book)
    assert rejects.empty and len(responses) == 15
    assert counts["rows_read"].tolist() == [15, 15, 15]
    assert data_warnings_html(rejects, counts, responses, book) == ""


# --- damage to the file itself -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "found"),
    [(b"", "an empty file"), (b" \r\n\n\t\n", "an empty file")],
    ids=["empty", "whitespace only"],
)
def test_empty_file_is_an_error(tmp_path, content, found):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert str(err.value) == f"{path}: expected the survey summary document; found {found}"


def test_binary_file_is_an_encoding_error_with_offset(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert str(err.value).startswith(
        f"{path}:2: expected text encoded as utf-8 (params.yaml: "
        "surveys.<id>.encoding); found byte 0xe2 at byte offset "
        "10 that "
        "is not valid utf-8"
    )


def test_missing_file_is_an_error(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert str(err.value) == (
        f"{path}: expected an existing file (params.yaml: surveys.<id>.source); found no such file"
    )


def test_changed_raw_file_is_refused_by_its_sha256(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data/raw", raw)
    target = raw / Path(SOURCE_REL).name
    target.write_text(text_of(replace(106, "Uruguay")), encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read_source(target)
    message = str(err.value)
    assert message.startswith(f"{target}: expected sha256 ")
    assert "the raw file was changed; raw data must stay verbatim" in message


def test_write_outputs_is_all_or_nothing(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_outputs({first: "old a\n", second: "old b\n"})
    with pytest.raises(TypeError):
        write_outputs({first: "new a\n", second: 12345})  # the second cannot be written
    assert first.read_text() == "old a\n" and second.read_text() == "old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # no temp files


# --- through the stage runner, in a temporary copy of the project ---------------------------


def _outs(root: Path, stage: str) -> list[Path]:
    return [root / p for p in layout.stage_outputs(stage, SURVEY)]


def _snapshot(root: Path, stage: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in _outs(root, stage)}


def use_source(root: Path, lines: list[str] | None = None, data: bytes | None = None) -> None:
    """Write the damaged document to data/raw/damaged.txt and point params.yaml at it."""
    target = root / PATH
    target.write_bytes(data if data is not None else text_of(lines or []).encode("utf-8"))
    write_params(root, {SURVEY: survey_entry(PATH)})


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """A project copy on which extract and clean ran on the undamaged source."""
    root = tmp_path_factory.mktemp("baseline")
    make_project(root, {SURVEY: survey_entry(SOURCE_REL)})
    shutil.copytree(ROOT / "data/raw", root / "data/raw")
    for stage in ("extract", "clean"):
        ok(run_stage(root, stage), stage)
    return root


@pytest.fixture
def project(baseline, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(baseline, root)
    return root


def _assert_failed_cleanly(done: subprocess.CompletedProcess, stage: str, message: str) -> None:
    assert done.returncode != 0
    assert f"[{stage}@{SURVEY}] FAILED: stage '{stage}@{SURVEY}' failed in cell" in done.stderr
    assert f"SourceError: {message}" in done.stderr
    assert "Traceback" not in done.stderr
    assert f"reports/_failed/{SURVEY}/" in done.stderr


@pytest.mark.pipeline
def test_failing_extract_exits_nonzero_and_leaves_outputs_untouched(project):
    before = _snapshot(project, "extract")
    use_source(project, delete(169, 266))  # no QUESTION 2 section
    done = run_stage(project, "extract")
    _assert_failed_cleanly(
        done,
        "extract",
        f"{PATH}:169: expected a 'QUESTION 2' section "
        "(codebook: q2, q2_comment) before 'QUESTION 3'; found 'QUESTION 3' "
        "and no 'QUESTION 2' heading in the file",
    )
    assert _snapshot(project, "extract") == before
    assert (project / f"reports/_failed/{SURVEY}/01_extract.ipynb").is_file()
    assert not list(project.glob("data/processed/**/.*.tmp"))
    assert not list(project.glob("reports/**/.*.tmp"))


@pytest.mark.pipeline
def test_failing_clean_exits_nonzero_and_leaves_its_outputs_untouched(project):
    before = _snapshot(project, "clean")
    lines = replace(90, "Not registered")
    use_source(project, lines)
    # What the extract stage writes for this copy (it cannot see the conflict), written
    # here in-process to save a kernel start.
    parsed = parse_source(
        text_of(lines), load_codebook(project / "codebooks/oas_2013.yaml"), path=PATH
    )
    extracted = layout.data_outputs("extract", SURVEY)
    write_outputs(
        {
            project / extracted["mentions"]: parsed.mentions,
            project / extracted["free_text"]: parsed.free_text,
        }
    )
    done = run_stage(project, "clean")
    _assert_failed_cleanly(
        done,
        "clean",
        f"{PATH}:94: expected oas_registered 'registered' as "
        f"in the registration list (line 29); found '{CADAL}' under "
        "oas_registered 'not_registered'",
    )
    assert _snapshot(project, "clean") == before


@pytest.mark.pipeline
def test_source_report_parameter_and_a_rejected_row_through_the_pipeline(project):
    """Point source_report at another copy: extract and clean process that copy.

    The copy names an organization in a Q1 list that the registration list
    lacks: the row is set aside in rejects.csv and the counts still reconcile.
    """
    use_source(project, insert_after(128, "", "· Fundación Fantasma (FF)"))
    done = run_stage(project, "extract")
    assert done.returncode == 0, done.stderr
    info = (data(project, "extracted/source.json")).read_text(encoding="utf-8")
    assert f'"path": "{PATH}"' in info
    assert f'"sha256": "{sha256_file(project / PATH)}"' in info
    mentions = read_csv(data(project, "extracted/mentions.csv"))
    assert (mentions["list"] == "q1").sum() == 16
    done = run_stage(project, "clean")
    assert done.returncode == 0, done.stderr
    rejects = read_csv(data(project, "rejects.csv"))
    assert rejects.to_dict("records") == [
        {
            "source_line": 130,
            "list": "q1",
            "organization": "Fundación Fantasma",
            "reason": "not in the registration list (lines 29–81)",
        }
    ]
    counts = read_csv(data(project, "reconciliation.csv"))
    assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_rejected"]).all()
    assert counts.set_index("list").loc["q1"].tolist()[:3] == [16, 15, 1]
    responses = read_csv(data(project, "responses.csv"))
    assert len(responses) == 15 and "Fundación Fantasma" not in set(responses["organization"])


def test_unexpected_runner_error_ends_with_a_failed_line(tmp_path, monkeypatch, capsys):
    """Not a SourceError (here: params.yaml is not YAML): still exit 1 and a FAILED line last."""
    from helpers.pipeline import runner
    from helpers.pipeline.runner import main

    shutil.copy2(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    shutil.copy2(ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise OSError("injected: disk gone")

    monkeypatch.setattr(runner, "_run_staged", broken)
    assert main(["extract", SURVEY]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"[extract@{SURVEY}] running\nTraceback")
    failed = err.index(f"[extract@{SURVEY}] FAILED: ")  # after the traceback, with the message
    assert failed > err.rindex("Traceback")
    assert err[failed:].startswith(f"[extract@{SURVEY}] FAILED: OSError: injected: disk gone")


def test_a_params_error_stops_the_runner_with_file_line_expected_found(
    tmp_path, monkeypatch, capsys
):
    from helpers.pipeline.runner import main

    shutil.copy2(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    text = (ROOT / "params.yaml").read_text(encoding="utf-8")
    (tmp_path / "params.yaml").write_text(
        text.replace("small_n: 10", "small_n: ten"), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["extract", SURVEY]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "FAILED: params.yaml:" in err
        and "report.small_n: expected a valid integer; found 'ten'" in err
    )


@pytest.mark.pipeline
def test_a_failure_after_the_notebook_wrote_its_data_keeps_every_output(project, monkeypatch):
    """The notebook's last cell writes responses.csv; if the runner then fails (here while
    normalising the executed notebook), that data must not replace the old outputs."""
    import os

    from helpers.pipeline import normalize as notebook_normalize
    from helpers.pipeline import runner as stage_runner
    from helpers.pipeline.staging import DEFER_ENV

    def broken(nb):
        raise RuntimeError("injected failure after the notebook ran")

    before = _snapshot(project, "clean")
    extracted = project / layout.data_outputs("extract", SURVEY)["mentions"]  # one Q1 fewer
    mentions = read_csv(extracted)
    dropped = mentions.index[mentions["list"] == "q1"][0]
    write_outputs({extracted: mentions.drop(index=dropped)})
    monkeypatch.setattr(notebook_normalize, "normalize", broken)
    with pytest.raises(RuntimeError, match="injected failure"):
        stage_runner.run("clean", SURVEY, project)
    assert _snapshot(project, "clean") == before
    leftovers = [p.name for p in (project / "data").rglob("*.tmp")]
    assert leftovers == [] and DEFER_ENV not in os.environ
    monkeypatch.undo()
    assert stage_runner.run("clean", SURVEY, project)  # the same stage then succeeds ...
    assert _snapshot(project, "clean") != before  # ... and replaces the outputs
