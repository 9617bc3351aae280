"""Every figure id the codebook implies is made once (``<question>.<group>.<code>.<answer>``)."""

from __future__ import annotations

from typing import Any

from helpers.core.codebook_model import Codebook
from helpers.core.codebook_parts import Question
from helpers.core.errors import CodebookError
from helpers.core.small_base import POOLED

# Parts of figure ids the summaries give a meaning of their own (defined here; summarize's
# figure.py reads them: MISSING_CODE, NUMERIC_STATS, TEST and TEST_STATS; the pooled group
# is core.small_base's POOLED; free text's "count" and "item").
MISSING_WORD = "missing"
NUMERIC_STAT_WORDS = ("mean", "sd", "median", "p25", "p75", "min", "max")
TEST_WORD, TEST_STAT_WORDS = "test", ("statistic", "df", "p", "p_adjusted")
POOLED_WORD = POOLED
# A column test (two groups' shares of one answer): <question>.<group>.<a>_vs_<b>.<answer>,
# its kind "column_test" (helpers.summarize.column_tests).
PAIR_WORD, COLUMN_TEST_KIND = "_vs_", "column_test"

Place = tuple[Any, ...] | None  # a key path in the file (None: made by the pipeline)
Level = tuple[str, str, Place]  # (group code, what it is in messages, its place)


def _where_text(place: tuple[Any, ...], vid: str) -> str:
    return f"{place[0]}[{place[1]}] ({vid})"


class _Made:
    """The figure ids made so far, each with who made it; a second maker is refused."""

    def __init__(self) -> None:
        self.made: dict[str, tuple[str, str, Place]] = {}

    def add(self, fid: str, whose: str, what: str, place: Place) -> None:
        if fid not in self.made:
            self.made[fid] = (whose, what, place)
            return
        first_whose, first_what, first_place = self.made[fid]
        at = place if place is not None else first_place
        raise CodebookError(
            f"figure id {fid!r}: expected figure ids (<question>.<group>.<group "
            f"code>.<answer code>) unique; found it made twice, by "
            f"{first_whose}{first_what} and by {whose}{what}",
            at or (),
        )


def _levels(book: Codebook, gid: str) -> list[Level]:
    """The codes a group's figures are made for (one stand-in for values from the source)."""
    if gid == "all":
        return [("all", "everyone", None)]
    where = book.places
    g = book.group(gid)
    if g.from_source:
        return [(f"<a value of {gid}>", f"{gid}'s values", (*where[gid], "values"))]
    values, key = (book.question(gid).answers, "answers") if g.of_question else (g.values, "values")
    return [
        (
            o.code,
            f"{gid} value {o.code!r} ({_where_text(where[gid], gid)}.{key}[k])".replace(
                "[k]", f"[{k}]"
            ),
            (*where[gid], key, k, "code"),
        )
        for k, o in enumerate(values)
    ]


def _answers(q: Question, i: int) -> list[tuple[str, str, Place]]:
    """The last parts of a closed or numeric question's figure ids: (part, whose, place)."""
    qwhere = _where_text(("questions", i), q.id)
    answers: list[tuple[str, str, Place]] = [
        (o.code, f"{qwhere}.answers[{k}]", ("questions", i, "answers", k, "code"))
        for k, o in enumerate(q.answers)
    ]
    answers += [
        (o.code, f"{qwhere}.nets[{k}]", ("questions", i, "nets", k, "code"))
        for k, o in enumerate(q.nets)
    ]
    answers += [
        (s, f"{q.id}'s statistic {s!r}", None)
        for s in (NUMERIC_STAT_WORDS if q.type == "numeric" else ())
    ]
    answers.append((MISSING_WORD, f"{q.id}'s 'No answer' row (answer code {MISSING_WORD!r})", None))
    return answers


def _add_pairs(
    made: _Made, q: Question, gid: str, codes: list[str], answers: list[tuple[str, str, Place]]
) -> None:
    """The column tests' ids of a closed question by one group: each pair, each answer."""
    if q.type == "numeric" or len(codes) < 2:
        return
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            for answer, whose, at in answers:
                if answer != MISSING_WORD:
                    what = f" for {a} against {b} (a column test)"
                    made.add(f"{q.id}.{gid}.{a}{PAIR_WORD}{b}.{answer}", whose, what, at)


def _add_question(book: Codebook, made: _Made, q: Question, i: int) -> None:
    """The figure ids of one question: overall, by each group, pooled and tested."""
    if q.type == "free_text":
        qwhere = _where_text(("questions", i), q.id)
        made.add(f"{q.id}.all.all.count", f"the free-text count of {q.id}", "", ("questions", i))
        for k, o in enumerate(q.items):
            made.add(
                f"{q.id}.item.{o.code}.count",
                f"{qwhere}.items[{k}]",
                "",
                ("questions", i, "items", k, "code"),
            )
        return
    answers = _answers(q, i)
    groups = ["all", *book.breakdowns_of(q), *[c for r, c in book.crosstabs if r == q.id]]
    for gid in dict.fromkeys(groups):
        for code, what, place in _levels(book, gid):
            for answer, whose, at in answers:
                made.add(f"{q.id}.{gid}.{code}.{answer}", whose, f" for {what}", at or place)
        if gid == "all":
            continue
        pooled = f" for {gid}'s small groups pooled ({POOLED_WORD!r})"
        for answer, whose, at in answers:
            made.add(f"{q.id}.{gid}.{POOLED_WORD}.{answer}", whose, pooled, at)
        _add_pairs(made, q, gid, [c for c, _, _ in _levels(book, gid)], answers)
        for stat in TEST_STAT_WORDS:
            made.add(
                f"{q.id}.{gid}.{TEST_WORD}.{stat}",
                f"the test of {q.id} by {gid} ({TEST_WORD}.{stat})",
                "",
                None,
            )


def check_figure_ids(book: Codebook) -> None:
    """Every figure id the codebook implies is made once, naming both places if not.

    Figure ids are ``<question>.<group>.<group code>.<answer code>`` (and
    ``respondents.<group>.<group code>``): an answer code ``missing`` (the "No
    answer" row's), or dotted ids and codes that join into the same text, would
    make two figures one. A group whose values come from the source stands for
    values without dots (slugs). Without a dot in any id or code and without a
    reserved word among the codes, the ids are unique by construction: only then
    is each one not made.
    """
    answer_codes = {o.code for q in book.questions for o in (*q.answers, *q.nets, *q.items)}
    parts = {
        *answer_codes,
        *[o.code for g in book.groups for o in g.values],
        *[q.id for q in book.questions],
        *[g.id for g in book.groups],
    }
    if (
        not any("." in p or PAIR_WORD in p for p in parts)
        and MISSING_WORD not in answer_codes
        and not parts & {TEST_WORD, POOLED_WORD}
    ):
        return
    made = _Made()
    made.add("respondents.all.all", "the respondent count", "", None)
    for gid in book.breakdown_groups:
        for code, what, place in _levels(book, gid):
            made.add(f"respondents.{gid}.{code}", "the respondents of ", what, place)
    for i, q in enumerate(book.questions):
        _add_question(book, made, q, i)
