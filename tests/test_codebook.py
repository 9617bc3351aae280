import copy
import re
import unicodedata

import pytest
import yaml

from helpers.core.codebook import (
    CodebookError,
    Option,
    load_codebook,
    name_key,
    normalize_text,
    parse_codebook,
    slug,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("VERY USEFUL:", "very useful"),
        ("  Don’t   Know :  ", "don't know"),
        ("“soft”\trights", '"soft" rights'),
        ("‘quoted’", "'quoted'"),
        ("Not registered \n", "not registered"),
        ("Straße", "strasse"),  # case-folded, not just lower-cased
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_text_composes_accents():
    decomposed = unicodedata.normalize("NFD", "Asociación")
    assert decomposed != "Asociación"
    assert normalize_text(decomposed) == normalize_text("Asociación") == "asociación"


def test_normalize_text_drops_only_a_trailing_colon():
    assert normalize_text("Note: see below:") == "note: see below"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Asociación Ñandú", "ASOCIACION NANDU"),
        ("Migración  Chile", "migracion chile"),
        ("Centro de Mediación, Paz, y Resolución", "Centro de Mediacion Paz y Resolucion"),
        ("ÁGORA Espacio Civil", "agora espacio civil"),
    ],
)
def test_name_key_identifies_spellings(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_value_and_distinct_names():
    assert name_key("  Asociación Ñandú (AÑ) ") == "asociacion nandu an"
    assert name_key("Casa del Caminante Sur") != name_key("Casa del Caminante Norte")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El Salvador", "el_salvador"),
        ("Perú", "peru"),
        ("México", "mexico"),
        ("Costa  Rica", "costa_rica"),
        ("Côte d'Ivoire", "cote_d_ivoire"),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


def test_option_heading_matches_cue_or_label_exactly():
    option = Option("dont_know", "Don't know", ("don't know", "did not know"))
    assert option.heading_matches("DON’T KNOW:")
    assert option.heading_matches("Did not know")
    assert not option.heading_matches("DON’T KNOW MUCH:")
    useful = Option("useful", "Useful", ("useful",))
    assert useful.heading_matches("USEFUL:")
    assert not useful.heading_matches("VERY USEFUL:")


def test_project_codebook(codebook):
    assert [q.id for q in codebook.categorical] == ["q1", "q2"]
    assert [q.id for q in codebook.free_text] == ["q1_how", "q2_comment", "q3", "q4", "q5"]
    assert [o.code for o in codebook.question("q2").answers] == [
        "very_useful",
        "moderately_useful",
        "useful",
        "unnecessary",
        "dont_know",
    ]
    assert [o.code for o in codebook.question("q3").items] == [str(i) for i in range(1, 9)]
    assert codebook.group("country").from_source
    assert [o.code for o in codebook.group("oas_registered").values] == [
        "registered",
        "not_registered",
    ]
    assert codebook.by_group == ("oas_registered", "country")
    assert codebook.crosstabs == (("q2", "q1"),)
    assert [q.id for q in codebook.in_section(1)] == ["q1", "q1_how"]
    assert codebook.question("q1").answer("yes").label == "Yes"
    with pytest.raises(KeyError, match="q9"):
        codebook.question("q9")
    with pytest.raises(KeyError, match="maybe"):
        codebook.question("q1").answer("maybe")


@pytest.fixture
def raw_book(codebook):
    return copy.deepcopy(codebook.raw)


def _question(raw, qid):
    return next(q for q in raw["questions"] if q["id"] == qid)


def test_parse_codebook_round_trip(raw_book, codebook):
    assert parse_codebook(raw_book).questions == codebook.questions


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw.pop("questions"), "needs a 'questions' list"),
        (lambda raw: _question(raw, "q1").pop("type"), "questions[0] (q1).type: missing"),
        (lambda raw: _question(raw, "q1").pop("text"), "questions[0] (q1).text: missing"),
        (
            lambda raw: _question(raw, "q1").update(type="likert"),
            "questions[0] (q1).type: Input should be 'yes_no', 'single_choice', 'ordinal', "
            "'multiple_choice', 'numeric' or 'free_text'; found 'likert'",
        ),
        (lambda raw: _question(raw, "q2").pop("answers"), "a ordinal question needs answers"),
        (
            lambda raw: _question(raw, "q2").update(neutral=["no_idea"]),
            "neutral names answer codes of q2 (very_useful, moderately_useful, useful, "
            "unnecessary, "
            "dont_know); found ['no_idea']",
        ),
        (
            lambda raw: _question(raw, "q2")["answers"][1].update(code="very_useful"),
            "duplicate codes",
        ),
        (
            lambda raw: _question(raw, "q2")["answers"][0].pop("label"),
            ".answers[0].label: missing (required)",
        ),
        (lambda raw: _question(raw, "q4").update(id="q3"), "duplicate question ids"),
        (
            lambda raw: raw["breakdowns"].update(crosstabs=[["q2", "q4"]]),
            "the second a single-answer one",
        ),
        (lambda raw: raw["breakdowns"].update(by_group=["oas_registered", "region"]), "region"),
        (lambda raw: raw["breakdowns"].update(crosstabs=[["q2", "q7"]]), "q7"),
        (lambda raw: _question(raw, "q1").update(id="q__1"), "may not contain '__'"),
        (
            lambda raw: _question(raw, "q1").update(type="numeric"),
            "a numeric question has no answers",
        ),
        (
            lambda raw: _question(raw, "q1").update(unit="years"),
            "only a numeric question has a unit",
        ),
        (lambda raw: raw.update(design={}), "design: name at least one of weight, strata, psu"),
        (
            lambda raw: raw.update(
                design={
                    "weight": "w",
                    "replicate_weights": {"method": "jkn", "prefix": "r", "count": 3},
                }
            ),
            "method jkn needs rscales",
        ),
        (
            lambda raw: raw.update(
                design={
                    "weight": "w",
                    "replicate_weights": {
                        "method": "jk1",
                        "prefix": "r",
                        "count": 3,
                        "rscales": [1, 1],
                    },
                }
            ),
            "rscales: expected one per replicate (3); found 2",
        ),
        (
            lambda raw: raw.update(
                design={
                    "weight": "w",
                    "replicate_weights": {
                        "method": "brr",
                        "prefix": "r",
                        "count": 4,
                        "fay_rho": 0.5,
                    },
                }
            ),
            "fay_rho goes with method fay",
        ),
        (
            lambda raw: raw.update(
                design={
                    "weight": "w",
                    "calibration": {"method": "poststratify", "population": {"nope": {"1": 10}}},
                }
            ),
            "calibration.population: expected a question id; found 'nope'",
        ),
        (
            lambda raw: _question(raw, "q1").update(id="design_weight"),
            "reserved for the survey design",
        ),
        (
            lambda raw: _question(raw, "q2").update(type="multiple_choice", separator=""),
            "separator must be",
        ),
        (
            lambda raw: _question(raw, "q2").update(type="multiple_choice", separator="_"),
            "may not contain the separator '_'",
        ),
        (
            lambda raw: _question(raw, "q2").update(type="multiple_choice"),
            "q2 x q1: the first must be a single-answer or numeric question",
        ),
    ],
)
def test_parse_codebook_errors(raw_book, damage, message):
    damage(raw_book)
    with pytest.raises(CodebookError, match=re.escape(message)):
        parse_codebook(raw_book)


def test_parse_codebook_rejects_non_mapping():
    with pytest.raises(CodebookError):
        parse_codebook(["questions"])


def test_load_codebook_errors_name_the_file(tmp_path, raw_book):
    bad = tmp_path / "book.yaml"
    bad.write_text("questions: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"book\.yaml: cannot read codebook"):
        load_codebook(bad)
    raw_book["breakdowns"]["crosstabs"] = [["q2", "q4"]]
    bad.write_text(yaml.safe_dump(raw_book, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CodebookError, match=r"book\.yaml: crosstab q2 x q4"):
        load_codebook(bad)
    with pytest.raises(CodebookError, match="cannot read"):
        load_codebook(tmp_path / "missing.yaml")


def test_multiple_choice_question_has_one_indicator_column_per_option(raw_book):
    raw_book["breakdowns"]["crosstabs"] = []
    _question(raw_book, "q2").update(type="multiple_choice", separator=" ")
    book = parse_codebook(raw_book)
    q2 = book.question("q2")
    codes = [o.code for o in q2.answers]
    assert q2.closed and not q2.categorical and q2.separator == " "
    assert q2.indicators == {c: f"q2__{c}" for c in codes}
    assert q2.response_columns == [f"q2__{c}" for c in codes]
    assert book.multiple_choice == (q2,)
    assert [q.id for q in book.closed] == [q.id for q in book.questions if q.id in ("q1", "q2")]
    assert book.question("q1").response_columns == ["q1"]
