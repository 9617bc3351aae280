import pandas as pd
import pytest
from doc_facts import MINI_ORGS, lines_equal, mini_bullet

from helpers.clean.reconcile import (
    UnbalancedError,
    check_balanced,
    reconcile,
    reconciliation_counts,
    response_columns,
)
from helpers.core.errors import SourceError
from helpers.extract.source_parser import parse_source

PATH = "data/raw/mini.txt"


def _reconcile(text, codebook):
    return reconcile(parse_source(text, codebook, path=PATH).mentions, codebook, path=PATH)


def _insert_after(text, anchor, new, occurrence=1):
    """Insert ``new`` right after the ``occurrence``-th line equal to ``anchor``."""
    lines = text.split("\n")
    hits = [i for i, t in enumerate(lines) if t.strip() == anchor]
    i = hits[occurrence - 1]
    return "\n".join([*lines[: i + 1], *new.split("\n"), *lines[i + 1 :]])


def test_clean_mini_survey(mini_text, mini_lines, codebook):
    result = _reconcile(mini_text, codebook)
    r = result.responses
    assert r.columns.tolist() == response_columns(codebook)
    assert r["respondent_id"].tolist() == [f"R{i:02d}" for i in range(1, len(MINI_ORGS) + 1)]
    assert r["organization"].tolist() == list(MINI_ORGS)
    for _, row in r.iterrows():
        acronym, country, reg, q1, q2 = MINI_ORGS[row["organization"]]
        assert (row["acronym"], row["country"], row["oas_registered"], row["q1"]) == (
            acronym,
            country,
            reg,
            q1,
        )
        assert (None if pd.isna(row["q2"]) else row["q2"]) == q2
        bullet_lines = lines_equal(mini_lines, mini_bullet(row["organization"]))
        assert row["organization_line"] == bullet_lines[0]
        assert row["q1_line"] == bullet_lines[1]
        if q2 is None:
            assert pd.isna(row["q2_line"]) and pd.isna(row["q2_heading_line"])
        else:
            assert row["q2_line"] == bullet_lines[2]
    assert result.rejects.empty
    assert result.counts.to_dict("records") == [
        {"list": "roster", "rows_read": 7, "rows_kept": 7, "rows_rejected": 0, "balanced": True},
        {"list": "q1", "rows_read": 7, "rows_kept": 7, "rows_rejected": 0, "balanced": True},
        {"list": "q2", "rows_read": 6, "rows_kept": 6, "rows_rejected": 0, "balanced": True},
    ]


def test_duplicate_in_a_question_list_is_rejected_with_reason(mini_text, codebook):
    bullet = mini_bullet("Red Quechua Migrante")
    text = _insert_after(mini_text, bullet, f"\n{bullet}", occurrence=2)  # twice in the q1 list
    lines = text.split("\n")
    first, again = [n + 1 for n, t in enumerate(lines) if t == bullet][1:3]
    result = _reconcile(text, codebook)
    assert result.rejects.to_dict("records") == [
        {
            "source_line": again,
            "list": "q1",
            "organization": "Red Quechua Migrante",
            "reason": f"duplicate of line {first} in the q1 list",
        }
    ]
    assert len(result.responses) == len(MINI_ORGS)
    row = result.counts.set_index("list").loc["q1"]
    assert (row["rows_read"], row["rows_kept"], row["rows_rejected"]) == (8, 7, 1)
    assert row["balanced"]


def test_duplicate_in_the_roster_is_rejected(mini_text, codebook):
    bullet = mini_bullet("Comunidad Illimani")
    text = _insert_after(mini_text, bullet, "\n· COMUNIDAD ILLIMANI", occurrence=1)
    first = text.split("\n").index(bullet) + 1
    result = _reconcile(text, codebook)
    assert result.rejects["reason"].tolist() == [
        f"duplicate of line {first} in the registration list"
    ]
    assert result.rejects["list"].tolist() == ["roster"]
    assert len(result.responses) == len(MINI_ORGS)
    check_balanced(result.counts)


def test_organization_not_in_roster_is_rejected(mini_text, codebook):
    text = _insert_after(
        mini_text,
        mini_bullet("Colectivo Tierra Nueva"),
        "\n· Fundación Inventada Sur (FIS)",
        occurrence=3,
    )  # in Q2 "useful"
    line = text.split("\n").index("· Fundación Inventada Sur (FIS)") + 1
    result = _reconcile(text, codebook)
    rejects = result.rejects.to_dict("records")
    assert len(rejects) == 1
    assert rejects[0]["source_line"] == line
    assert rejects[0]["list"] == "q2"
    assert rejects[0]["organization"] == "Fundación Inventada Sur"
    assert rejects[0]["reason"].startswith("not in the registration list")
    assert len(result.responses) == len(MINI_ORGS)
    assert result.responses["q2"].notna().sum() == 6
    check_balanced(result.counts)


def test_names_match_across_accents_and_case(mini_text, codebook):
    text = mini_text.replace(
        "· Asociación Ñandú (AÑ)\n\n· Fundación Río Claro\n\nNot registered",
        "· ASOCIACION NANDU (AÑ)\n\n· Fundación Río Claro\n\nNot registered",
    )
    assert text != mini_text
    result = _reconcile(text, codebook)
    assert result.rejects.empty
    nandu = result.responses.set_index("organization").loc["Asociación Ñandú"]
    assert nandu["q2"] == "very_useful"


def test_conflicting_country_is_an_error(mini_text, mini_lines, codebook):
    text = mini_text.replace(
        "Perú\n· Red Quechua Migrante (REQUIM)", "Bolivia\n· Red Quechua Migrante (REQUIM)"
    )
    assert text != mini_text
    line = lines_equal(mini_lines, mini_bullet("Red Quechua Migrante"))[2]
    with pytest.raises(SourceError) as err:
        _reconcile(text, codebook)
    message = str(err.value)
    assert message.startswith(f"{PATH}:{line}: expected country 'Perú'")
    assert "'Bolivia'" in message
    roster_line = lines_equal(mini_lines, mini_bullet("Red Quechua Migrante"))[0]
    assert f"line {roster_line}" in message


def test_conflicting_registration_in_roster_is_an_error(mini_text, codebook):
    text = _insert_after(
        mini_text,
        mini_bullet("Comunidad Illimani"),
        "\nRegistered\n\nBolivia\n\n· Comunidad Illimani",
        occurrence=1,
    )
    with pytest.raises(SourceError, match="oas_registered 'not_registered'"):
        _reconcile(text, codebook)


def test_two_answers_to_one_question_is_an_error(mini_text, codebook):
    bullet = mini_bullet("Casa del Caminante Sur")
    text = _insert_after(mini_text, "· Colectivo Tierra Nueva", f"\n{bullet}", occurrence=3)
    with pytest.raises(SourceError, match="one q2 answer per organization"):
        _reconcile(text, codebook)


def test_no_roster_is_an_error(codebook, parsed_mini):
    mentions = parsed_mini.mentions[parsed_mini.mentions["list"] != "roster"]
    with pytest.raises(SourceError, match="a registration list"):
        reconcile(mentions, codebook, path=PATH)


def test_counts_balanced_and_unbalanced(parsed_source, codebook):
    result = reconcile(parsed_source.mentions, codebook)
    assert len(result.responses) == 15
    assert result.counts["balanced"].all()
    assert result.counts["rows_read"].tolist() == [15, 15, 15]
    assert check_balanced(result.counts) is result.counts
    # a mention that vanished from the mentions table no longer adds up
    fewer = parsed_source.mentions.iloc[1:]
    counts = reconciliation_counts(fewer, result.responses, result.rejects, codebook)
    assert not counts.set_index("list").loc["roster", "balanced"]
    with pytest.raises(UnbalancedError, match="roster"):
        check_balanced(counts)
