import pytest
from doc_facts import bullets_after, line_no

from helpers.extract.claim_tokens import find_tokens, mask_non_claims
from helpers.extract.claims import extract_claims


@pytest.fixture(scope="module")
def claims(parsed_source, codebook):
    return extract_claims(parsed_source.lines, codebook)


@pytest.fixture(scope="module")
def mini_claims(parsed_mini, codebook):
    return extract_claims(parsed_mini.lines, codebook)


def _one(claims, line, stated_text, kind=""):
    """The one stated claim (not a derived sum) with this text on this line."""
    rows = claims[(claims["source_line"] == line) & (claims["stated_text"] == stated_text)]
    rows = rows[rows["kind"] == kind] if kind else rows[~rows["kind"].str.endswith("_sum")]
    assert len(rows) == 1, (line, stated_text, rows)
    return rows.iloc[0]


def _target(row):
    return row["question"], row["answer"], row["group"], row["group_value"]


def test_claim_ids_unique(claims, mini_claims):
    assert claims["claim_id"].is_unique
    assert mini_claims["claim_id"].is_unique


def test_nine_on_line_88_counts_q1_yes(claims, source_lines):
    assert line_no(source_lines, "Of the 15 CSOs that completed the survey, nine") == 88
    row = _one(claims, 88, "nine")
    assert row["kind"] == "count"
    assert row["stated"] == 9
    assert _target(row) == ("q1", "yes", "", "")
    assert "nine" in row["quote"]


def test_62_percent_is_q1_yes(claims):
    row = _one(claims, 88, "62%")
    assert row["kind"] == "percent"
    assert row["stated"] == 62
    assert row["decimals"] == 0
    assert _target(row) == ("q1", "yes", "", "")


def test_registration_breakdown_on_line_88(claims):
    assert _target(_one(claims, 88, "three")) == ("q1", "yes", "oas_registered", "registered")
    six = _one(claims, 88, "six")
    assert _target(six) == ("q1", "yes", "oas_registered", "not_registered")
    total = _one(claims, 88, "15")
    assert (total["kind"], total["note"]) == ("count", "all respondents")


def test_four_occasions_is_a_list_count(claims, source_lines):
    row = _one(claims, 11, "four")
    assert row["kind"] == "list_count"
    assert row["stated"] == len(bullets_after(source_lines, 11)) == 4


def test_invitation_numbers_are_unverifiable(claims):
    row = _one(claims, 9, "500")
    assert row["kind"] == "unverifiable"
    assert row["qualifier"] == "more than"
    assert _one(claims, 9, "418")["kind"] == "unverifiable"


def test_dates_years_and_identifiers_are_not_claims(claims, source_lines):
    for line in (6, 8, 13, 15, 17, 19):  # CP/RES. 840, 1999, doc.7/13 rev. 1, July 8, 2013 ...
        assert not (claims["source_line"] == line).any(), source_lines[line - 1]
    assert "840" in source_lines[5] and "1999" in source_lines[5]
    # line 23: "from July 8 to August 9, 2013" holds no claim; its counts do
    numeric = claims[(claims["source_line"] == 23) & (claims["kind"] != "value_list")]
    assert set(numeric["stated_text"]) == {"15", "Four", "nine", "two"}
    (countries,) = claims.loc[claims["kind"] == "value_list", "parts"]  # and its list of names
    assert countries.split("; ")[0] == "Argentina" and countries.endswith("; Mexico")
    assert len(countries.split("; ")) == 10
    # "question two" names a question, not a quantity
    assert not (claims["source_line"] == line_no(source_lines, "In their comments")).any()
    stated = set(claims["stated_text"])
    assert not stated & {"840", "759", "1999", "2000", "2013", "7", "13", "78", "96"}


def test_mask_non_claims_keeps_offsets():
    text = "Resolutions CP/RES. 840 (1999), sent on July 8, 2013 to 15 CSOs; Law No. 78/96."
    masked = mask_non_claims(text)
    assert len(masked) == len(text)
    assert [t.text for t in find_tokens(text)] == ["15"]
    assert masked.index("15") == text.index("15 CSOs")


def test_find_tokens_values():
    tokens = find_tokens("ten (66.6%) and none; Fifteen said 3")
    assert [(t.text, t.value, t.decimals, t.is_pct) for t in tokens] == [
        ("ten", 10, 0, False),
        ("66.6%", 66.6, 1, True),
        ("none", 0, 0, False),
        ("Fifteen", 15, 0, False),
        ("3", 3, 0, False),
    ]


def test_q2_claims(claims):
    expected = {
        "ten": "very_useful",
        "one": "moderately_useful",
        "none": "unnecessary",
        "66.6%": "very_useful",
        "6.6%": "moderately_useful",
    }
    for text, answer in expected.items():
        row = _one(claims, 170, text)
        assert _target(row) == ("q2", answer, "", ""), text
    twos = claims[(claims["source_line"] == 170) & (claims["stated_text"] == "two")]
    assert sorted(twos["answer"]) == ["dont_know", "useful"]


def test_chart_labels_are_percent_claims(claims, source_lines):
    yes = line_no(source_lines, "● Yes: 62%")
    row = _one(claims, yes, "62%")
    assert (row["kind"], row["question"], row["answer"]) == ("percent", "q1", "yes")
    assert row["note"].startswith("data label")
    no = _one(claims, line_no(source_lines, "● No: 38%"), "38%")
    assert (no["kind"], no["answer"]) == ("percent", "no")


def test_sum_claims(claims):
    sums = claims[claims["kind"].isin(["count_sum", "percent_sum"])].set_index("claim_id")
    by_id = claims.set_index("claim_id")

    def parts(row):
        return by_id.loc[row["parts"].split(), "stated_text"].tolist()

    reg = sums[(sums["question"] == "q1") & sums["note"].str.contains("registered")]
    assert len(reg) == 1
    assert parts(reg.iloc[0]) == ["three", "six"]
    assert reg.iloc[0]["stated"] == 9
    q2_pct = sums[(sums["question"] == "q2") & (sums["kind"] == "percent_sum")]
    assert len(q2_pct) == 1
    assert parts(q2_pct.iloc[0]) == ["66.6%", "6.6%", "13.3%", "13.3%"]
    assert q2_pct.iloc[0]["stated"] == 100
    q2_count = sums[(sums["question"] == "q2") & (sums["kind"] == "count_sum")]
    assert parts(q2_count.iloc[0]) == ["ten", "one", "two", "none", "two"]
    assert q2_count.iloc[0]["stated"] == 15
    chart = sums[sums["note"].str.contains("= 100%") & (sums["source_line"] == 368)]
    assert len(chart) == 1
    assert parts(chart.iloc[0]) == ["62%", "38%"]
    whole = sums[(sums["question"] == "") | sums["question"].isna()]
    assert parts(whole.iloc[0]) == ["Four", "nine"]
    assert whole.iloc[0]["stated"] == 15


def test_mini_survey_claims(mini_claims, mini_lines):
    sl = mini_lines
    q1 = line_no(sl, "Of the 7 CSOs that completed the survey, four")
    assert _target(_one(mini_claims, q1, "four")) == ("q1", "yes", "", "")
    assert _target(_one(mini_claims, q1, "57%")) == ("q1", "yes", "", "")
    no = line_no(sl, "In contrast")
    assert _target(_one(mini_claims, no, "three")) == ("q1", "no", "", "")
    assert _target(_one(mini_claims, no, "43%")) == ("q1", "no", "", "")
    occasions = line_no(sl, "The Secretariat sent the questionnaire")
    row = _one(mini_claims, occasions, "three")
    assert row["kind"] == "list_count"
    assert row["stated"] == len(bullets_after(sl, occasions)) == 3
    invited = _one(mini_claims, line_no(sl, "The Secretariat shared"), "200")
    assert (invited["kind"], invited["qualifier"]) == ("unverifiable", "more than")
    intro = line_no(sl, "Resolution CP/RES. 123")
    assert not (mini_claims["source_line"] == intro).any()
    q2 = line_no(sl, "Of the 7 CSOs that completed the survey, three")
    assert _target(_one(mini_claims, q2, "none")) == ("q2", "unnecessary", "", "")
    assert _one(mini_claims, q2, "none")["stated"] == 0
    assert (mini_claims["kind"] == "percent_sum").sum() == 3  # q1 text, q1 chart, q2 text
