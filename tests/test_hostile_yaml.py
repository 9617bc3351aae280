"""Hostile YAML and survey declarations (issue 23, items 2 and 7).

params.yaml and every codebook are read by one strict reader
(``helpers.core.yaml_strict``): a key written twice, an alias, an explicit tag,
bytes that are not UTF-8, or a codebook that is not a mapping are refused at
their line, in the form ``<file>:<line>: expected <what>; found <what>``, fast
(an alias bomb is refused before anything expands it). A survey's declaration
is checked as DVC reads it: one id once, its codebook inside the project, its
encoding a text encoding, and a ``clean`` override read by the clean stage.
The stage cases run ``python -m helpers.pipeline.runner`` in a temporary copy
and check that the previous outputs stay byte-identical where it stops.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml
from project_copy import (
    EXPORT_DIR,
    EXPORT_SURVEY,
    REPO_ROOT,
    make_project,
    ok,
    run_stage,
    survey_entry,
    write_params,
)

from helpers.core.codebook import CodebookError, load_codebook
from helpers.pipeline import layout
from helpers.pipeline.config import (
    ConfigError,
    StageParams,
    load_params,
    main,
    parse_params,
    stage_spec,
)

PARAMS_TEXT = (REPO_ROOT / "params.yaml").read_text(encoding="utf-8")
BOOK_REL = "codebooks/oas_2013.yaml"
BOOK_TEXT = (REPO_ROOT / BOOK_REL).read_text(encoding="utf-8")
EXPORT_BOOK = f"{EXPORT_DIR}/codebook.yaml"


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str, start: int = 1) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if i >= start and needle in line)


def _bomb(key: str, levels: int = 12) -> str:
    """A YAML alias bomb under ``key``: 9**levels leaves in about 500 bytes per level."""
    lines = [f"{key}:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _book(tmp_path: Path, content: str | bytes, name: str = "book.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- 1. a key written twice -------------------------------------------------------------------


def test_a_codebook_with_questions_twice_is_refused_naming_both_lines(tmp_path):
    text = BOOK_TEXT + "questions:\n- {id: q9, type: free_text, text: Other}\n"
    first, again = _line_of(text, "questions:"), len(text.splitlines()) - 1
    with pytest.raises(CodebookError) as err:
        load_codebook(_book(tmp_path, text))
    assert str(err.value) == (
        f"{tmp_path / 'book.yaml'}:{again}: expected each key once in a mapping; found key "
        f"'questions' again (first at line {first}; YAML would keep only the last one, "
        "silently)"
    )


def test_a_nested_key_twice_in_a_codebook_is_refused(tmp_path):
    text = _edit(BOOK_TEXT, "    type: yes_no\n", "    type: yes_no\n    type: ordinal\n")
    with pytest.raises(
        CodebookError,
        match=rf"book.yaml:{_line_of(text, 'type: ordinal')}: "
        r"expected each key once in a mapping; found key "
        rf"'type' again \(first at line "
        rf"{_line_of(text, 'type: yes_no')};",
    ):
        load_codebook(_book(tmp_path, text))


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("  ci_level: 0.95\n", "  ci_level: 0.95\n  ci_level: 0.9\n", "ci_level"),
        ("report:\n", "report:\n  small_n: 3\n", "small_n"),  # the later one is the duplicate
        ("\nstats:\n", "\nstats: {}\nstats:\n", "stats"),
    ],
)
def test_a_key_twice_in_params_is_refused_naming_both_lines(old, new, key):
    text = _edit(PARAMS_TEXT, old, new)
    lines = [i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith(f"{key}:")]
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    assert str(err.value).startswith(
        f"params.yaml:{lines[1]}: expected each key once in a mapping; found key {key!r} again "
        f"(first at line {lines[0]};"
    )


# --- 6. two surveys with one id ---------------------------------------------------------------


def test_two_surveys_with_one_id_are_refused_by_the_params_check(tmp_path, monkeypatch, capsys):
    text = _edit(PARAMS_TEXT, "  anes96:\n", "  invented_example:\n")
    first = _line_of(text, "  invented_example:")
    again = _line_of(text, "  invented_example:", first + 1)
    message = (
        f"params.yaml:{again}: expected each key once in a mapping; found key "
        f"'invented_example' again (first at line {first}; "
    )
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    assert str(err.value).startswith(message)
    shutil.copy(REPO_ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    (tmp_path / "params.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main([]) == 1  # `python -m helpers.pipeline.config`: not "valid"
    assert capsys.readouterr().err.startswith(message)


# --- 2. aliases: refused at the alias, before any expansion -----------------------------------


def test_an_alias_bomb_in_params_is_refused_fast_at_its_line():
    text = PARAMS_TEXT + _bomb("unused")
    started = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    assert time.perf_counter() - started < 1
    assert str(err.value) == (
        f"params.yaml:{_line_of(text, '  l1: &l1')}: expected no YAML aliases (write each value "
        f"out where it is used); found alias *l0 (its anchor &l0 is at line "
        f"{_line_of(text, '  l0: &l0')})"
    )


def test_an_anchor_bomb_in_a_codebook_is_refused_fast_at_its_line(tmp_path):
    text = BOOK_TEXT + _bomb("x_notes")
    started = time.perf_counter()
    with pytest.raises(
        CodebookError,
        match=rf"book.yaml:{_line_of(text, '  l1: &l1')}: expected "
        r"no YAML aliases .*; found alias \*l0",
    ):
        load_codebook(_book(tmp_path, text))
    assert time.perf_counter() - started < 1


def test_a_single_alias_and_a_merge_key_are_refused_too():
    text = _edit(PARAMS_TEXT, "  ci_level: 0.95\n", "  ci_level: &level 0.95\n")
    text = _edit(text, "  alpha: 0.05\n", "  alpha: *level\n")
    with pytest.raises(
        ConfigError,
        match=rf"^params.yaml:{_line_of(text, '*level')}: expected "
        r"no YAML aliases .*found alias \*level \(its anchor "
        rf"&level is at line {_line_of(text, '&level')}\)$",
    ):
        parse_params(text)
    text = _edit(PARAMS_TEXT, "report:\n", "report:\n  <<: {small_n: 3}\n")
    with pytest.raises(
        ConfigError,
        match=rf"^params.yaml:{_line_of(text, '<<')}: expected each "
        r"key written out \(no merge keys\); found a merge key "
        r"'<<'$",
    ):
        parse_params(text)


# --- 3. tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system", "!!python/name:os.system", "!!binary", "!custom", "!!set"],
)
def test_explicit_tags_are_refused_at_their_line(tmp_path, tag):
    params = _edit(PARAMS_TEXT, "  ci_method: wilson\n", f"  ci_method: {tag} wilson\n")
    with pytest.raises(ConfigError) as err:
        parse_params(params)
    assert str(err.value).startswith(
        f"params.yaml:{_line_of(params, tag)}: expected plain YAML "
        "values (no tag other than !, !!bool"
    )
    assert str(err.value).endswith(f"; found the tag {tag!r}")
    book = _edit(BOOK_TEXT, "  type: yes_no\n", f"  type: {tag} yes_no\n")
    with pytest.raises(
        CodebookError,
        match=rf"book.yaml:{_line_of(book, tag)}: expected plain "
        r"YAML values .*; found the tag",
    ):
        load_codebook(_book(tmp_path, book))


def test_a_core_tag_is_still_read():
    text = _edit(PARAMS_TEXT, "  small_n: 10\n", "  small_n: !!int '10'\n")
    assert parse_params(text).report.small_n == 10


# --- 4. encoding: UTF-8 only, the first bad byte named ---------------------------------------


def test_a_cp1252_codebook_names_the_line_and_the_byte(tmp_path):
    text = _edit(BOOK_TEXT, "  title:", "  # Encuesta de organizaciones, versión 2\n  title:")
    path = _book(tmp_path, text.encode("cp1252"))
    offset = text.encode("cp1252").index("ó".encode("cp1252"))
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert str(err.value) == (
        f"{path}:{_line_of(text, 'versión 2')}: expected text encoded as UTF-8; found byte "
        f"0xf3 at byte offset {offset} that is not valid UTF-8 (in cp1252: 'ó'); save the file "
        "as UTF-8"
    )


@pytest.mark.parametrize(
    "encoding, found",
    [
        (
            "utf-16",
            "a UTF-16 (little-endian) byte-order mark (bytes ff fe) at byte offset 0: the "
            "file is UTF-16; save it as UTF-8",
        ),
        (
            "utf-16-be",
            "a NUL byte (0x00) at byte offset 0: UTF-16 or UTF-32 without a byte-order "
            "mark? save the file as UTF-8",
        ),
    ],
)
def test_a_utf16_codebook_is_named_as_such(tmp_path, encoding, found):
    path = _book(tmp_path, BOOK_TEXT.encode(encoding))
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert str(err.value) == f"{path}:1: expected text encoded as UTF-8; found {found}"


def test_a_params_file_not_in_utf8_names_the_line(tmp_path):
    text = _edit(PARAMS_TEXT, "\nstats:\n", "\n# versión 2\nstats:\n")
    (tmp_path / "params.yaml").write_bytes(text.encode("cp1252"))
    with pytest.raises(
        ConfigError,
        match=rf"^params.yaml:{_line_of(text, 'versión 2')}: "
        r"expected text encoded as UTF-8; found byte 0xf3 ",
    ):
        load_params(tmp_path)


# --- 5. a codebook that is not a mapping ------------------------------------------------------


@pytest.mark.parametrize(
    "content, line, found",
    [
        ("# a list\n- questions\n- q1\n", 2, "a list: ['questions', 'q1']"),
        ("", 1, "an empty file"),
        ("survey: {title: x}\ngroups: []\n", 1, "no 'questions' key (keys: ['survey', 'groups'])"),
    ],
)
def test_a_codebook_that_is_not_a_mapping_has_the_form(tmp_path, content, line, found):
    path = _book(tmp_path, content)
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert str(err.value) == (
        f"{path}:{line}: expected a mapping with a 'questions' list (a codebook); found {found}"
    )


# --- 7. a codebook (or source) outside the project --------------------------------------------


@pytest.mark.parametrize(
    "key, value",
    [
        ("codebook", "/tmp/elsewhere/x.yaml"),
        ("codebook", "../elsewhere/x.yaml"),
        ("codebook", "codebooks/../../x.yaml"),
        ("source", "/tmp/elsewhere/survey.csv"),
    ],
)
def test_a_path_outside_the_project_is_refused_by_the_params_check(key, value):
    old = {
        "codebook": "    codebook: codebooks/oas_2013.yaml\n",
        "source": "    source: data/raw/oas_cso_survey_2013.txt\n",
    }[key]
    text = _edit(PARAMS_TEXT, old, f"    {key}: {value}\n")
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    assert str(err.value) == (
        f"params.yaml:{_line_of(text, value)}: surveys.oas_2013.{key}: expected a path inside "
        "the project, relative to its root (DVC records it in dvc.lock, and a clone must find "
        f"it there): copy the file into the project; found {value!r}"
    )


# --- 9. a codec that is not a text encoding ---------------------------------------------------


@pytest.mark.parametrize("codec", ["rot13", "base64"])
def test_a_codec_that_is_not_a_text_encoding_is_refused(codec):
    text = _edit(PARAMS_TEXT, "    encoding: utf-8\n", f"    encoding: {codec}\n")
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    assert str(err.value) == (
        f"params.yaml:{_line_of(text, codec)}: surveys.oas_2013.encoding: expected a text "
        "encoding, which decodes bytes to text (e.g. utf-8, cp1252), not a codec such as rot13 "
        f"or base64; found {codec!r}"
    )
    assert parse_params(_edit(PARAMS_TEXT, "    encoding: utf-8\n", "    encoding: utf-16\n"))


# --- 8. a survey's override of a `clean` key --------------------------------------------------


def test_the_clean_stage_reads_a_clean_override():
    params = parse_params(
        _edit(
            PARAMS_TEXT,
            "    codebook: codebooks/oas_2013.yaml\n    overrides: {}",
            "    codebook: codebooks/oas_2013.yaml\n"
            "    overrides: {clean: {max_reject_share: 0.9}}",
        )
    )
    clean = StageParams(stage_spec(REPO_ROOT, "clean", "oas_2013", params), params)
    assert clean.get("clean.max_reject_share") == 0.9
    assert clean.get("clean.max_field_bytes") == params.clean.max_field_bytes


# --- through the stage runner: the stage stops, the previous outputs stay ---------------------


def _snapshot(root: Path, *stages: str) -> dict[str, bytes]:
    return {
        p: (root / p).read_bytes() for s in stages for p in layout.stage_outputs(s, EXPORT_SURVEY)
    }


def _entry(**changes: object) -> dict[str, object]:
    return {
        **survey_entry(f"{EXPORT_DIR}/survey.csv", EXPORT_BOOK, input_kind="respondent_csv"),
        **changes,
    }


@pytest.fixture(scope="module")
def export_project(tmp_path_factory) -> Path:
    """A copy with the INVENTED example export, its extract and clean run once."""
    root = tmp_path_factory.mktemp("hostile_yaml")
    files = {
        f"{EXPORT_DIR}/{name}": (REPO_ROOT / EXPORT_DIR / name).read_bytes()
        for name in ("survey.csv", "codebook.yaml")
    }
    make_project(root, {EXPORT_SURVEY: _entry()}, files)
    for stage in ("extract", "clean"):
        ok(run_stage(root, stage, EXPORT_SURVEY), stage, EXPORT_SURVEY)
    return root


@pytest.fixture
def project(export_project, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(export_project, root)
    return root


def _failed(done, stage: str, message: str) -> None:
    assert done.returncode == 1, done.stderr
    assert f"[{stage}@{EXPORT_SURVEY}] FAILED: " in done.stderr
    assert message in done.stderr, done.stderr[-2000:]


@pytest.mark.pipeline
def test_extract_refuses_a_hostile_codebook_fast_and_keeps_its_outputs(project):
    before = _snapshot(project, "extract", "clean")
    book = project / EXPORT_BOOK
    text = book.read_text(encoding="utf-8") + _bomb("x_notes")
    book.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    done = run_stage(project, "extract", EXPORT_SURVEY, timeout=60)
    assert time.perf_counter() - started < 30
    _failed(
        done,
        "extract",
        f"{EXPORT_BOOK}:{_line_of(text, '  l1: &l1')}: expected no YAML "
        "aliases (write each value out where it is used); found alias *l0",
    )
    # the same codebook, its questions written twice
    book.write_text(text.split("x_notes:")[0] + "questions: []\n", encoding="utf-8")
    done = run_stage(project, "extract", EXPORT_SURVEY, timeout=60)
    _failed(done, "extract", "expected each key once in a mapping; found key 'questions' again")
    assert _snapshot(project, "extract", "clean") == before


@pytest.mark.pipeline
def test_the_runner_refuses_hostile_survey_declarations_and_keeps_the_outputs(project, tmp_path):
    before = _snapshot(project, "extract", "clean")
    outside = tmp_path / "outside" / "codebook.yaml"
    outside.parent.mkdir()
    shutil.copy(project / EXPORT_BOOK, outside)
    write_params(project, {EXPORT_SURVEY: _entry(codebook=str(outside))})
    done = run_stage(project, "extract", EXPORT_SURVEY)
    _failed(
        done,
        "extract",
        f"surveys.{EXPORT_SURVEY}.codebook: expected a path inside the "
        f"project, relative to its root (DVC records it in dvc.lock, and a "
        f"clone must find it there): copy the file into the project; found "
        f"'{outside}'",
    )
    write_params(project, {EXPORT_SURVEY: _entry(encoding="rot13")})
    _failed(
        run_stage(project, "clean", EXPORT_SURVEY),
        "clean",
        f"surveys.{EXPORT_SURVEY}.encoding: expected a text encoding",
    )
    write_params(project, {EXPORT_SURVEY: _entry()})
    text = (project / "params.yaml").read_text(encoding="utf-8")
    entry = yaml.safe_dump({EXPORT_SURVEY: _entry()}, sort_keys=False).splitlines()
    twice = "surveys:\n" + "".join(f"  {line}\n" for line in entry)  # the survey declared twice
    (project / "params.yaml").write_text(text.replace("surveys:\n", twice, 1), encoding="utf-8")
    _failed(
        run_stage(project, "clean", EXPORT_SURVEY),
        "clean",
        f"expected each key once in a mapping; found key '{EXPORT_SURVEY}' again",
    )
    assert _snapshot(project, "extract", "clean") == before


@pytest.mark.pipeline
def test_a_clean_override_is_what_the_clean_stage_uses(project):
    before = _snapshot(project, "clean")
    write_params(project, {EXPORT_SURVEY: _entry(overrides={"clean": {"max_reject_share": 0.0}})})
    done = run_stage(project, "clean", EXPORT_SURVEY)
    _failed(done, "clean", "expected at most 0% of ")  # the survey's own value, not 50%
    assert _snapshot(project, "clean") == before
    write_params(project, {EXPORT_SURVEY: _entry(overrides={"clean": {"max_reject_share": 0.9}})})
    ok(run_stage(project, "clean", EXPORT_SURVEY), "clean", EXPORT_SURVEY)
    executed = layout.notebook_output("clean", EXPORT_SURVEY)
    after = _snapshot(project, "clean")
    assert "param clean.max_reject_share  0.9" in after.pop(executed).decode()
    assert after == {k: v for k, v in before.items() if k != executed}  # same data, same bytes
