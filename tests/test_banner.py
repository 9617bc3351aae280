"""Banner tables and column-test letters (helpers.report.banner, helpers.report.column_letters).

REAL data: the committed summaries of ANES 1996 (statsmodels' public-domain subset; its
codebook asks for a banner by party identification and education) and NHANES II (public
domain; weighted). Each letter a table prints is checked against the test figures as
summaries.csv holds them (read by plain pandas): a letter only where the pair's adjusted
p is below ``stats.column_alpha`` and the cell's share is the larger, and every such pair
lettered. The codebook's ``banners:`` key is refused at its line when it names a group that
does not exist, that no question is broken down by, or twice.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
import yaml

from helpers.core.codebook import load_codebook
from helpers.core.errors import CodebookError
from helpers.core.small_base import SmallBasePolicy
from helpers.report.banner import banner_questions, banner_table_data, banner_tables
from helpers.report.column_letters import letter
from helpers.report.formatting import fmt_pct
from helpers.report.summary_table import summary_table_data
from helpers.report.templating import macro, render

REPO = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
ALPHA = PARAMS["stats"]["column_alpha"]
POLICY = SmallBasePolicy(PARAMS["report"]["small_n"], PARAMS["report"]["small_base_rule"])
LINK = re.compile(r'<a class="v" href="#prov-([^"]+)"[^>]*>([^<]*)</a>')
CELL = re.compile(r"<td[^>]*>(.*?)</td>")


def inputs(survey: str):
    spec = PARAMS["surveys"][survey]
    book = load_codebook(REPO / spec["codebook"])
    summaries = pd.read_csv(
        REPO / "data/processed" / survey / "summaries.csv",
        dtype={"shown": str, "group_code": str, "answer_code": str},
        keep_default_na=False,
        na_values=[""],
    )
    return book, summaries


def lettered_cells(markup: str) -> dict[str, set[tuple[str, str]]]:
    """{cell figure id: {(letter, test id)}} of every cell of a rendered table."""
    out: dict[str, set[tuple[str, str]]] = {}
    for cell in CELL.findall(markup):
        links = LINK.findall(cell)
        if not links:
            continue
        fid = links[0][0]
        letters = cell.split('class="letters"', 1)[1] if 'class="letters"' in cell else ""
        out[fid] = {(text, tid) for tid, text in LINK.findall(letters)}
    return out


def expected_letters(summaries: pd.DataFrame, named: dict[tuple[str, str], str]) -> dict:
    """{cell id: {(letter, test id)}} from the test figures and the cells' estimates alone."""
    est = summaries.set_index("figure_id")["estimate"].to_dict()
    out: dict[str, set[tuple[str, str]]] = {}
    tests = summaries[(summaries["kind"] == "column_test") & (summaries["estimate"] < ALPHA)]
    for r in tests.itertuples():
        a, b = r.group_code.split("_vs_")
        if (r.group, a) not in named or (r.group, b) not in named:
            continue
        ia, ib = (f"{r.question}.{r.group}.{c}.{r.answer_code}" for c in (a, b))
        high, low = (ia, b) if est[ia] > est[ib] else (ib, a)
        out.setdefault(high, set()).add((named[(r.group, low)], r.figure_id))
    return out


def test_letter_names_run_past_z() -> None:
    assert [letter(i) for i in (0, 25, 26, 27, 51, 52)] == ["A", "Z", "AA", "AB", "AZ", "BA"]


def test_banner_cells_are_their_figures_and_letters_their_tests() -> None:
    """Every number of the ANES banner is its figure's; every letter one significant test."""
    book, summaries = inputs("anes96")
    (banner,) = book.banners
    data = banner_table_data(book, summaries, banner, POLICY, ALPHA)
    markup = str(render("banner_table.html", t=data, heading=""))
    rows = summaries.set_index("figure_id")
    for fid, text in LINK.findall(markup):
        r = rows.loc[fid]
        if r["kind"] in ("answer", "net"):
            assert html.unescape(text) == fmt_pct(r["pct"]), fid
        elif r["kind"] == "column_test":
            assert r["estimate"] < ALPHA, fid
    # the headings: Total, then party's 7 groups (A-G) and education's 7 (H-N), each base
    heads = data["columns"][1:]
    assert heads[0].startswith("Total (n = 944)")
    levels = summaries[
        (summaries["question"] == "respondents") & summaries["group"].isin(banner.by)
    ]
    named = {}
    for i, r in enumerate(levels.itertuples()):
        assert heads[1 + i] == f"{r.group_value} ({letter(i)}) (n = {int(r.n):,})"
        named[(r.group, r.group_code)] = letter(i)
    assert data["blocks"] == [("", 1), ("Total", 1), ("Party identification", 7), ("Education", 7)]
    got = {k: v for k, v in lettered_cells(markup).items() if v}
    want = expected_letters(summaries, named)
    shown = {q.id for q in banner_questions(book, banner)}
    want = {k: v for k, v in want.items() if k.split(".")[0] in shown}
    assert got == want
    assert sum(map(len, got.values())) > 100  # letters are earned on real data


def test_a_question_is_blank_in_its_own_block() -> None:
    """Party identification (pid) has no cells in the party block: it is the same variable."""
    book, summaries = inputs("anes96")
    markup = str(banner_tables(book, summaries, POLICY, ALPHA))
    assert 'id="banner-main"' in markup
    assert "pid.party." not in markup
    assert re.search(r'href="#prov-pid\.education\.1\.', markup)


def test_summary_table_letters_equal_the_banners_first_block() -> None:
    """Party's letters are A-G in both tables: the same tests give the same letters."""
    book, summaries = inputs("anes96")
    table = macro("table")(summary_table_data(book, summaries, "party", POLICY, ALPHA))
    (banner,) = book.banners
    markup = str(
        render(
            "banner_table.html",
            t=banner_table_data(book, summaries, banner, POLICY, ALPHA),
            heading="",
        )
    )
    party = {k: v for k, v in lettered_cells(markup).items() if ".party." in k and v}
    summary = {k: v for k, v in lettered_cells(str(table)).items() if v}
    assert party == {k: v for k, v in summary.items() if k.split(".")[0] in party_questions(book)}
    assert summary  # there are letters at all


def party_questions(book) -> set[str]:
    (banner,) = book.banners
    return {q.id for q in banner_questions(book, banner)}


def test_weighted_letters_follow_the_design_tests() -> None:
    """NHANES II's summary by race: letters from the design-based tests, weighted cells."""
    book, summaries = inputs("nhanes2")
    data = summary_table_data(book, summaries, "race", POLICY, ALPHA)
    markup = str(macro("table")(data))
    levels = summaries[(summaries["question"] == "respondents") & (summaries["group"] == "race")]
    named = {(r.group, r.group_code): letter(i) for i, r in enumerate(levels.itertuples())}
    got = {k: v for k, v in lettered_cells(markup).items() if v}
    assert got == expected_letters(summaries, named)
    assert ("A", "highbp.race.1_vs_2.1") in got["highbp.race.2.1"]  # Black > White, R agrees


def test_the_banner_is_in_the_html_and_the_pdf() -> None:
    """The committed ANES report has the banner in its HTML and its PDF, and the method names it."""
    page = (REPO / "reports/anes96/report.html").read_text(encoding="utf-8")
    assert 'id="banner-main"' in page and "Column letters." in page
    text = " ".join(
        p.extract_text() for p in pypdf.PdfReader(REPO / "reports/anes96/report.pdf").pages
    )
    assert "Banner: Every question by party identification and education" in text
    assert "Column letters." in text


BANNER = "banners:\n- id: main\n  by: [party, {second}]\n"


@pytest.mark.parametrize(
    ("second", "found"),
    [
        ("nosuch", r"banners\[0\] \(main\)\.by\[1\]: expected a group or single-answer question"),
        ("party", r"expected each breakdown once; found 'party' twice"),
        ("self_lr", r"expected a breakdown some question is broken down by"),
    ],
)
def test_a_bad_banner_is_refused_at_its_line(tmp_path, second, found) -> None:
    """An unknown, unbroken-down or repeated breakdown stops the codebook at its line."""
    text = (REPO / "data/examples/anes96/codebook.yaml").read_text(encoding="utf-8")
    text = text[: text.index("banners:")] + BANNER.format(second=second)
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.count("\n")  # the by: line is the file's last
    with pytest.raises(CodebookError, match=found) as caught:
        load_codebook(path)
    assert f"codebook.yaml:{line}" in str(caught.value)


def test_an_unknown_banner_key_is_refused(tmp_path) -> None:
    text = (REPO / "data/examples/anes96/codebook.yaml").read_text(encoding="utf-8")
    path = tmp_path / "codebook.yaml"
    path.write_text(
        text.replace("  by: [party, education]", "  bye: [party, education]"), encoding="utf-8"
    )
    with pytest.raises(CodebookError, match="bye"):
        load_codebook(path)


def test_each_block_heading_spans_its_own_columns() -> None:
    """The head's first row spans exactly the second row's columns, block over its groups."""
    book, summaries = inputs("anes96")
    (banner,) = book.banners
    data = banner_table_data(book, summaries, banner, POLICY, ALPHA)
    markup = str(render("banner_table.html", t=data, heading=""))
    first, second = re.findall(r"<tr>(.*?)</tr>", markup.split("</thead>")[0])[:2]
    spans = [int(n) for n in re.findall(r'colspan="(\d+)"', first)]
    assert len(re.findall(r"<t[hd][ >]", first)) == len(spans)  # every cell of it spans
    assert sum(spans) == second.count('<th scope="col">') == len(data["columns"])
    heads = re.findall(r'<th scope="colgroup" colspan="(\d+)">([^<]*)</th>', first)
    assert heads == [("1", "Total"), ("7", "Party identification"), ("7", "Education")]
