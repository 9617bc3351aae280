"""No word of a report is written outside the catalog (issue 27: "no untranslated string").

Pseudo-localisation, as translation teams test software: every message of the catalog is
replaced by itself between markers (``⟦Method⟧``), and a whole report is rendered in
process from the pipeline's committed inputs. Every text node, ``alt``, ``title`` and
``aria-label`` of the HTML must then be made only of

- marked text (it came from the catalog: a translator sees it),
- data: any text of the survey's codebook, its source document, the stages' CSV tables,
  params.yaml's keys and values, file names,
- numbers, punctuation and symbols.

Anything else is an English literal that a Spanish reader would meet untranslated; the
test names it and the element it sits in. The charts' words (drawn into images) are
checked by their alt texts and by the catalog tests of the chart builders.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog

from helpers.core import i18n
from helpers.tools import messages

ROOT = Path(__file__).resolve().parents[1]
OPEN, CLOSE = "⟦", "⟧"
MARKED = re.compile(f"{OPEN}[^{CLOSE}]*{CLOSE}")
# Elements whose text is code or data by construction: keys, file names, source quotes.
SKIP_ELEMENTS = {"code", "pre", "script", "style", "kbd", "samp"}
ATTRIBUTES = ("alt", "title", "aria-label")


def pseudo_catalog() -> Catalog:
    """Every message of the code, translated as itself between markers."""
    out = Catalog(locale="es", fuzzy=False)
    for m in messages.extracted():
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            forms = tuple(f"{OPEN}{m.id[1]}{CLOSE}" for _ in range(out.num_plurals))
            out.add(m.id, forms, context=m.context)
        else:
            out.add(m.id, f"{OPEN}{m.id}{CLOSE}", context=m.context)
    return out


@pytest.fixture
def pseudo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spanish numbers, pseudo words: i18n's catalog of "es" replaced by the markers."""
    import io

    from babel.messages.mofile import write_mo
    from babel.support import Translations

    cat = pseudo_catalog()
    buf = io.BytesIO()
    write_mo(buf, cat)
    buf.seek(0)
    trans = Translations(fp=buf)
    monkeypatch.setattr(i18n, "read_catalog", lambda lang: cat)
    monkeypatch.setattr(i18n, "translations", lambda lang: trans)


class Texts(HTMLParser):
    """(where, text) of every text node and readable attribute outside code elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"br", "img", "hr", "meta", "link", "input", "col", "wbr"}:
            self.stack.append(tag)
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.found.append((f"<{tag} {name}>", value))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if data.strip() and not SKIP_ELEMENTS & set(self.stack):
            self.found.append(("/".join(self.stack[-3:]), data))


def _strings(value: object) -> list[str]:
    """Every string inside a YAML/JSON value, keys included."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


def data_vocabulary(survey: str) -> list[str]:
    """Every text the survey's data could put into its report, longest first."""
    import pandas as pd

    from helpers.pipeline.config import load_params

    params = load_params(ROOT)
    spec = params.surveys[survey]
    words: set[str] = set()
    raw = yaml.safe_load((ROOT / spec.codebook).read_text(encoding="utf-8"))
    words.update(_strings(raw))
    words.update(_strings(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))))
    source = ROOT / spec.source
    if source.suffix in {".txt", ".csv"}:
        words.update(source.read_text(encoding=spec.encoding).splitlines())
    for csv in sorted((ROOT / "data" / "processed" / survey).rglob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        words.update(frame.columns)
        for col in frame.columns:
            words.update(frame[col].unique().tolist())
    words.update(p.name for p in (ROOT / "data" / "processed" / survey).rglob("*"))
    tokens = {w.strip() for w in words if len(w.strip()) >= 2}
    return sorted(tokens, key=lambda w: (-len(w), w))


def outside_catalog(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each text with what the catalog wrote removed (a message may span elements).

    Texts are read in document order; a character between ``⟦`` and its ``⟧`` (nested
    for a message inside a message) came from the catalog, or is a value placed in it.
    Attributes are whole texts of their own.
    """
    out, depth = [], 0
    for where, text in found:
        if where.startswith("<"):
            out.append((where, _unmarked(text, 0)[0]))
            continue
        kept, depth = _unmarked(text, depth)
        out.append((where, kept))
    return out


def _unmarked(text: str, depth: int) -> tuple[str, int]:
    """The characters of ``text`` at depth 0, and the depth at its end."""
    kept = []
    for ch in text:
        if ch == OPEN:
            depth += 1
            kept.append(" ")
        elif ch == CLOSE:
            depth = max(depth - 1, 0)
            kept.append(" ")
        elif depth == 0:
            kept.append(ch)
    return "".join(kept), depth


WORD = re.compile(r"[^\W\d_]{2,}")


def data_pattern(vocabulary: list[str]) -> re.Pattern[str]:
    """Any data text, as whole words (longest first)."""
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in vocabulary) + r")(?!\w)"
    )


def leftovers(text: str, data: re.Pattern[str]) -> str:
    """The words of an unmarked text that are not data (numbers and symbols are not words)."""
    if not WORD.search(text):
        return ""
    return " ".join(WORD.findall(data.sub(" ", text)))


def render_report(survey: str) -> str:
    """The whole report of ``survey`` as HTML, rendered in process under the "es" edition."""
    import os

    from helpers.pipeline.session import open_stage
    from helpers.report import contents as rc
    from helpers.report.inputs import INPUTS, load_inputs

    cwd = os.getcwd()
    try:
        stage = open_stage("report", survey, outputs="scratch")
        os.chdir(stage.root)
        data = load_inputs(
            {f"{s}.{n}": stage.input(s, n) for s, n in INPUTS}, stage.params.as_dict()
        )
        with i18n.edition("es"):
            sections = rc.sections_of(data)
            parts = [rc.front_matter(data, sections)]
            parts += rc.rendered(sections, data, rc.Run(survey, stage.report_file("html")))
    finally:
        os.chdir(cwd)
    return "".join(str(p) for p in parts)


@pytest.mark.parametrize(
    "survey",
    [
        "oas_2013",
        pytest.param("nhanes2", marks=pytest.mark.slow),
        pytest.param("anes96", marks=pytest.mark.slow),
        pytest.param("invented_example", marks=pytest.mark.slow),
    ],
)
def test_every_word_of_the_report_comes_from_the_catalog(survey: str, pseudo: None) -> None:
    html = render_report(survey)
    parser = Texts()
    parser.feed(html)
    data = data_pattern(data_vocabulary(survey))
    found = [
        (where, text.strip()[:120], rest)
        for where, text in outside_catalog(parser.found)
        if (rest := leftovers(text, data))
    ]
    assert parser.found, "the report rendered no text"
    assert any(OPEN in t for _, t in parser.found), "no message came from the catalog"
    assert not found, (
        f"{len(found)} texts of the {survey} report are not from the catalog "
        f"(element, text, words left):\n" + "\n".join(map(str, found[:40]))
    )
