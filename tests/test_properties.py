"""Property-based tests (hypothesis) of the statistics, the summaries and the parser.

* the rounded percentages of a question add up to 100 within the rounding
  (each answer is off by less than one unit of the last decimal: half a unit
  for the half-rules);
* intervals lie within [0, 100] and contain the estimate;
* summaries do not depend on the order of the respondents;
* a document rebuilt from parsed data (helpers.tools.source_writer) parses back to
  the same data, with line numbers that point at the right lines.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from project_copy import project_stats, summarized

from helpers.clean.reconcile import reconcile
from helpers.core.codebook import Codebook, load_codebook, name_key, normalize_text, slug
from helpers.core.params import StatsParams
from helpers.core.stats import CI_METHODS, ROUNDING_RULES, percent, percent_interval
from helpers.core.text import split_lines
from helpers.extract.source_parser import parse_source
from helpers.tools.source_writer import write_source

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebooks/oas_2013.yaml")
HALF_RULES = {"half_away_from_zero", "half_even"}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(SETTINGS, max_examples=30)  # each example runs summarize
FAST = settings(SETTINGS, max_examples=300)  # arithmetic only

rules = st.sampled_from(sorted(ROUNDING_RULES))
methods = st.sampled_from(sorted(CI_METHODS))
decimals = st.integers(min_value=0, max_value=3)
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def unit(d: int) -> Decimal:
    return Decimal(1).scaleb(-d)


def sum_bound(k: int, d: int, rule: str) -> Decimal:
    """Largest possible |sum of k rounded percentages - 100|."""
    per_answer = unit(d) / 2 if rule in HALF_RULES else unit(d)
    return k * per_answer


# --- percentages -----------------------------------------------------------------------------


@FAST
@given(
    counts=st.lists(st.integers(0, 300), min_size=1, max_size=10).filter(lambda c: sum(c)),
    d=decimals,
    rule=rules,
)
def test_percentages_of_a_question_sum_to_100_within_rounding(counts, d, rule):
    base = sum(counts)
    pcts = [percent(n, base, d, rule) for n in counts]
    total = sum(pcts)
    assert abs(total - 100) <= sum_bound(len(counts), d, rule)
    if rule == "truncate":
        assert total <= 100
    if rule == "ceiling":
        assert total >= 100
    assert all(p == p.quantize(unit(d)) and 0 <= p <= 100 for p in pcts)


# --- intervals --------------------------------------------------------------------------------


@FAST
@given(
    base=st.integers(1, 2000), data=st.data(), method=methods, level=levels, d=decimals, rule=rules
)
def test_interval_within_0_100_and_contains_the_estimate(base, data, method, level, d, rule):
    n = data.draw(st.one_of(st.just(0), st.just(base), st.integers(0, base)))
    low, high = percent_interval(n, base, method, level, d, rule)
    pct = percent(n, base, d, rule)
    assert Decimal(0) <= low <= high <= Decimal(100)
    assert low <= pct <= high


# statsmodels' Wilson bounds are 2.8e-17 at n = 0 and 0.9999999999999999 at n = base;
# helpers.stats.interval pins them to 0 and 1 so truncation/ceiling keep the estimate inside.
@pytest.mark.parametrize(("n", "base", "rule"), [(10, 10, "truncate"), (0, 3, "ceiling")])
def test_wilson_bounds_at_0_and_100_percent(n, base, rule):
    low, high = percent_interval(n, base, "wilson", 0.95, 0, rule)
    assert low <= percent(n, base, 0, rule) <= high


def test_interval_of_an_empty_base_is_missing():
    assert percent_interval(0, 0, "wilson", 0.95, 1, "half_away_from_zero") == (None, None)
    assert percent(0, 0, 1, "half_away_from_zero") is None


# --- summaries --------------------------------------------------------------------------------

COUNTRIES = ["Argentina", "Bolivia", "Perú", "México", "El Salvador", "Costa Rica", "Chile"]


def respondents_strategy(min_size: int = 1, max_size: int = 25) -> st.SearchStrategy:
    """Rows like responses.csv (answers may be missing)."""
    q1 = [o.code for o in BOOK.question("q1").answers]
    q2 = [o.code for o in BOOK.question("q2").answers]
    status = [o.code for o in BOOK.group("oas_registered").values]
    row = st.fixed_dictionaries(
        {
            "country": st.sampled_from(COUNTRIES),
            "oas_registered": st.sampled_from(status),
            "q1": st.one_of(st.none(), st.sampled_from(q1)),
            "q2": st.one_of(st.none(), st.sampled_from(q2)),
        }
    )
    return st.lists(row, min_size=min_size, max_size=max_size)


def as_responses(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["country", "oas_registered", "q1", "q2"])
    df.insert(0, "respondent_id", [f"R{i:02d}" for i in range(1, len(df) + 1)])
    df.insert(1, "organization", [f"Organization {i}" for i in range(1, len(df) + 1)])
    for col in ("country", "oas_registered", "q1", "q2"):
        df[col] = df[col].astype("string")
    return df


EMPTY_FREE_TEXT = pd.DataFrame(
    {
        "line": pd.Series([], dtype="Int64"),
        "question": pd.Series([], dtype="string"),
        "item": pd.Series([], dtype="string"),
        "intro_line": pd.Series([], dtype="Int64"),
        "text": pd.Series([], dtype="string"),
    }
)


def figures_of(responses: pd.DataFrame, sp: StatsParams) -> pd.DataFrame:
    out = summarized(responses, EMPTY_FREE_TEXT, BOOK, sp)
    return out.figures


@SLOW
@given(
    rows=respondents_strategy(min_size=2),
    seed=st.integers(0, 2**32 - 1),
    method=methods,
    d=decimals,
    rule=rules,
)
def test_summaries_do_not_depend_on_the_order_of_respondents(rows, seed, method, d, rule):
    sp = project_stats(ci_method=method, pct_decimals=d, rounding=rule)
    responses = as_responses(rows)
    shuffled = responses.sample(frac=1, random_state=seed % (2**32))
    assume(not shuffled.index.equals(responses.index))
    a = figures_of(responses, sp)
    b = figures_of(shuffled, sp)  # rows and index labels shuffled
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


@SLOW
@given(rows=respondents_strategy(), d=decimals, rule=rules)
def test_summary_counts_add_up_and_percentages_sum_to_100(rows, d, rule):
    responses = as_responses(rows)
    figures = figures_of(responses, project_stats(pct_decimals=d, rounding=rule))
    answers = figures[figures["kind"] == "answer"]
    for (_, _, _), g in answers.groupby(["question", "group", "group_code"]):
        base = int(g["base"].iloc[0])
        assert int(g["n"].sum()) == base
        if base:
            total = sum(Decimal(str(p)) for p in g["pct"])
            k = len(BOOK.question(g["question"].iloc[0]).answers)
            assert abs(total - 100) <= sum_bound(k, d, rule)
    overall = answers[answers["group"] == "all"]
    for q in BOOK.categorical:
        assert int(overall.loc[overall["question"] == q.id, "n"].sum()) == int(
            responses[q.id].notna().sum()
        )


# --- parse(write(data)) == data ------------------------------------------------------------

WORDS = [
    "Centro",
    "Fundación",
    "Asociación",
    "Red",
    "Instituto",
    "Migrantes",
    "Derechos",
    "Humanos",
    "Víctimas",
    "Lanús",
    "Juárez",
    "ÁGORA",
    "Paz",
    "Mujeres",
    "Unidas",
    "Observatorio",
    "del",
    "de",
    "la",
    "Sur",
    "Norte",
    "Ñandú",
    "Río",
    "Civil",
]
ACRONYM_CHARS = "ABCDEFGHIJKLMNOPRSTUVÁÉÑ"


def org_names(size: int) -> st.SearchStrategy:
    name = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
    return st.lists(name, min_size=size, max_size=size, unique_by=name_key)


@st.composite
def respondent_tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(respondents_strategy(min_size=1, max_size=12))
    names = draw(org_names(len(rows)))
    acronyms = draw(
        st.lists(
            st.one_of(st.just(""), st.text(ACRONYM_CHARS, min_size=2, max_size=6)),
            min_size=len(rows),
            max_size=len(rows),
        )
    )
    df = pd.DataFrame(rows)
    for q in BOOK.categorical:  # a question nobody answered has no list: a structural error
        if df[q.id].isna().all():
            df.loc[0, q.id] = draw(st.sampled_from([o.code for o in q.answers]))
    df.insert(0, "organization", names)
    df.insert(1, "acronym", acronyms)
    return df


@st.composite
def free_text_tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for q in BOOK.free_text:
        codes = [o.code for o in q.items] or [""]
        for code in codes:
            n = draw(st.integers(0, 2))
            for _ in range(n):
                text = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=8))
                rows.append({"question": q.id, "item": code, "text": " ".join(text) + "."})
    return pd.DataFrame(rows, columns=["question", "item", "text"])


def _norm(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df[cols].astype(object).where(df[cols].notna(), None)
    out = out.map(lambda v: "" if v is None else str(v))
    return out.sort_values(cols).reset_index(drop=True)


def _check_round_trip(
    respondents: pd.DataFrame, free: pd.DataFrame, book: Codebook, style: str
) -> None:
    doc = write_source(respondents, book, free, answer_style=style)
    parsed = parse_source(doc, book, path="rebuilt.txt")
    result = reconcile(parsed.mentions, book, path="rebuilt.txt")
    assert result.rejects.empty
    cols = [
        "organization",
        "acronym",
        "country",
        "oas_registered",
        *[q.id for q in book.categorical],
    ]
    pd.testing.assert_frame_equal(_norm(result.responses, cols), _norm(respondents, cols))
    ft_cols = ["question", "item", "text"]
    pd.testing.assert_frame_equal(_norm(parsed.free_text, ft_cols), _norm(free, ft_cols))
    # Line numbers point at the lines the values came from.
    lines = split_lines(doc)
    for _, r in result.responses.iterrows():
        assert lines[int(r["organization_line"]) - 1].startswith(f"· {r['organization']}")
        assert lines[int(r["country_line"]) - 1] == r["country"]
        for q in book.categorical:
            if pd.isna(r[q.id]):
                continue
            assert r["organization"] in lines[int(r[f"{q.id}_line"]) - 1]
            heading = lines[int(r[f"{q.id}_heading_line"]) - 1]
            option = q.answer(r[q.id])
            assert option.heading_matches(heading) or any(
                normalize_text(c) in normalize_text(heading) for c in (*option.cues, option.label)
            )
    for _, f in parsed.free_text.iterrows():
        assert lines[int(f["line"]) - 1] == f"· {f['text']}"


@SETTINGS
@given(
    respondents=respondent_tables(),
    free=free_text_tables(),
    style=st.sampled_from(["heading", "cue"]),
)
def test_parsing_a_rebuilt_document_gives_the_same_data(respondents, free, style):
    _check_round_trip(respondents, free, BOOK, style)


@pytest.mark.parametrize("style", ["heading", "cue"])
def test_rebuilding_the_real_document_gives_the_same_data(style):
    """The 15 real respondents and free-text answers, written back and parsed again."""
    real = parse_source(
        (ROOT / "data/raw/oas_cso_survey_2013.txt").read_text(encoding="utf-8"), BOOK
    )
    responses = reconcile(real.mentions, BOOK).responses
    assert len(responses) == 15
    _check_round_trip(responses, real.free_text, BOOK, style)


def test_writer_refuses_values_the_parser_would_read_otherwise():
    base = {
        "organization": "Red Sur",
        "acronym": "",
        "country": "Chile",
        "oas_registered": "registered",
        "q1": "yes",
        "q2": None,
    }
    for change in (
        {"country": "UNITED STATES"},
        {"country": "Republic of the Union of X"},
        {"organization": " "},
        {"organization": "Label: 50%"},
    ):
        with pytest.raises(ValueError):
            write_source(pd.DataFrame([{**base, **change}]), BOOK)
    assert slug("Perú") == "peru"  # countries are grouped by slug in the summaries
