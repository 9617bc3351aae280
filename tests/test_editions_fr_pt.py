"""French and Portuguese editions of the 2013 report, as a survey declaring them gets them.

Issue 27: "French and Portuguese catalogs are complete (test) and render the 2013 report
when declared." The 2013 codebook gives its texts in English and Spanish only, so every
codebook text of these editions falls back to English, marked " [en]" and listed (never
silently); the report's own words come from the fr/pt catalogs, in strict editions (an
untranslated message would raise), with the language's number formats.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.pipeline import layout
from helpers.pipeline.session import open_stage
from helpers.report import editions
from helpers.report.inputs import INPUTS, load_inputs

ROOT = Path(__file__).resolve().parents[1]
OAS = "oas_2013"
# Words a reader of each language meets in the method section (from its catalog).
WORDS = {
    "fr": ("Méthodologie", "intervalle de confiance de Wilson à 95"),
    "pt": ("Metodologia", "intervalo de confiança de Wilson de 95"),
}


@pytest.fixture(scope="module")
def built() -> dict[str, editions.Built]:
    cwd = os.getcwd()
    out = {}
    try:
        stage = open_stage("report", OAS, outputs="scratch")
        os.chdir(stage.root)
        data = load_inputs(
            {f"{s}.{n}": stage.input(s, n) for s, n in INPUTS}, stage.params.as_dict()
        )
        for lang in WORDS:
            files = layout.edition_files(OAS, lang, default=False)
            out[lang] = editions.build(
                data, lang, False, OAS, files, stage.input("summarize", "summaries"), strict=True
            )
    finally:
        os.chdir(cwd)
    return out


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_the_edition_renders_whole_in_its_language(lang: str, built) -> None:
    ed = built[lang]
    html = "".join(str(p) for p in ed.pages)
    assert not ed.untranslated, ed.untranslated  # strict: nothing untranslated
    heading, interval = WORDS[lang]
    assert heading in html and interval in html
    assert ed.tables[:2] == b"PK"  # its spreadsheet, built in the same edition


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_percentages_take_the_languages_format(lang: str, built) -> None:
    summaries = pd.read_csv(ROOT / "data/processed" / OAS / "summaries.csv", dtype=str)
    share = summaries.loc[summaries["figure_id"] == "q2.all.all.very_useful", "pct"].iloc[0]
    digits = share.replace(".", ",")
    html = "".join(str(p) for p in built[lang].pages)
    sign = "\u00a0%" if lang == "fr" else "%"
    assert f"{digits}{sign}" in html, (lang, digits)
    # No English-format percentage left, but what the source states, quoted verbatim.
    stated = set(
        pd.read_csv(ROOT / "data/processed" / OAS / "claims.csv", dtype=str)["stated_text"]
    )
    english = set(re.findall(r">(\d+\.\d%)<", html)) - stated
    assert not english, english


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_codebook_texts_without_the_language_fall_back_marked_and_listed(lang: str, built) -> None:
    ed = built[lang]
    html = "".join(str(p) for p in ed.pages)
    assert ed.fallbacks, "the 2013 codebook has no French or Portuguese texts"
    assert all(f"no '{lang}' text" in f and "oas_2013.yaml:" in f for f in ed.fallbacks)
    assert "[en]" in html
