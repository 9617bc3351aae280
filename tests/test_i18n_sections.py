"""The question sections, tables and tests in Spanish, French and Portuguese (issue 27, items 1-2).

REAL data: the pipeline's committed inputs of the report stage (data/processed/<survey>/,
read as the stage reads them) of ANES 1996 (statsmodels' public-domain subset; its codebook
asks for a banner, numeric questions and cross-tabulations), NHANES II (public domain;
weighted, a design), the OAS 2013 survey (published document: Fisher–Freeman–Halton exact
tests, free text) and the INVENTED example (small-base ``merge``, multiple choice).

Each section is rendered under a strict edition (an untranslated message raises), and what
it prints is checked against summaries.csv read by plain pandas: a table's percentage is the
figure's value in the language's format ("60,0 %"), a test line names its test in the
language's words, a numeric table's statistics keep their digits with the language's
decimal comma; no English sentence of these sections is left.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from helpers.core import i18n
from helpers.report.banner import banner_tables
from helpers.report.capped import capped_section
from helpers.report.column_appendix import column_tests_appendix
from helpers.report.crosstabs import crosstab_section
from helpers.report.free_text import free_text_section
from helpers.report.question_sections import question_section
from helpers.report.summary_table import summary_tables

REPO = Path(__file__).resolve().parents[1]
LANGS = ("es", "fr", "pt")
SURVEYS = ("anes96", "nhanes2", "oas_2013", "invented_example")
# A few questions of the large survey (one closed with its breakdowns, the numeric ones
# with a cross-tabulation); every question of the small ones.
QUESTIONS = {"anes96": ("pid", "vote", "age", "tv_news")}
NBSP = "\u00a0"
# Sentences these sections write in English: none may be left in another edition.
ENGLISH = (
    "All respondents",
    "respondents who answered",
    "Numbers: table below",
    "adjusted p",
    "beyond chance",
    "Unweighted base",
    "Weighted base",
    "Every question",
    "in small type",
    "Box: ",
    "whiskers",
    "gave no answer",
    "base below",
    "not in base",
    "Free-text answers per question",
    "column tests",
    "The most common answer",
    "Not tested",
    "Tested once",
)
FISHER_EXACT = {
    "es": "prueba exacta de Fisher–Freeman–Halton",
    "fr": "test exact de Fisher–Freeman–Halton",
    "pt": "teste exato de Fisher–Freeman–Halton",
}
CELL = re.compile(r'<td id="fig-([^"]+)"[^>]*><a class="v" href="#prov-[^"]+"[^>]*>([^<]*)</a>')
TEST_LINE = re.compile(r'<p class="test">(.*?)</p>')


def _inputs(survey: str):
    """The report stage's inputs of ``survey`` as the stage reads them."""
    from helpers.pipeline.session import open_stage
    from helpers.report.inputs import INPUTS, load_inputs

    stage = open_stage("report", survey, outputs="pipeline", start=REPO)
    paths = {f"{s}.{n}": str(REPO / stage.input(s, n)) for s, n in INPUTS}
    return load_inputs(paths, stage.params.as_dict())


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    return {s: _inputs(s) for s in SURVEYS}


def _render(survey: str, data: Any) -> dict[str, str]:
    """Every section of this area for one survey, in the current edition."""
    book, summaries, sp, policy = data.book, data.summaries, data.stats, data.small_base
    wanted = QUESTIONS.get(survey)
    questions = [q for q in book.summarized if wanted is None or q.id in wanted]
    out = {
        f"q:{q.id}": str(question_section(book, q, summaries, sp, policy, [])) for q in questions
    }
    for row_q, col_q in book.crosstabs:
        if row_q in {q.id for q in questions}:
            out[f"x:{row_q}:{col_q}"] = str(
                crosstab_section(book, row_q, col_q, summaries, sp, policy, [])
            )
    out["summary"] = str(summary_tables(book, summaries, policy, sp.column_alpha))
    out["banner"] = str(banner_tables(book, summaries, policy, sp.column_alpha))
    out["columns"] = str(
        column_tests_appendix(book, summaries, sp, policy.threshold, "report.html")
    )
    out["capped"] = str(capped_section(book, summaries, 1, policy))
    if book.free_text:
        out["free"] = str(
            free_text_section(book, data.free_text, summaries, data.max_rows, data.adapter)
        )
    return out


@pytest.fixture(scope="module")
def rendered(inputs) -> dict[tuple[str, str], dict[str, str]]:
    """(survey, language) -> the sections, each edition strict (a gap raises here)."""
    out = {}
    for survey, data in inputs.items():
        for lang in LANGS:
            with i18n.edition(lang) as ed:
                out[(survey, lang)] = _render(survey, data)
            assert not ed.missing, (survey, lang, ed.missing)
    return out


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _pct(value: object, lang: str) -> str:
    """A percentage as summaries.csv holds it, written by hand in ``lang``'s format."""
    digits = f"{float(value):.1f}".replace(".", ",")
    return {"es": f"{digits}{NBSP}%", "fr": f"{digits}{NBSP}%", "pt": f"{digits}%"}[lang]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("survey", SURVEYS)
def test_no_english_sentence_is_left(rendered, survey: str, lang: str) -> None:
    for name, markup in rendered[(survey, lang)].items():
        text = _plain(markup)
        left = [e for e in ENGLISH if e in text]
        assert not left, (survey, lang, name, left)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("survey", SURVEYS)
def test_every_percentage_cell_is_the_figure_in_the_languages_format(
    rendered, inputs, survey: str, lang: str
) -> None:
    """Each anchored percentage cell prints summaries.csv's ``pct`` as the language writes it."""
    raw = pd.read_csv(
        REPO / "data/processed" / survey / "summaries.csv", dtype=str, keep_default_na=False
    ).set_index("figure_id")
    checked = 0
    for name, markup in rendered[(survey, lang)].items():
        if not name.startswith(("q:", "x:")):
            continue
        for fid, shown in CELL.findall(markup):
            row = raw.loc[fid]
            if row["kind"] not in ("answer", "net") or row["pct"] == "":
                continue
            assert html.unescape(shown) == _pct(row["pct"], lang), (fid, shown)
            checked += 1
    assert checked >= 10, checked


def test_the_spanish_table_shows_sixty_percent_as_60_0(rendered) -> None:
    """The oas_2013 yes/no question: its share of "yes" from summaries.csv, as '60,0 %'."""
    raw = pd.read_csv(REPO / "data/processed/oas_2013/summaries.csv", dtype=str)
    yes = raw[(raw["question"] == "q1") & (raw["group"] == "all") & (raw["kind"] == "answer")]
    cells = dict(CELL.findall(rendered[("oas_2013", "es")]["q:q1"]))
    for fid, pct in zip(yes["figure_id"], yes["pct"], strict=True):
        want = f"{float(pct):.1f}".replace(".", ",") + f"{NBSP}%"
        assert html.unescape(cells[fid]) == want
    assert "," in cells[yes["figure_id"].iloc[0]] and "." not in cells[yes["figure_id"].iloc[0]]


@pytest.mark.parametrize("lang", LANGS)
def test_the_test_line_names_the_fisher_exact_test_in_the_language(rendered, lang) -> None:
    """oas_2013's breakdowns are tested by the Fisher–Freeman–Halton exact test (summaries)."""
    raw = pd.read_csv(REPO / "data/processed/oas_2013/summaries.csv", dtype=str)
    exact = raw[(raw["kind"] == "test") & (raw["answer_code"] == "p")]
    assert set(exact["ci_method"]) == {"fisher_exact"}
    lines = [
        _plain(line)
        for name, markup in rendered[("oas_2013", lang)].items()
        for line in TEST_LINE.findall(markup)
    ]
    named = [line for line in lines if line.startswith(FISHER_EXACT[lang])]
    assert named, lines
    alpha = {"es": "α = 0,05", "fr": "au seuil α = 0,05", "pt": "α = 0,05"}[lang]
    assert all(alpha in line for line in named), named
    colon = f"{NBSP}:" if lang == "fr" else ":"
    assert all(line.startswith(FISHER_EXACT[lang] + colon) for line in named), named


@pytest.mark.parametrize("lang", LANGS)
def test_a_numeric_section_keeps_its_digits_with_the_decimal_comma(rendered, inputs, lang) -> None:
    """anes96 ``age``: each statistic overall, as summaries.csv's ``shown``, comma decimal."""
    summaries = inputs["anes96"].summaries
    markup = rendered[("anes96", lang)]["q:age"]
    cells = {fid: html.unescape(t) for fid, t in CELL.findall(markup)}
    heads = {"es": "Media", "fr": "Moyenne", "pt": "Média"}[lang]
    assert f'<th scope="col">{heads}</th>' in markup
    stats = summaries[(summaries["question"] == "age") & (summaries["group"] == "all")]
    stats = stats[stats["kind"] == "numeric"]
    assert len(stats) >= 7
    for fid, shown in zip(stats["figure_id"], stats["shown"], strict=True):
        assert cells[fid] == str(shown).replace(".", ","), (fid, cells[fid], shown)


@pytest.mark.parametrize("lang", LANGS)
def test_a_weighted_section_names_its_bases_in_the_language(rendered, lang) -> None:
    """nhanes2 (a design): unweighted and weighted bases named; estimated counts compact."""
    words = {
        "es": ("Base sin ponderar (n)", "Base ponderada", "n sin ponderar", "% ponderado"),
        "fr": ("Base non pondérée (n)", "Base pondérée", "n non pondéré", "% pondéré"),
        "pt": ("Base não ponderada (n)", "Base ponderada", "n não ponderado", "% ponderado"),
    }[lang]
    markup = rendered[("nhanes2", lang)]["q:highbp"]
    text = _plain(markup)
    for w in words:
        assert w in text, (lang, w)
    small = re.findall(r'<span class="n">\(([^)]*)\)</span>', markup)
    assert small and all(re.fullmatch(r"[\d,]+\xa0(mil|k|M|mi)", n) for n in small), small


def test_the_summary_and_banner_tables_in_french(rendered, inputs) -> None:
    """anes96's summary by party and its banner: headings, columns and notes in French."""
    pieces = rendered[("anes96", "fr")]
    book = inputs["anes96"].book
    group = book.group(book.by_group[0]).label.lower()
    assert f"Synthèse selon {group}" in pieces["summary"]
    assert "Toutes les questions selon" in pieces["summary"]
    assert '<th scope="col">p (ajustée)</th>' in pieces["summary"]
    assert "Ensemble (n = 944)" in _plain(pieces["summary"])
    assert "Tableau croisé (bannière)\u00a0:" in pieces["banner"]
    assert '<th scope="colgroup" colspan="1">Total</th>' in pieces["banner"]
    assert f"lettres{NBSP}: la proportion est significativement plus élevée" in pieces["banner"]
    assert "Moyenne (ÉT)" in pieces["banner"] and "Médiane (EIQ)" in pieces["banner"]


def test_portuguese_plural_forms_and_the_capped_section(rendered, inputs) -> None:
    """The capped list (cap 1) says how many questions have no section, in Portuguese."""
    book = inputs["invented_example"].book
    left = len(book.summarized) - 1
    text = _plain(rendered[("invented_example", "pt")]["capped"])
    assert f"As {left} perguntas abaixo não têm seção própria" in text
    assert f"às primeiras 1 de suas {len(book.summarized)} perguntas" in text


def test_the_merge_rule_and_multiple_choice_in_spanish(rendered) -> None:
    """invented_example: small groups pooled ('agrupado'), multiple choice over 100 %."""
    pieces = rendered[("invented_example", "es")]
    text = " ".join(_plain(p) for p in pieces.values())
    assert "Respuesta múltiple: los encuestados podían elegir más de una respuesta." in text
    assert f"pueden sumar más del 100{NBSP}%." in text
    assert "base inferior a 10: leer con cautela; dos o más de estos grupos" in text
    assert "Otros grupos (bases inferiores a 10)" in text  # the pooled groups' label
    assert "Other groups" not in text


def test_free_text_in_each_language(rendered) -> None:
    """oas_2013's free-text section: its note and answers' source lines in the language."""
    for lang, words in {
        "es": ("Citadas tal como se publicaron", "línea "),
        "fr": ("Citées telles que publiées", "ligne "),
        "pt": ("Citadas como publicadas", "linha "),
    }.items():
        text = _plain(rendered[("oas_2013", lang)]["free"])
        assert all(w in text for w in words), lang


def test_english_is_the_message_ids(inputs) -> None:
    """Outside an edition and in the English one, the sections print the same English."""
    data = inputs["oas_2013"]
    q = data.book.summarized[0]
    args = (data.book, q, data.summaries, data.stats, data.small_base, [])
    plain = str(question_section(*args))
    with i18n.edition("en"):
        assert str(question_section(*args)) == plain
    assert "all respondents" in plain and "Numbers: table below." in plain


@pytest.mark.parametrize("lang", LANGS)
def test_the_branches_the_shipped_reports_do_not_reach(inputs, lang) -> None:
    """A capped answer list, a data file's cases, no column tests: each in the language."""
    from helpers.report.free_text import free_text_block
    from helpers.report.templating import render

    data = inputs["oas_2013"]
    q = data.book.free_text[0]
    import polars as pl

    # the hand-off is read lazily (helpers.report.rows): count with a query
    total = data.free_text.filter(pl.col("question") == q.id).select(pl.len()).collect().item()
    assert total > 1
    none = data.stats.model_copy(update={"column_test": "none"})
    with i18n.edition(lang):
        block = _plain(str(free_text_block(data.free_text, data.book, q.id, max_rows=1)))
        groups = [{"code": "", "label": "", "count": 1, "more": 0, "answers": [("x", 7)]}]
        case = _plain(str(render("free_text_block.html", qid=q.id, groups=groups, unit="case")))
        columns = _plain(str(column_tests_appendix(data.book, data.summaries, none, 10, "r.html")))
    more = {"es": "… y {n} más en", "fr": "… et {n} de plus dans", "pt": "… e mais {n} em"}
    assert more[lang].format(n=total - 1) in block
    assert {"es": "caso 7", "fr": "cas 7", "pt": "caso 7"}[lang] in case
    assert {
        "es": "No se hicieron pruebas de columnas: los cuadros no llevan letras",
        "fr": f"Aucun test de colonnes n'a été effectué{NBSP}: les tableaux ne portent pas",
        "pt": "Nenhum teste de colunas foi feito: as tabelas não trazem letras",
    }[lang] in columns
