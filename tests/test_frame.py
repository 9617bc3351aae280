"""What a codebook knows of the population (``frame:``) and what the report says it allows.

The 2013 document gives its frame only in part (line 9: "more than 500" organizations,
"418" of them registered with the OAS): no weighting is possible, and the method section
says why. An INVENTED frame on the same respondents, complete, would allow
post-stratification, and the report says so without applying it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.codebook import CodebookError, load_codebook, parse_codebook
from helpers.report.method_section import frame_statement

ROOT = Path(__file__).resolve().parents[1]
OAS = ROOT / "codebooks/oas_2013.yaml"


@pytest.fixture(scope="module")
def summaries() -> pd.DataFrame:
    return pd.read_csv(
        ROOT / "data/processed/oas_2013/summaries.csv", keep_default_na=False, na_values=[""]
    )


def test_the_2013_frame_is_read_from_the_codebook():
    frame = load_codebook(OAS).frame
    assert frame is not None and (frame.size, frame.size_at_least) == (None, 501)
    assert frame.counts == (("oas_registered", (("registered", 418),)),)


def test_the_2013_frame_allows_no_weighting_and_says_why(summaries):
    said = frame_statement(load_codebook(OAS), summaries)
    (registered,) = said["variables"]
    assert registered["known"] == [("Registered with the OAS", 418)]
    assert not registered["adjustable"]
    # 501 at least, 418 registered: the others are at least 83, not a count
    assert registered["reasons"] == [
        "the population count of Not registered is not known (together at least 83)"
    ]


def test_a_complete_frame_would_allow_post_stratification(summaries):
    raw = yaml.safe_load(OAS.read_text(encoding="utf-8"))
    raw["frame"] = {"size": 520, "counts": {"oas_registered": {"registered": 418}}}  # INVENTED
    said = frame_statement(parse_codebook(raw), summaries)
    (registered,) = said["variables"]
    assert registered["known"] == [("Registered with the OAS", 418), ("Not registered", 102)]
    assert registered["adjustable"] and registered["reasons"] == []


def test_the_method_section_says_what_the_frame_allows():
    html = " ".join((ROOT / "reports/oas_2013/report.html").read_text(encoding="utf-8").split())
    assert (
        "<strong>Known population.</strong> Of the population the civil society "
        "organizations come from, the codebook records (line 9 of the published summary): "
        "at least 501 in all; by OAS registration: Registered with the OAS 418. No "
        "weighting to OAS registration is possible: the population count of Not "
        "registered is not known (together at least 83). The figures are therefore "
        "unweighted"
    ) in html


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"size": 10, "size_at_least": 5}, "frame: give size (known exactly) or size_at_least"),
        (
            {"counts": {"nope": {"a": 1}}},
            "frame.counts: expected a group or single-answer question id; found 'nope'",
        ),
        (
            {"counts": {"oas_registered": {"maybe": 1}}},
            "frame.counts.oas_registered: expected codes among",
        ),
    ],
)
def test_a_frame_that_names_what_the_codebook_has_not_is_refused(frame, message):
    raw = yaml.safe_load(OAS.read_text(encoding="utf-8"))
    raw["frame"] = frame
    with pytest.raises(CodebookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_codebook(raw)
