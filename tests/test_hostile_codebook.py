"""The codebook language closed under its own rules (issue 23, item 4).

INVENTED survey (10 rows, written here): three questions routed in a chain (q2 asked if
q1 = 1, q3 asked if q2 = 1), a group ``region``. Each case edits that codebook the way a
hostile or careless one would: routing judged on set-aside answers, routing in a cycle,
a recode of a recode, every answer out of the base, reserved or colliding ids, labels
alike, and the codebook errors that named no line. Every refusal names the file, the
line and what was expected and found; one run of the pipeline per group of cases shows
the stage stopping with its previous outputs byte-identical.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import polars as pl
import pytest
import yaml
from project_copy import data, make_project, ok, project_stats, run_stage, survey_entry

from helpers.clean.export import clean_export
from helpers.core.codebook import CodebookError, load_codebook, parse_codebook
from helpers.core.yaml_lines import yaml_line
from helpers.extract.export import read_export
from helpers.summarize.summaries import summarize

BOOK = {
    "survey": {
        "id": "hostile",
        "title": "Hostile codebook (INVENTED)",
        "respondent_unit_plural": "respondents",
    },
    "input": {"respondent_id": "RID"},
    "groups": [
        {
            "id": "region",
            "column": "REGION",
            "label": "Region",
            "values": [{"code": "1", "label": "North"}, {"code": "2", "label": "South"}],
        }
    ],
    "questions": [
        {
            "id": "q1",
            "column": "Q1",
            "type": "yes_no",
            "text": "Do you work?",
            "short": "Works",
            "answers": [{"code": "1", "label": "Yes"}, {"code": "2", "label": "No"}],
            "missing_codes": ["9"],
        },
        {
            "id": "q2",
            "column": "Q2",
            "type": "yes_no",
            "text": "Is it paid?",
            "short": "Paid",
            "answers": [{"code": "1", "label": "Yes"}, {"code": "2", "label": "No"}],
            "asked_if": {"q1": ["1"]},
        },
        {
            "id": "q3",
            "column": "Q3",
            "type": "single_choice",
            "text": "How much?",
            "short": "Amount",
            "answers": [{"code": "1", "label": "Little"}, {"code": "2", "label": "Much"}],
            "asked_if": {"q2": ["1"]},
        },
    ],
    "breakdowns": {"by_group": ["region"]},
}
# line: RID, REGION, Q1, Q2, Q3
ROWS = [
    ("a", "1", "1", "1", "1"),  # 2: routed all the way
    ("b", "2", "2", "1", "2"),  # 3: q2 is a routing violation, so q3 is routed to no one
    ("c", "1", "1", "7", "1"),  # 4: q2's '7' is no code: set aside, q3 routed to no one
    ("d", "2", "1", "2", ""),  # 5
    ("e", "1", "2", "", ""),  # 6
    ("f", "2", "1", "1", "2"),  # 7
    ("g", "1", "1", "1", "1"),  # 8
    ("h", "2", "1", "2", ""),  # 9
    ("i", "1", "9", "", ""),  # 10
    ("j", "2", "1", "1", "2"),  # 11
]
CSV = "RID,REGION,Q1,Q2,Q3\n" + "".join(",".join(r) + "\n" for r in ROWS)


def _book(edit=None) -> dict:
    book = copy.deepcopy(BOOK)
    if edit is not None:
        edit(book)
    return book


def _q(book: dict, qid: str) -> dict:
    return next(q for q in book["questions"] if q["id"] == qid)


def _clean(tmp_path: Path, book_data: dict):
    path = tmp_path / "survey.csv"
    path.write_text(CSV, encoding="utf-8")
    book = parse_codebook(book_data)
    result, free = clean_export(read_export(path, book), book, str(path), max_reject_share=0.5)
    return book, result, free


def _refused(book_data: dict) -> CodebookError:
    with pytest.raises(CodebookError) as info:
        parse_codebook(book_data)
    return info.value


def _loaded(tmp_path: Path, book_data: dict | str) -> tuple[str, str]:
    """(the message of loading the codebook written as YAML, that YAML's text)."""
    text = (
        book_data
        if isinstance(book_data, str)
        else yaml.safe_dump(book_data, sort_keys=False, allow_unicode=True)
    )
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    return str(info.value), text


def _line(text: str, needle: str, nth: int = 1) -> int:
    """The line of the ``nth`` line of ``text`` holding ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def _at(message: str, line: int) -> None:
    assert re.match(rf".*codebook\.yaml:{line}: ", message), message
    assert "expected " in message and "; found " in message, message


# 1. Routing is judged on the cleaned values ------------------------------------------


def test_an_answer_set_aside_as_a_routing_violation_routes_no_one(tmp_path):
    _, result, _ = _clean(tmp_path, _book())
    q3 = result.rejects.filter(pl.col("question") == "q3")
    assert q3["source_line"].to_list() == [3, 4]
    assert (
        q3["reason"].to_list()
        == ["routing violation: answered q3, asked only if q2 in 1; found q2 = missing"] * 2
    )
    responses = result.responses
    assert responses.filter(pl.col("source_line") == 3)["q3"].to_list() == [None]
    counts = result.counts.filter(pl.col("question") == "q3").row(0, named=True)
    assert (counts["rows_kept"], counts["rows_rejected"], counts["balanced"]) == (4, 2, True)


def test_routing_on_a_recode_of_a_routed_question_reads_the_cleaned_recode(tmp_path):
    def edit(book):
        book["groups"].append(
            {
                "id": "paid",
                "label": "Paid",
                "derived_from": "q2",
                "values": [
                    {"code": "paid", "label": "Paid work", "of": ["1"]},
                    {"code": "unpaid", "label": "Unpaid work", "of": ["2"]},
                ],
            }
        )
        _q(book, "q3")["asked_if"] = {"paid": ["paid"]}

    _, result, _ = _clean(tmp_path, _book(edit))
    line3 = result.responses.filter(pl.col("source_line") == 3)
    assert line3.select("q2", "paid", "q3").row(0) == (None, None, None)
    q3 = result.rejects.filter(pl.col("question") == "q3")
    assert q3["source_line"].to_list() == [3, 4]


def test_every_kept_routed_answer_is_in_the_figures_and_bases_recount(tmp_path):
    """Each answer kept is in the figures (before, line 3's q3 was kept but in no figure),
    and each routed figure's base, as its provenance rule states it, recounts exactly."""
    from helpers.core.handoff import as_pandas
    from helpers.core.selection import apply_rule, parse_rule

    book, result, free = _clean(tmp_path, _book())
    out = summarize(result.responses, free, book, project_stats())
    table = as_pandas(result.responses, categorical=False)
    figures = out.figures.to_pandas().set_index("figure_id")
    for rule in out.rules.iter_rows(named=True):
        row = figures.loc[rule["figure_id"]]
        if row["kind"] == "answer":
            assert int(apply_rule(table, parse_rule(rule["base"])).sum()) == row["base"], rule
    assert figures.loc["q3.all.all.1", "base"] == 4  # lines 2, 7, 8, 11 (not 3)
    for qid in ("q2", "q3"):
        kept = result.counts.filter(pl.col("question") == qid)["rows_kept"].item()
        answers = figures[
            (figures["question"] == qid)
            & (figures["group"] == "all")
            & (figures["kind"] == "answer")
        ]
        assert answers["n"].sum() == kept, qid


# 2. Routing on itself, and in a cycle -------------------------------------------------


def _recode_of(source: str, gid: str = "again"):
    return {
        "id": gid,
        "label": f"{source} again",
        "derived_from": source,
        "values": [
            {"code": "y", "label": "Yes again", "of": ["1"]},
            {"code": "n", "label": "No again", "of": ["2"]},
        ],
    }


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda b: (
                b["groups"].append(_recode_of("q2")),
                _q(b, "q2").update(asked_if={"again": ["y"]}),
            ),
            "question q2: asked_if: expected a coded variable other than q2 itself or a recode "
            "of it; "
            "found 'again', a recode of q2",
        ),
        (
            lambda b: (
                b["groups"].append({**b["groups"][0], "id": "q2col", "column": "Q2"}),
                _q(b, "q2").update(asked_if={"q2col": ["1"]}),
            ),
            "question q2: asked_if: expected a coded variable other than q2 itself or a recode "
            "of it; "
            "found 'q2col', q2's own column 'Q2'",
        ),
        (
            lambda b: _q(b, "q2").update(asked_if={"q3": ["1"]}),
            "q2: asked_if: expected routing on variables answered before q2 (no cycle); found a "
            "cycle of 2: q2 asked_if q3, q3 asked_if q2",
        ),
        (
            lambda b: _q(b, "q1").update(asked_if={"q3": ["2"]}),
            "q1: asked_if: expected routing on variables answered before q1 (no cycle); found a "
            "cycle of 3: q1 asked_if q3, q3 asked_if q2, q2 asked_if q1",
        ),
        (
            lambda b: (
                b["groups"].append(_recode_of("q3")),
                _q(b, "q1").update(asked_if={"again": ["y"]}),
            ),
            "q1: asked_if: expected routing on variables answered before q1 (no cycle); found a "
            "cycle of 4: q1 asked_if again, again derived from q3, q3 asked_if q2, q2 asked_if q1",
        ),
    ],
)
def test_routing_on_itself_or_in_a_cycle_is_refused(edit, message):
    error = _refused(_book(edit))
    assert str(error) == message
    assert error.place[-1] == "asked_if"


def test_a_routing_cycle_names_its_line(tmp_path):
    message, text = _loaded(tmp_path, _book(lambda b: _q(b, "q2").update(asked_if={"q3": [1]})))
    _at(message, _line(text, "asked_if:", 1))


# 3. A recode of a recode ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["groups", "questions"])
def test_a_recode_of_a_derived_question_is_refused(tmp_path, kind):
    def edit(book):
        book["questions"].append(
            {
                "id": "q2r",
                "type": "yes_no",
                "text": "Paid (recode)",
                "derived_from": "q2",
                "answers": [
                    {"code": "y", "label": "Yes", "of": ["1"]},
                    {"code": "n", "label": "No", "of": ["2"]},
                ],
            }
        )
        twice = {
            "id": "q2rr",
            "label": "Paid (recode of a recode)",
            "derived_from": "q2r",
            "values": [{"code": "yy", "label": "Yes", "of": ["y"]}],
        }
        if kind == "questions":
            twice |= {"type": "yes_no", "text": "Twice", "answers": twice.pop("values")}
            del twice["label"]
        book[kind].append(twice)

    message, text = _loaded(tmp_path, _book(edit))
    assert message.endswith(
        "q2rr: derived_from: expected a coded variable that is not derived "
        "itself; found 'q2r', derived from 'q2' (derive q2rr from q2 "
        "directly)"
    )
    _at(message, _line(text, "derived_from: q2r"))


# 4. Every answer out of the base --------------------------------------------------------


def test_excluding_every_answer_from_the_base_is_refused(tmp_path):
    message, text = _loaded(
        tmp_path, _book(lambda b: _q(b, "q3").update(excluded_from_base=["1", 2]))
    )
    assert message.endswith(
        "question q3: excluded_from_base: expected at least one answer left "
        "in the base; found every answer of q3 excluded (1, 2): its "
        "percentages would have no base"
    )
    _at(message, _line(text, "excluded_from_base"))


# 5. Reserved and colliding ids ----------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "needle", "nth", "message"),
    [
        (
            lambda b: b["groups"][0].update(id="all"),
            "id: all",
            1,
            "groups[0] (all).id: expected an id other than 'all'; found 'all', reserved for every "
            "respondent's figures (<question>.all.all.<answer>)",
        ),
        (
            lambda b: _q(b, "q3").update(id="respondents", asked_if=None),
            "id: respondents",
            1,
            "questions[2] (respondents).id: expected an id other than 'respondents'; found "
            "'respondents', reserved for the respondent counts (respondents.<group>.<value>)",
        ),
        (
            lambda b: _q(b, "q3")["answers"][1].update(code="missing"),
            "code: missing",
            1,
            "figure id 'q3.all.all.missing': expected figure ids (<question>.<group>.<group "
            "code>.<answer code>) unique; found it made twice, by questions[2] (q3).answers[1] for "
            "everyone and by q3's 'No answer' row (answer code 'missing') for everyone",
        ),
        (
            lambda b: (
                b["groups"][0]["values"].append({"code": "1.2", "label": "Centre"}),
                _q(b, "q3")["answers"].append({"code": "2.1", "label": "Very much"}),
            ),
            ("questions", 2, "answers", 0, "code"),
            1,
            "figure id 'q3.region.1.2.1': expected figure ids (<question>.<group>.<group "
            "code>.<answer code>) unique; found it made twice, by questions[2] (q3).answers[2] for "
            "region value '1' (groups[0] (region).values[0]) and by questions[2] (q3).answers[0] "
            "for region value '1.2' (groups[0] (region).values[2])",
        ),
    ],
)
def test_reserved_or_colliding_ids_are_refused_naming_both(tmp_path, edit, needle, nth, message):
    got, text = _loaded(tmp_path, _book(edit))
    assert got.endswith(message), got
    _at(got, yaml_line(text, needle) if isinstance(needle, tuple) else _line(text, needle, nth))


def test_colliding_ids_stop_before_summarize_today_would(tmp_path):
    """What the codebook refuses now would have reached summarize's bare ValueError."""
    book = _book(lambda b: _q(b, "q3")["answers"][1].update(code="missing"))
    with pytest.raises(CodebookError, match="figure id 'q3.all.all.missing'"):
        _clean(tmp_path, book)


# 6. Labels alike ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "needle", "message"),
    [
        (
            lambda b: _q(b, "q3")["answers"][1].update(label="little "),
            "label: 'little '",
            "questions[2] (q3).answers[1].label: expected labels unique within question q3 (the "
            "report's tables and charts show them by label); found 'little ', labelled alike as "
            "questions[2] (q3).answers[0] (code '1')",
        ),
        (
            lambda b: b["groups"][0]["values"][1].update(label="North"),
            "label: North",
            "groups[0] (region).values[1].label: expected labels unique within group region (the "
            "report's tables and charts show them by label); found 'North', labelled alike as "
            "groups[0] (region).values[0] (code '1')",
        ),
        (
            lambda b: b["groups"][0]["values"][1].update(label="All respondents"),
            "label: All respondents",
            "groups[0] (region).values[1].label: expected labels unique within group region (the "
            "report's tables and charts show them by label); found 'All respondents', labelled "
            "alike "
            "as the 'All respondents' row of the report's charts",
        ),
        (
            lambda b: (
                _q(b, "q3")["answers"][1].update(label="All respondents"),
                b["breakdowns"].update(by_group=["region", "q3"]),
            ),
            "label: All respondents",
            "questions[2] (q3).answers[1].label: expected labels unique within question q3 (the "
            "report's tables and charts show them by label); found 'All respondents', labelled "
            "alike "
            "as the 'All respondents' row (q3 is a breakdown)",
        ),
        (
            lambda b: _q(b, "q3").update(nets=[{"code": "any", "label": "Much", "of": [1, 2]}]),
            "label: Much",
            "questions[2] (q3).nets[0].label: expected labels unique within question q3 (the "
            "report's "
            "tables and charts show them by label); found 'Much', labelled alike as questions[2] "
            "(q3).answers[1] (code '2')",
        ),
    ],
)
def test_labels_alike_are_refused_naming_both(tmp_path, edit, needle, message):
    got, text = _loaded(tmp_path, _book(edit))
    assert got.endswith(message), got
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    _at(got, hits[-1])


# 7. Codebook errors that named no line --------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "needle", "nth", "message"),
    [
        (
            lambda b: _q(b, "q3").update(id="q2", asked_if=None),
            "id: q2",
            2,
            "questions[2] (q2).id: expected each question id once; found duplicate question ids: "
            "'q2' again (first: questions[1])",
        ),
        (
            lambda b: _q(b, "q3")["answers"][1].update(code=1.0),
            "code: 1.0",
            1,
            "questions[2] (q3).answers[1].code: expected codes unique by value; found "
            "duplicate codes "
            "['1', '1.0']: '1.0' is questions[2] (q3).answers[0]'s '1' (codes compare by "
            "value: '6' "
            "and '6.0' are one code)",
        ),
        (
            lambda b: b["questions"].insert(1, "q1b"),
            "- q1b",
            1,
            "questions[1]: expected a mapping of keys (id, type, text, ...); found 'q1b', a str",
        ),
        (
            lambda b: b["groups"][0].update(id="q1"),
            "id: q1",
            1,
            "groups[0] (q1).id: expected an id that no question or other group has; found "
            "'q1', the "
            "id of questions[0] (ids must be unique across questions and groups; found ['q1'] more "
            "than once; a group and a question may share a column, not an id)",
        ),
        (
            lambda b: _q(b, "q1").update(missing_codes=[8, "2.0"]),
            "'2.0'",
            1,
            "questions[0] (q1).missing_codes[1]: expected missing codes that are no answer's code; "
            "found that missing code '2.0' is also the answer code '2' (answers[1]): a value "
            "cannot "
            "be both an answer and missing",
        ),
    ],
)
def test_codebook_errors_name_their_line(tmp_path, edit, needle, nth, message):
    got, text = _loaded(tmp_path, _book(edit))
    assert got.endswith(message), got
    _at(got, _line(text, needle, nth))


# Through the stages ---------------------------------------------------------------------

SURVEY = "hostile"
REL = "data/examples/hostile"
STOPS = {  # one codebook per group of cases: the clean stage stops at load
    "routing cycle": (
        lambda b: _q(b, "q2").update(asked_if={"q3": ["1"]}),
        "q2: asked_if: expected routing on variables answered before q2",
    ),
    "recode of a recode": (
        lambda b: (
            b["groups"].append(_recode_of("q3", "q3r")),
            b["groups"].append({**_recode_of("q3", "q3rr"), "derived_from": "q3r"}),
        ),
        "q3rr: derived_from: expected a coded variable that is not derived",
    ),
    "nothing in the base": (
        lambda b: _q(b, "q1").update(excluded_from_base=[1, 2]),
        "expected at least one answer left in the base",
    ),
    "colliding ids": (
        lambda b: _q(b, "q3")["answers"][1].update(code="missing"),
        "figure id 'q3.all.all.missing': expected figure ids",
    ),
    "labels alike": (
        lambda b: b["groups"][0]["values"][0].update(label="South"),
        "expected labels unique within group region",
    ),
    "duplicate ids": (
        lambda b: _q(b, "q3").update(id="q1", asked_if=None),
        "expected each question id once; found duplicate question ids",
    ),
}


def test_through_the_stages_routing_on_cleaned_values_and_refusals_keep_outputs(tmp_path):
    """Clean writes q3's chained violations; each refused codebook then stops the clean stage
    at its codebook line, and the previous outputs stay byte-identical."""
    entry = survey_entry(f"{REL}/survey.csv", f"{REL}/codebook.yaml", input_kind="respondent_csv")
    root = make_project(
        tmp_path / "project",
        {SURVEY: entry},
        files={
            f"{REL}/survey.csv": CSV,
            f"{REL}/codebook.yaml": yaml.safe_dump(BOOK, sort_keys=False),
        },
    )
    for stage in ("extract", "clean"):
        ok(run_stage(root, stage, SURVEY), stage, SURVEY)
    rejects = pl.read_csv(data(root, "rejects.csv", SURVEY)).filter(pl.col("question") == "q3")
    assert rejects["source_line"].to_list() == [3, 4]
    before = {p: p.read_bytes() for p in data(root, "", SURVEY).rglob("*") if p.is_file()}
    for case, (edit, message) in STOPS.items():
        text = yaml.safe_dump(_book(edit), sort_keys=False)
        (root / REL / "codebook.yaml").write_text(text, encoding="utf-8")
        done = run_stage(root, "clean", SURVEY)
        assert done.returncode == 1, case
        found = re.search(
            rf"CodebookError: \S*codebook\.yaml:(\d+): .*{re.escape(message)}", done.stderr
        )
        assert found, (case, done.stderr[-2000:])
        after = {p: p.read_bytes() for p in data(root, "", SURVEY).rglob("*") if p.is_file()}
        assert after == before, case
