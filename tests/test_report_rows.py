"""The report reads the clean stage's hand-offs lazily and collects only what it shows.

Issue 26: the report stage held the whole hand-off in pandas (3 GiB at 10M rows). It now
scans the verified hand-offs (helpers.report.rows) and collects a count, the first rows
of a listing, the rows of the figures the provenance appendix lists. The reference is
plain pandas on the whole hand-off read eagerly, as the report read it before.

Data: the shipped surveys' committed hand-offs (``data/processed/<survey>/``):
anes96 and nhanes2 are REAL public-domain data (the ANES 1996 subset statsmodels ships,
NHANES II as samplics ships it), oas_2013 the OAS's published summary (REAL), and
invented_example INVENTED. The frames of the formula-cell test are INVENTED.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pytest
import yaml

from helpers.core import handoff, i18n
from helpers.core.selection import apply_rule, rule_text
from helpers.core.tables import formula_cells
from helpers.pipeline.session import open_stage
from helpers.report import rows
from helpers.report.data_warnings import data_warnings_html, formula_cells_html
from helpers.report.free_text import free_text_groups
from helpers.report.inputs import INPUTS, load_inputs
from helpers.report.respondent_figures import respondent_figures
from helpers.summarize.provenance import rows_behind

REPO = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
SURVEYS = list(PARAMS["surveys"])


def _paths_params(survey: str, max_rows: int | None = None) -> tuple[dict, dict]:
    stage = open_stage("report", survey, outputs="pipeline", start=REPO)
    paths = {f"{s}.{n}": str(REPO / stage.input(s, n)) for s, n in INPUTS}
    params = stage.params.as_dict()
    params["codebook"] = str(REPO / params["codebook"])
    params["source"] = str(REPO / params["source"])
    if max_rows is not None:
        params["report.max_listed_rows"] = max_rows
    return paths, params


def _whole(data, paths: dict, params: dict) -> dict[str, pd.DataFrame]:
    """The hand-offs read whole into pandas, as the report read them before (the reference)."""
    kind, codebook = params["input_kind"], params["codebook"]
    responses = handoff.read_responses(paths["clean.responses_parquet"], data.book, kind, codebook)
    free = handoff.read_free_text(paths["clean.free_text_parquet"], kind, codebook)
    return {
        "responses": handoff.as_pandas(responses, data.adapter.categorical_codes),
        "free_text": handoff.as_pandas(free),
    }


@pytest.fixture(scope="module", params=SURVEYS)
def loaded(request):
    paths, params = _paths_params(request.param)
    data = load_inputs(paths, params)
    return request.param, data, _whole(data, paths, params)


def test_the_hand_offs_are_scanned_not_read(loaded):
    _, data, whole = loaded
    assert isinstance(data.responses, pl.LazyFrame) and isinstance(data.free_text, pl.LazyFrame)
    assert rows.count(data.responses) == len(whole["responses"])
    assert rows.count(data.free_text) == len(whole["free_text"])


def test_rule_expr_selects_the_rows_apply_rule_selects(loaded):
    """Every rule of every figure (numerator and base): the same rows, polars and pandas."""
    _, data, whole = loaded
    rules = {}
    for fig in data.provenance["figures"].values():
        for rule in (fig["numerator"], fig["base"]):
            if rule is not None:
                rules[(fig["table"], rule_text(rule))] = (fig["table"], rule)
    assert rules
    for name, rule in rules.values():
        table = whole[name]
        expected = list(table.index[apply_rule(table, rule)])
        frame = rows.lazy(table).with_row_index("__i")
        schema = frame.collect_schema()
        got = frame.filter(rows.rule_expr(rule, schema)).select("__i").collect()["__i"]
        assert got.to_list() == expected, (name, rule)


def test_the_provenance_rows_are_those_of_the_whole_table(loaded):
    """The appendix lists, for each figure of at most max_rows, the rows the whole table gives."""
    _, data, whole = loaded
    listed = 0
    for fid, n in zip(data.summaries["figure_id"], data.summaries["n"], strict=True):
        fig = data.provenance["figures"][fid]
        if int(n) > data.max_rows:
            continue
        listed += 1
        got = rows_behind(fig["table"], fig["numerator"], data.tables)
        expected = rows_behind(fig["table"], fig["numerator"], whole)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_categorical=False)
    assert listed
    bound = sum(int(n) for n in data.summaries["n"] if int(n) <= data.max_rows)
    assert sum(map(len, data.tables.values())) <= bound


def test_the_sections_read_from_the_scan_what_they_read_from_the_whole_table(loaded):
    """Missing answers, free-text listings, respondents and formula cells: equal, in HTML."""
    _, data, whole = loaded
    for limit in (2, 40):
        for q in data.book.free_text:
            assert free_text_groups(data.free_text, data.book, q.id, limit) == free_text_groups(
                whole["free_text"], data.book, q.id, limit
            )
        assert data_warnings_html(
            data.rejects, data.reconciliation, data.responses, data.book, max_listed=limit
        ) == data_warnings_html(
            data.rejects, data.reconciliation, whole["responses"], data.book, max_listed=limit
        )
        assert data.adapter.respondents_table(
            data.book, data.responses, limit
        ) == data.adapter.respondents_table(data.book, whole["responses"], limit)
    keys = ("respondent_id", "organization", "source_line", "line")
    for name in ("responses", "free_text"):
        lazy, eager = formula_cells(getattr(data, name), keys), formula_cells(whole[name], keys)
        assert lazy.astype(str).to_dict("records") == eager.astype(str).to_dict("records")


def test_formula_cells_of_a_scan_equal_those_of_pandas():
    """INVENTED rows: formulas in text, enumeration and categorical columns, and in a key."""
    frame = pl.DataFrame(
        {
            "respondent_id": ["=R1", "R2", "R3", "R4"],
            "group": pl.Series(["+a", "b", "+a", None], dtype=pl.Categorical),
            "code": pl.Series(["1", "@2", None, "1"], dtype=pl.Enum(["1", "@2"])),
            "plain": pl.Series(["x", "y", "z", "w"], dtype=pl.Enum(["x", "y", "z", "w"])),
            "comment": ["ok", "\tx", "-9", "-x"],
            "source_line": [2, 3, 4, 5],
        }
    )
    keys = ("respondent_id", "source_line")
    expected = formula_cells(frame.to_pandas(), keys)
    assert len(expected) == 6  # =R1, +a twice, @2, \tx, -x (not -9: a number)
    for got in (formula_cells(frame.lazy(), keys), formula_cells(frame, keys)):
        assert got.astype(str).to_dict("records") == expected.astype(str).to_dict("records")
    tables = {"responses.csv": frame.lazy()}
    assert formula_cells_html(tables) == formula_cells_html({"responses.csv": frame.to_pandas()})


def test_the_report_collects_no_more_rows_than_it_shows(monkeypatch):
    """Every section of a survey built with max_listed_rows = 5: no query returns the table.

    Each collect of the report's queries holds at most 5 rows, except the provenance
    rows, bounded by the counts of the figures it lists; the hand-offs are never read
    eagerly (read_handoff refused).
    """
    from helpers.report import contents as rc

    survey, max_rows = "anes96", 5
    paths, params = _paths_params(survey, max_rows)

    def refuse(*args, **kwargs):
        raise AssertionError("a hand-off read whole")

    heights: list[int] = []
    collect = pl.LazyFrame.collect

    def spy(self, *args, **kwargs):
        out = collect(self, *args, **kwargs)
        heights.append(out.height)
        return out

    monkeypatch.setattr(handoff, "read_handoff", refuse)
    monkeypatch.setattr(pl.LazyFrame, "collect", spy)
    data = load_inputs(paths, params)
    provenance = sum(map(len, data.tables.values()))
    heights.clear()  # the provenance rows (bounded above) are collected by load_inputs
    sections = rc.sections_of(data)
    html = "".join(rc.rendered(sections, data, rc.Run(survey, "report.html")))
    assert "First 5 of 944 respondents" in html
    total = rows.count(data.responses)
    assert heights and max(heights) <= max_rows < total
    bound = sum(int(n) for n in data.summaries["n"] if int(n) <= max_rows)
    assert 0 < provenance <= bound < total


@pytest.mark.parametrize("lang", ["es", "fr", "pt"])
def test_the_respondents_are_written_in_each_language(lang):
    """The respondents' tables and notes in every edition, each message translated."""
    paths, params = _paths_params("anes96")
    data = load_inputs(paths, params)
    frame = pl.DataFrame({"respondent_id": ["=R1", "R2"], "source_line": [2, 3]})
    with i18n.edition(lang):  # strict: a message without its translation raises
        listing = str(data.adapter.respondents_table(data.book, data.responses, 40, "r.csv"))
        counts = str(respondent_figures(data.book, data.summaries, data.small_base))
        cells = str(formula_cells_html({"r.csv": frame}, unit="case", source="s.sav"))
        subtitle = data.adapter.subtitle(data.book)
    word = {"es": "Encuestados", "fr": "Répondants", "pt": "Respondentes"}[lang]
    assert f"{word} (n = 944)" in listing and word in counts
    assert "respondents" not in listing.replace("responses.csv", "") and "Respondents" not in counts
    assert "s.sav" in cells and "cells" not in cells.replace("formula-cells", "")
    assert subtitle != "Reproducible analysis of a respondent-level export"
