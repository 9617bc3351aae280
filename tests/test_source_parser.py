import pytest
from doc_facts import (
    MINI_FREE_TEXT,
    MINI_ORGS,
    bullet_text,
    bullets_after,
    bullets_between,
    is_bullet,
    line_no,
    lines_equal,
    mini_bullet,
    nonblank,
)

from helpers.core.codebook import Option
from helpers.core.errors import SourceError
from helpers.extract.source_parser import (
    cue_matches,
    is_heading,
    is_short_label,
    ordinal_in,
    parse_organization,
    parse_source,
    split_lines,
)

# ---------------------------------------------------------------- small functions


def test_split_lines_any_line_ending():
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QUESTION 1", True),
        ("VERY USEFUL:", True),
        ("DON’T KNOW:", True),
        ("Registered", False),
        ("A", False),
        ("ÁGORA Espacio", False),
        ("CP/RES. 840", True),
    ],
)
def test_is_heading(text, expected):
    assert is_heading(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El Salvador", True),
        ("Costa Rica", True),
        ("General Suggestions", True),
        ("Those CSOs were:", False),
        ("one two three four five", False),
        ("Chile.", False),
        ("   ", False),
    ],
)
def test_is_short_label(text, expected):
    assert is_short_label(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Centro para la Apertura (CADAL)", ("Centro para la Apertura", "CADAL")),
        ("Asociación Ñandú (AÑ)", ("Asociación Ñandú", "AÑ")),
        ("Green Cross Bolivia", ("Green Cross Bolivia", "")),
        ("  Migración Chile  ", ("Migración Chile", "")),
        (
            "Centro de Mediación, Paz, y Resolución de Conflictos (CEMPROC)",
            ("Centro de Mediación, Paz, y Resolución de Conflictos", "CEMPROC"),
        ),
    ],
)
def test_parse_organization(text, expected):
    assert parse_organization(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Regarding the first of these activities", 1),
        ("In connection with the seventh", 7),
        ("Under the eighth activity, the second", 8),
        ("No ordinal at all", None),
        ("firstly", None),
    ],
)
def test_ordinal_in(text, expected):
    assert ordinal_in(text) == expected


def test_cue_matches_longest_cue_first(codebook):
    q2 = codebook.question("q2").answers
    assert [o.code for o in cue_matches("it was “moderately useful”", q2)] == ["moderately_useful"]
    found = cue_matches("ten said “very useful”; two said “useful”; two did not know", q2)
    assert [o.code for o in found] == ["very_useful", "useful", "dont_know"]
    reg = codebook.group("oas_registered").values
    assert [o.code for o in cue_matches("six not registered", reg)] == ["not_registered"]
    assert [o.code for o in cue_matches("three registered", reg)] == ["registered"]
    assert cue_matches("unregistered", reg) == []
    yes_no = (Option("yes", "Yes", ("replied in the affirmative",)),)
    assert cue_matches("eyes", yes_no) == []


# ---------------------------------------------------------------- the real document


def test_every_nonblank_line_classified_once(parsed_source, source_lines):
    lines = parsed_source.lines
    assert lines["line"].tolist() == nonblank(source_lines)
    assert lines["kind"].notna().all()


def _kind(parsed, line):
    hit = parsed.lines[parsed.lines["line"] == line]
    assert len(hit) == 1, line
    return hit.iloc[0]


def test_line_kinds_of_the_real_document(parsed_source, source_lines):
    sl = source_lines
    q1, q2 = line_no(sl, "QUESTION 1"), line_no(sl, "QUESTION 2")
    assert _kind(parsed_source, q1)["kind"] == "question_heading"
    assert _kind(parsed_source, q1)["section"] == 1
    respondents = line_no(sl, "RESPONSES RECEIVED")
    assert _kind(parsed_source, respondents)["kind"] == "heading"
    kinds = parsed_source.lines.set_index("line")
    assert set(kinds.loc[kinds.index < respondents, "scope"]) == {"invitation"}
    assert set(kinds.loc[kinds.index >= respondents, "scope"]) == {"respondents"}
    for cue in ("Of the 15 CSOs that completed the survey, nine", "In contrast, the following"):
        assert _kind(parsed_source, line_no(sl, cue))["kind"] == "answer_paragraph"
    for heading in ("VERY USEFUL:", "MODERATELY USEFUL:", "USEFUL:", "DON’T KNOW:"):
        row = _kind(parsed_source, line_no(sl, heading, after=q2))
        assert (row["kind"], row["section"]) == ("answer_heading", 2)
    for n in (
        lines_equal(sl, "Registered")
        + lines_equal(sl, "Not registered")
        + lines_equal(sl, "Not Registered")
    ):
        assert _kind(parsed_source, n)["kind"] == "registration_heading"
    charts = [n for n in nonblank(sl) if sl[n - 1].strip().startswith("● ")]
    assert len(charts) == 2
    assert {_kind(parsed_source, n)["kind"] for n in charts} == {"chart_label"}
    dates = line_no(sl, "The DIA prepared a circular")
    assert _kind(parsed_source, dates)["kind"] == "list_intro"
    assert {_kind(parsed_source, n)["kind"] for n in bullets_after(sl, dates)} == {"list_item"}
    assert len(bullets_after(sl, dates)) == 4
    assert _kind(parsed_source, line_no(sl, "General Suggestions"))["kind"] == "subheading"
    assert (parsed_source.lines["kind"] == "question_heading").sum() == 5


def test_roster_has_15_organizations(parsed_source, source_lines):
    sl = source_lines
    start, end = line_no(sl, "RESPONSES RECEIVED"), line_no(sl, "SUMMARY OF RESPONSES")
    expected = bullets_between(sl, start, end)
    assert len(expected) == 15
    roster = parsed_source.mentions[parsed_source.mentions["list"] == "roster"]
    assert roster["line"].tolist() == expected
    registered_end = lines_equal(sl, "Not registered")[0]
    assert roster["oas_registered"].value_counts().to_dict() == {
        "registered": len(bullets_between(sl, start, registered_end)),
        "not_registered": len(bullets_between(sl, registered_end, end)),
    }
    names = [parse_organization(bullet_text(sl[n - 1]))[0] for n in expected]
    assert roster["organization"].tolist() == names


def test_q1_lists(parsed_source, source_lines):
    sl = source_lines
    yes = line_no(sl, "Of the 15 CSOs that completed the survey, nine")
    how = line_no(sl, "In response to the subquestion")
    no = line_no(sl, "In contrast, the following six CSOs")
    end = line_no(sl, "QUESTION 2")
    q1 = parsed_source.mentions[parsed_source.mentions["list"] == "q1"]
    assert len(q1) == 15
    assert q1.loc[q1["answer"] == "yes", "line"].tolist() == bullets_between(sl, yes, how)
    assert q1.loc[q1["answer"] == "no", "line"].tolist() == bullets_between(sl, no, end)
    assert len(bullets_between(sl, yes, how)) == 9  # "nine" in the text
    assert set(q1.loc[q1["answer"] == "yes", "answer_line"]) == {yes}
    assert set(q1.loc[q1["answer"] == "no", "answer_line"]) == {no}


def test_q2_lists(parsed_source, source_lines):
    sl = source_lines
    q2_start = line_no(sl, "QUESTION 2")
    heads = {
        code: line_no(sl, text, after=q2_start)
        for code, text in [
            ("very_useful", "VERY USEFUL:"),
            ("moderately_useful", "MODERATELY USEFUL:"),
            ("useful", "USEFUL:"),
            ("dont_know", "DON’T KNOW:"),
        ]
    }
    end = line_no(sl, "In their comments on question two")
    bounds = [*heads.values(), end]
    q2 = parsed_source.mentions[parsed_source.mentions["list"] == "q2"]
    assert len(q2) == 15
    for (code, start), stop in zip(heads.items(), bounds[1:], strict=True):
        rows = q2[q2["answer"] == code]
        assert rows["line"].tolist() == bullets_between(sl, start, stop), code
        assert set(rows["answer_line"]) == {start}
    assert (q2["answer"] == "very_useful").sum() == 10  # "ten (66.6%)" in the text
    assert "unnecessary" not in set(q2["answer"])


def test_mention_lines_point_at_their_headings(parsed_source, source_lines):
    sl = source_lines
    lanus = "· Centro de Derechos Humanos de la Universidad Nacional de Lanús"
    line = [n for n in lines_equal(sl, lanus) if n > line_no(sl, "VERY USEFUL:")][0]
    row = parsed_source.mentions.set_index("line").loc[line]
    assert row["list"] == "q2"
    assert row["answer"] == "very_useful"
    assert row["country"] == "Argentina"
    assert row["country_line"] == line - 1  # the country line right above, no blank line
    assert sl[int(row["oas_registered_line"]) - 1].strip() == "Not Registered"
    assert row["oas_registered"] == "not_registered"
    assert row["answer_line"] == line_no(sl, "VERY USEFUL:")
    cadal = parsed_source.mentions[parsed_source.mentions["acronym"] == "CADAL"]
    assert cadal["list"].tolist() == ["roster", "q1", "q2"]
    assert cadal["answer"].tolist()[1:] == ["yes", "useful"]
    for _, m in parsed_source.mentions.iterrows():
        assert sl[int(m["country_line"]) - 1].strip() == m["country"]


Q3_INTROS = {
    "1": "Regarding the first of these activities",
    "2": "In connection with the second",
    "3": "Regarding the third",
    "4": "In connection with the fourth",
    "5": "Under the fifth",
    "6": "Regarding the sixth",
    "7": "In connection with the seventh",
    "8": "Under the eighth",
}


def test_free_text_of_the_real_document(parsed_source, source_lines):
    sl = source_lines
    ft = parsed_source.free_text
    intros = {
        ("q1_how", ""): "In response to the subquestion",
        ("q2_comment", ""): "In their comments on question two",
        ("q4", ""): "The CSOs reported the following activities",
        ("q5", ""): "The CSOs offered the following suggestions",
        **{("q3", code): prefix for code, prefix in Q3_INTROS.items()},
    }
    expected_counts = {}
    for (qid, item), prefix in intros.items():
        intro = line_no(sl, prefix)
        lines = bullets_after(sl, intro)
        rows = ft[(ft["question"] == qid) & (ft["item"].fillna("") == item)]
        assert rows["line"].tolist() == lines, (qid, item)
        assert set(rows["intro_line"]) == {intro}
        assert rows["text"].tolist() == [bullet_text(sl[n - 1]) for n in lines]
        expected_counts[(qid, item)] = len(lines)
    assert expected_counts == {
        ("q1_how", ""): 4,
        ("q2_comment", ""): 7,
        ("q4", ""): 4,
        ("q5", ""): 5,
        ("q3", "1"): 4,
        ("q3", "2"): 3,
        ("q3", "3"): 4,
        ("q3", "4"): 4,
        ("q3", "5"): 2,
        ("q3", "6"): 4,
        ("q3", "7"): 7,
        ("q3", "8"): 3,
    }
    assert len(ft) == sum(expected_counts.values())


def test_every_bullet_is_accounted_for(parsed_source, source_lines):
    bullets = [n for n in nonblank(source_lines) if is_bullet(source_lines[n - 1])]
    read = (
        set(parsed_source.mentions["line"])
        | set(parsed_source.free_text["line"])
        | set(parsed_source.lines.loc[parsed_source.lines["kind"] == "list_item", "line"])
    )
    assert sorted(read) == bullets


# ---------------------------------------------------------------- the mini survey


def test_mini_survey_mentions(parsed_mini, mini_lines):
    m = parsed_mini.mentions
    roster = m[m["list"] == "roster"]
    assert roster["organization"].tolist() == list(MINI_ORGS)
    for org, (acronym, country, reg, q1, q2) in MINI_ORGS.items():
        rows = m[m["organization"] == org]
        assert rows["acronym"].fillna("").unique().tolist() == [acronym]
        assert rows["country"].unique().tolist() == [country]
        assert rows["oas_registered"].unique().tolist() == [reg]
        assert rows.loc[rows["list"] == "q1", "answer"].tolist() == [q1]
        assert rows.loc[rows["list"] == "q2", "answer"].tolist() == ([q2] if q2 else [])
        assert rows["line"].tolist() == lines_equal(mini_lines, mini_bullet(org))


def test_mini_survey_free_text(parsed_mini):
    ft = parsed_mini.free_text
    counts = ft.groupby(["question", ft["item"].fillna("")]).size().to_dict()
    assert counts == MINI_FREE_TEXT


# ---------------------------------------------------------------- errors


def _break(text, old, new, count=1):
    assert old in text, old
    return text.replace(old, new, count)


def _first_line(text, needle):
    """The first line starting with ``needle`` (where each broken document fails)."""
    return next(i + 1 for i, t in enumerate(text.splitlines()) if t.strip().startswith(needle))


ERRORS = [
    # (old, new, start of the first line that breaks, expected message part)
    ("VERY USEFUL:", "EXTREMELY USEFUL:", "EXTREMELY USEFUL:", "an answer heading of q2"),
    ("QUESTION 5", "QUESTION 9", "QUESTION 9", "a question section listed in the codebook"),
    (
        "Regarding the first of these activities",
        "Regarding these activities",
        "Regarding these activities",
        "an ordinal naming one of q3's items",
    ),
    (
        "Registered\n\nArgentina\n\n· Asociación Ñandú (AÑ)\n\n· Fundación Río Claro",
        "Registered\n\n· Asociación Ñandú (AÑ)\n\n· Fundación Río Claro",
        "· Asociación Ñandú",
        "a country line before the organizations",
    ),
    ("· Web page of the Secretariat", "·", None, "text after the bullet"),
    (
        "Resolution CP/RES. 123",
        "VERY USEFUL:\n\nResolution CP/RES. 123",
        "VERY USEFUL:",
        "only inside a question section",
    ),
    (
        "QUESTION 4\n\n",
        "QUESTION 4\n\n· A stray bullet\n\n",
        "· A stray bullet",
        "a bullet inside a list",
    ),
    (
        "QUESTION 3\n\n",
        "QUESTION 3\n\nNot in the register\n\n",
        "Not in the register",
        "an answer heading or paragraph before an organization list",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "message"), ERRORS)
def test_source_errors_name_file_and_line(mini_text, codebook, old, new, needle, message):
    broken = _break(mini_text, old, new)
    if needle is None:  # the bare bullet replaced the first q1_how answer
        line = next(i + 1 for i, t in enumerate(broken.splitlines()) if t.strip() == "·")
    else:
        line = _first_line(broken, needle)
    with pytest.raises(SourceError) as err:
        parse_source(broken, codebook, path="data/raw/mini.txt")
    assert err.value.line == line
    assert err.value.path == "data/raw/mini.txt"
    assert str(err.value).startswith(f"data/raw/mini.txt:{line}: expected ")
    assert message in str(err.value)


def test_crlf_document_parses_the_same(mini_text, codebook, parsed_mini):
    crlf = parse_source(mini_text.replace("\n", "\r\n"), codebook, path="x")
    assert crlf.mentions.equals(parsed_mini.mentions)
    assert crlf.free_text.equals(parsed_mini.free_text)
