"""What the schema cannot say: codes, ids, breakdowns, and the design's and frame's counts.

Each check takes the built parts and raises ``CodebookError`` naming the place
(``questions[3] (q4).answers[1].code``) and its key path for ``load_codebook``'s line.
"""

from __future__ import annotations

from typing import Any

from helpers.core.codebook_design import DESIGN_COLUMNS
from helpers.core.codebook_model import Codebook
from helpers.core.codebook_parts import INDICATOR_SEPARATOR, Group, Option, Question
from helpers.core.codebook_schema import CATEGORICAL_TYPES
from helpers.core.codes import code_key
from helpers.core.errors import CodebookError

# Ids with a meaning of their own in figure ids and responses: group "all" is every
# respondent (<question>.all.all.<answer>), question "respondents" the respondent counts.
RESERVED_IDS = {
    "all": "every respondent's figures (<question>.all.all.<answer>)",
    "respondents": "the respondent counts (respondents.<group>.<value>)",
}


def check_unique_codes(options: tuple[Option, ...], where: str, place: tuple[Any, ...]) -> None:
    """Codes of one list unique by value (``where``: its name in messages, ``place``: keys)."""
    codes = [o.code for o in options]
    keys = [code_key(c) for c in codes]
    if len(set(keys)) != len(keys):
        again = next(j for j, k in enumerate(keys) if k in keys[:j])
        first = keys.index(keys[again])
        raise CodebookError(
            f"{where}[{again}].code: expected codes unique by value; found "
            f"duplicate codes {codes}: {codes[again]!r} is {where}[{first}]'s "
            f"{codes[first]!r} (codes compare by value: '6' and '6.0' are one "
            f"code)",
            (*place, again, "code"),
        )


def check_question(q: Question, i: int) -> None:
    """One question's codes and keys go together (answers for a closed list, unit if numeric)."""
    where, place = f"questions[{i}] ({q.id})", ("questions", i)
    if INDICATOR_SEPARATOR in q.id:
        raise CodebookError(
            f"{where}: question ids may not contain "
            f"{INDICATOR_SEPARATOR!r} (it names multiple-choice columns)"
        )
    check_unique_codes(q.answers, f"{where}.answers", (*place, "answers"))
    if q.type == "multiple_choice" and not q.separator:
        raise CodebookError(
            f"{where}: separator must be one or more characters, got {q.separator!r}"
        )
    if q.type == "multiple_choice" and any(q.separator in o.code for o in q.answers):
        raise CodebookError(f"{where}: answer codes may not contain the separator {q.separator!r}")
    if q.closed and not q.answers:
        raise CodebookError(f"{where}: a {q.type} question needs answers")
    if q.type in ("numeric", "free_text") and q.answers:
        raise CodebookError(
            f"{where}: a {q.type} question has no answers (its values are read as they are)",
            (*place, "answers"),
        )
    if q.unit and q.type != "numeric":
        raise CodebookError(f"{where}: only a numeric question has a unit", (*place, "unit"))
    _check_missing_codes(q, where, place)
    check_unique_codes(q.items, f"{where}.items", (*place, "items"))
    check_unique_codes(q.nets, f"{where}.nets", (*place, "nets"))


def _check_missing_codes(q: Question, where: str, place: tuple[Any, ...]) -> None:
    """No missing code is also an answer code (by value)."""
    answer_keys = {code_key(o.code): o.code for o in q.answers}
    clash = [k for k, m in enumerate(q.missing_codes) if code_key(m) in answer_keys]
    if clash:
        m = q.missing_codes[clash[0]]
        raise CodebookError(
            f"{where}.missing_codes[{clash[0]}]: expected missing "
            f"codes that are no answer's code; found that missing code "
            f"{m!r} is also the answer code {answer_keys[code_key(m)]!r} "
            f"(answers[{list(answer_keys).index(code_key(m))}]): a value "
            f"cannot be both an answer and missing",
            (*place, "missing_codes", clash[0]),
        )


def check_questions(questions: tuple[Question, ...]) -> None:
    """Each question on its own, then each id once."""
    for i, q in enumerate(questions):
        check_question(q, i)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        again = next(j for j, qid in enumerate(ids) if qid in ids[:j])
        raise CodebookError(
            f"questions[{again}] ({ids[again]}).id: expected each question id "
            f"once; found duplicate question ids: {ids[again]!r} again (first: "
            f"questions[{ids.index(ids[again])}])",
            ("questions", again, "id"),
        )


def check_groups(groups: tuple[Group, ...]) -> None:
    """Each group's value codes unique by value."""
    for i, g in enumerate(groups):
        check_unique_codes(g.values, f"groups[{i}] ({g.id}).values", ("groups", i, "values"))


def check_ids(questions: tuple[Question, ...], groups: tuple[Group, ...]) -> None:
    """Ids neither reserved nor shared by a question and a group, each named with its place."""
    entries = [("questions", i, q.id) for i, q in enumerate(questions)] + [
        ("groups", i, g.id) for i, g in enumerate(groups)
    ]
    design = sorted(DESIGN_COLUMNS.values())
    for kind, i, vid in entries:
        where = f"{kind}[{i}] ({vid}).id"
        if vid in design:
            raise CodebookError(
                f"{where}: expected an id other than the survey design's columns "
                f"({', '.join(design)}); found {vid!r}: ids {[vid]} are reserved "
                f"for the survey design's columns",
                (kind, i, "id"),
            )
        if vid in RESERVED_IDS:
            raise CodebookError(
                f"{where}: expected an id other than {vid!r}; found {vid!r}, "
                f"reserved for {RESERVED_IDS[vid]}",
                (kind, i, "id"),
            )
    taken = [vid for _, _, vid in entries]
    twice = sorted({v for v in taken if taken.count(v) > 1})
    if twice:
        kind, i, vid = next(e for j, e in enumerate(entries) if e[2] in taken[:j])
        fkind, fi, _ = entries[taken.index(vid)]
        raise CodebookError(
            f"{kind}[{i}] ({vid}).id: expected an id that no question or "
            f"other group has; found {vid!r}, the id of {fkind}[{fi}] (ids must "
            f"be unique across questions and groups; found {twice} more than "
            f"once; a group and a question may share a column, not an id)",
            (kind, i, "id"),
        )


def check_breakdowns(book: Codebook) -> None:
    """Breakdowns and crosstabs name groups and questions that exist, of the right kind."""
    try:
        for gid in book.by_group:
            book.group(gid)
        for i, q in enumerate(book.questions):
            for gid in q.by or ():
                try:
                    book.group(gid)
                except KeyError:
                    raise CodebookError(
                        f"question {q.id}: breakdowns: no group {gid!r} "
                        f"(groups: {[g.id for g in book.groups]})",
                        ("questions", i, "breakdowns"),
                    ) from None
        for row_q, col_q in book.crosstabs:
            row, col = book.question(row_q), book.question(col_q)
            if not ((row.categorical or row.type == "numeric") and col.categorical):
                raise CodebookError(
                    f"crosstab {row_q} x {col_q}: the first must be a "
                    f"single-answer or numeric question, the second a "
                    f"single-answer one ({', '.join(CATEGORICAL_TYPES)})"
                )
    except KeyError as exc:
        raise CodebookError(f"breakdowns: {exc.args[0]}") from None


def check_frame(book: Codebook) -> None:
    """Each ``frame.counts`` variable is a group or question; each count one of its codes."""
    if book.frame is None:
        return
    for var, counts in book.frame.counts:
        place = ("frame", "counts", var)
        options = [g.values for g in book.groups if g.id == var] or [
            q.answers for q in book.questions if q.id == var and q.categorical
        ]
        if not options:
            raise CodebookError(
                f"frame.counts: expected a group or single-answer question id; found {var!r}", place
            )
        codes = [code_key(o.code) for o in options[0]]
        unknown = [c for c, _ in counts if c not in codes]
        if unknown:
            raise CodebookError(
                f"frame.counts.{var}: expected codes among {codes}; found {unknown}", place
            )


def check_calibration(book: Codebook) -> None:
    """Each calibration variable is a single-answer question; each count one of its codes."""
    if book.design is None or book.design.calibration is None:
        return
    cal = book.design.calibration
    place = ("design", "calibration", "population")
    if cal.method == "poststratify" and len(cal.population) != 1:
        raise CodebookError(
            f"design.calibration: poststratify adjusts to the counts of one "
            f"question's answers; found {len(cal.population)} questions (use "
            f"rake or linear for several margins)",
            place,
        )
    totals = set()
    for qid, counts in cal.population:
        try:
            q = book.question(qid)
        except KeyError:
            raise CodebookError(
                f"design.calibration.population: expected a question id; found {qid!r}",
                (*place, qid),
            ) from None
        if not q.categorical:
            raise CodebookError(
                f"design.calibration.population.{qid}: expected a single-answer "
                f"question; found a {q.type} question",
                (*place, qid),
            )
        codes = [code_key(o.code) for o in q.answers]
        given = [c for c, _ in counts]
        if sorted(given) != sorted(codes) or any(n <= 0 for _, n in counts):
            raise CodebookError(
                f"design.calibration.population.{qid}: expected a positive "
                f"population count for each answer code {codes}; found "
                f"{dict(counts)}",
                (*place, qid),
            )
        totals.add(round(sum(n for _, n in counts), 6))
    if len(totals) > 1:
        raise CodebookError(
            f"design.calibration.population: every margin must add up to the "
            f"same population total; found {sorted(totals)}",
            place,
        )
