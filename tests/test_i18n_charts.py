"""The charts and tables.xlsx in Spanish, French and Portuguese (issue 27, items 1, 2 and 4).

Every chart and workbook here is built from the pipeline's committed inputs (REAL: the
2013 OAS document, ANES 1996 from statsmodels, NHANES II from the Stata/R `survey`
examples; see params.yaml) inside a STRICT edition: a message the language's catalog
lacks stops the build (helpers.core.i18n.UntranslatedError). The expected texts are
written here from summaries.csv (read by plain pandas) and CLDR's conventions for each
language, stated below, not through the code under test's formatting functions:
a decimal comma; a no-break space before '%' in Spanish and French, none in Portuguese.
The workbooks are read back with test_spreadsheet's reader (zipfile + ElementTree,
independent of XlsxWriter; openpyxl is not installed in this environment).
"""

from __future__ import annotations

import base64
import html
import io
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from test_spreadsheet import read_xlsx

from helpers.core import i18n

REPO = Path(__file__).resolve().parents[1]
LANGS = ["es", "fr", "pt"]
NBSP, NNBSP = "\u00a0", "\u202f"
# CLDR: the percent sign after the number, and the thousands separator.
PERCENT = {"es": NBSP + "%", "fr": NBSP + "%", "pt": "%"}
GROUP = {"es": ".", "fr": NNBSP, "pt": "."}
# The words expected in each edition (the catalogs' translations, as a reader checks them).
SHEETS = {
    "es": ("Contenido", "Notas", "Cuadro_{k}", "[nota {k}]"),
    "fr": ("Sommaire", "Notes", "Tableau_{k}", "[note {k}]"),
    "pt": ("Sumário", "Notas", "Tabela_{k}", "[nota {k}]"),
}
CONTENTS_HEADERS = {
    "es": ["Nombre de la hoja", "Título del cuadro", "Descripción"],
    "fr": ["Nom de la feuille", "Titre du tableau", "Description"],
    "pt": ["Nome da planilha", "Título da tabela", "Descrição"],
}
CONTENTS_TITLE = {
    "es": ": los cuadros del informe",
    "fr": NBSP + ": les tableaux du rapport",
    "pt": ": as tabelas do relatório",
}
ALL = {"es": "Todos los encuestados", "fr": "Tous les répondants", "pt": "Todos os respondentes"}
PUBLISHED = {
    "es": "Publicado (gráfico de la fuente)",
    "fr": "Publié (graphique de la source)",
    "pt": "Publicado (gráfico da fonte)",
}
MILLIONS = {"es": NBSP + "M", "fr": NBSP + "M", "pt": NBSP + "mi"}
FIGURE = re.compile(
    r'<figure id="(?P<id>[^"]+)" class="chart">\s*'
    r'<img src="data:image/svg\+xml;base64,(?P<svg>[^"]+)" alt="(?P<alt>[^"]*)"'
)


def _pct(shown: str, lang: str) -> str:
    """'60.0' as the language writes a percentage: '60,0 %' (es, fr), '60,0%' (pt)."""
    return shown.replace(".", ",") + PERCENT[lang]


def _count(n: int, lang: str) -> str:
    """A whole count with the language's thousands separator (none under 10,000 in es)."""
    digits = str(int(n))
    if len(digits) <= (4 if lang == "es" else 3):  # CLDR es: minimum grouping digits 2
        return digits
    return f"{int(n):,}".replace(",", GROUP[lang])


def _summaries(survey: str) -> pd.DataFrame:
    return pd.read_csv(
        REPO / "data/processed" / survey / "summaries.csv",
        dtype={"shown": str, "pct": str, "group_code": str, "answer_code": str},
        keep_default_na=False,
        na_values=[""],
    )


def _inputs(survey: str):
    from helpers.pipeline.session import open_stage
    from helpers.report.inputs import INPUTS, load_inputs

    stage = open_stage("report", survey, outputs="pipeline", start=REPO)
    paths = {f"{s}.{n}": str(REPO / stage.input(s, n)) for s, n in INPUTS}
    return load_inputs(paths, stage.params.as_dict()), stage.input("summarize", "summaries")


def _report(survey: str, lang: str) -> str:
    """The survey's report rendered in a strict edition of ``lang`` (its HTML)."""
    from helpers.report import contents as rc

    with i18n.edition(lang):
        data, _source = _inputs(survey)
        sections = rc.sections_of(data)
        return "".join(rc.rendered(sections, data, rc.Run(survey, "report.html")))


def _charts(page: str) -> dict[str, tuple[list[str], str]]:
    """Each chart of the page by id: the texts its SVG draws, and its alt text."""
    out = {}
    for m in FIGURE.finditer(page):
        svg = base64.b64decode(m["svg"]).decode("utf-8")
        texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
        out[m["id"]] = (texts, html.unescape(m["alt"]))
    return out


# A whole report per case (~5 s): Spanish in the fast suite, French and Portuguese with the
# slow tests (CI runs both).
REPORT_LANGS = ["es", *(pytest.param(lang, marks=pytest.mark.slow) for lang in ["fr", "pt"])]


@pytest.mark.parametrize("lang", REPORT_LANGS)
@pytest.mark.parametrize("survey", ["oas_2013", pytest.param("anes96", marks=pytest.mark.slow)])
def test_the_report_charts_are_drawn_in_the_edition_language(survey, lang):
    charts = _charts(_report(survey, lang))
    summaries = _summaries(survey)
    answers = summaries[(summaries["group"] == "all") & (summaries["kind"] == "answer")]
    checked = 0
    for qid, rows in answers.groupby("question", sort=False):
        if f"chart-{qid}-all" not in charts:
            continue
        texts, alt = charts[f"chart-{qid}-all"]
        assert [_pct(str(t), lang) for t in (0, 25, 50, 75, 100)] == texts[:5], qid
        for _, row in rows.iterrows():
            label = f"{_pct(row['pct'], lang)}  ({_count(row['n'], lang)}/"
            label += f"{_count(row['base'], lang)})"
            assert label in texts, (qid, label, texts)
            # the alt text gives the same percentage, with a decimal comma
            assert _pct(row["pct"], lang) in alt, (qid, row["pct"], alt)
            checked += 1
    assert checked >= 5
    for chart_id, (texts, _alt) in charts.items():
        drawn = " ".join(texts)
        assert not re.search(r"\d\.\d+%", drawn), (chart_id, drawn)  # no English percentage
        assert "Published (source chart)" not in drawn and "All respondents" not in drawn
    if survey == "oas_2013":
        assert PUBLISHED[lang] in charts["chart-q1-published-vs-data"][0]
        assert ALL[lang] in " ".join(charts["chart-q2-by-oas_registered"][0])  # wrapped


@cache
def _english(survey: str) -> bytes:
    from helpers.report.spreadsheet import workbook_bytes

    data, source = _inputs(survey)
    return workbook_bytes(data, survey, source)


def _numbers(sheet) -> dict[tuple[int, int], tuple[float, str]]:
    return {k: (c.value, c.fmt) for k, c in sheet.cells.items() if isinstance(c.value, float)}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("survey", ["oas_2013", "anes96", "nhanes2"])
def test_the_workbook_is_written_in_the_edition_language(survey, lang):
    from helpers.report.spreadsheet import workbook_bytes

    with i18n.edition(lang):
        data, source = _inputs(survey)
        book = workbook_bytes(data, survey, source)
    sheets, english = read_xlsx(io.BytesIO(book)), read_xlsx(io.BytesIO(_english(survey)))
    contents, notes, table, note = SHEETS[lang]
    names = [contents, notes, *(table.format(k=k) for k in range(1, len(sheets) - 1))]
    assert [s.name for s in sheets] == names
    first = sheets[0]
    assert first.cells[(0, 0)].value.endswith(CONTENTS_TITLE[lang])
    assert first.tables[0].headers == CONTENTS_HEADERS[lang]
    top = first.tables[0].first[0]
    assert [first.cells[(top + 1 + k, 0)].value for k in range(len(names) - 1)] == names[1:]
    numbered = [sheets[1].cells[(r, 0)].value for r in range(3, max(r for r, _ in sheets[1].cells))]
    assert numbered == [note.format(k=k) for k in range(1, len(numbered) + 1)]
    # numbers stay numbers: every number of the English workbook, in its place and format
    assert len(sheets) == len(english)
    for here, there in zip(sheets, english, strict=True):
        assert [t.first for t in here.tables] == [t.first for t in there.tables], here.name
        assert _numbers(here) == _numbers(there), here.name
    # and each figure's number is summaries.csv's, by the id beside it
    figures = _summaries(survey).set_index("figure_id")
    checked = 0
    for sheet in sheets[2:]:
        for (r, c), (value, _fmt) in _numbers(sheet).items():
            fid = sheet.cells.get((r, c + 1))
            if fid is None or fid.value not in figures.index:
                continue
            figure = figures.loc[fid.value]
            assert value in {float(figure["shown"]), float(figure["n"])}, (sheet.name, fid)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("lang", LANGS)
def test_weighted_bar_labels_give_the_estimated_population_in_the_language(lang):
    """NHANES II: a weighted bar's label, '63,1 %  (est. 73,9 M)' in Spanish."""
    from helpers.report import charts

    summaries = _summaries("nhanes2")
    rows = summaries[(summaries["group"] == "all") & (summaries["kind"] == "answer")]
    with i18n.edition(lang):
        labels = charts.bar_labels(rows)
    checked = 0
    for label, (_, row) in zip(labels, rows.iterrows(), strict=True):
        pct = f"{float(row['pct']):.1f}"
        assert label.startswith(f"{_pct(pct, lang)}  (est. "), label
        if row["n_weighted"] >= 1e6:
            millions = f"{row['n_weighted'] / 1e6:.1f}".removesuffix(".0").replace(".", ",")
            assert label.endswith(f"(est. {millions}{MILLIONS[lang]})"), label
            checked += 1
    assert checked >= 5


def test_numbers_are_read_back_as_each_language_writes_them():
    from helpers.report.spreadsheet_values import Cell, figure_cell, number_cell, plain_number

    cases = {
        "en": {"1,234.5": "1234.5", "60.0": "60.0", "12,345": "12345", "1.234,5": None},
        "es": {"1.234,5": "1234.5", "60,0": "60.0", "12.345": "12345", "35.7": None},
        "fr": {f"1{NNBSP}234,5": "1234.5", "60,0": "60.0", "1,234.5": None},
        "pt": {"1.234,5": "1234.5", "-2,5": "-2.5", "1,234.5": None},
    }
    for lang, written in cases.items():
        with i18n.edition(lang):
            for text, plain in written.items():
                assert plain_number(text) == plain, (lang, text)
            # a number quoted as its source wrote it stays a number; one valid in both
            # forms is read in the edition's
            assert number_cell("66.6") == Cell(66.6, "#,##0.0")
            grouped = GROUP.get(lang) == "."  # '.' groups thousands in es and pt
            assert number_cell("12.345").value == (12345.0 if grouped else 12.345), lang
            # a figure's cell is its shown value whether the report wrote it localised or not
            assert figure_cell(_pct("60.0", lang) if lang != "en" else "60.0%", "60.0") == (
                number_cell("60" + ("." if lang == "en" else ",") + "0")
            )


def test_english_bar_labels_are_unchanged():
    from helpers.report import charts

    summaries = _summaries("oas_2013")
    rows = summaries[
        (summaries["question"] == "q1")
        & (summaries["group"] == "all")
        & (summaries["kind"] == "answer")
    ].astype({"n": int, "base": int})  # as the report's sections hand them (counts)
    expected = [f"{r['pct']}%  ({r['n']}/{r['base']})" for _, r in rows.iterrows()]
    assert charts.bar_labels(rows) == expected == ["60.0%  (9/15)", "40.0%  (6/15)"]
