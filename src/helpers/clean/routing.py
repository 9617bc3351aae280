"""Derived variables (recodes of a coded one) and routing (``asked_if``) on cleaned exports."""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from helpers.core.codebook import Codebook, Group, Question, routing_order
from helpers.core.codes import code_index, code_key
from helpers.extract.export import ID_COLUMN, SOURCE_LINE

Rows = TypeVar("Rows", pl.DataFrame, pl.LazyFrame)  # in memory, or a query streamed


def with_derived(responses: Rows, book: Codebook) -> Rows:
    """Add each derived variable (a recode of a coded one), in the hand-off's column order.

    Each value's ``of`` codes of the source map onto it; a source code no value
    recodes, or a missing source, is missing.
    """
    if not book.derived:
        return responses
    out = responses.with_columns([_derived_expr(book, item) for item in book.derived])
    order = [g.id for g in book.groups] + [c for q in book.closed for c in q.response_columns]
    head = [ID_COLUMN, *order]
    return out.select(*head, *[c for c in out.collect_schema().names() if c not in head])


def _derived_expr(book: Codebook, item: Question | Group) -> pl.Expr:
    """A derived variable's column: its source's codes recoded (others missing)."""
    values = item.answers if isinstance(item, Question) else item.values
    source = book.group(item.derived_from)
    index = code_index([o.code for o in source.values])
    mapping = {index[code_key(c)]: o.code for o in values for c in o.of}
    return (
        pl.col(item.derived_from)
        .cast(pl.String)
        .replace_strict(mapping, default=None, return_dtype=pl.Enum([o.code for o in values]))
        .alias(item.id)
    )


def route(
    responses: Rows, book: Codebook, rejects: dict[str, pl.DataFrame]
) -> tuple[Rows, dict[str, pl.DataFrame]]:
    """Answers from respondents a question's ``asked_if`` does not route to it: set aside.

    Each is a routing violation in ``rejects.csv`` (the respondent's routing value
    named) and missing in responses, so that a routed question's base is the
    respondents routed to it who answered. Routing is judged on cleaned values, in
    :func:`routing_order`: an answer set aside (an unknown code, or itself a routing
    violation) routes no one, and a recode of a routed question is recoded again.
    """
    routed = routing_order(book)
    if not routed:
        return responses, rejects
    rejects = dict(rejects)
    for q in routed:
        asked = routed_expr(book, q)
        cols = q.response_columns
        answered = ~pl.all_horizontal([pl.col(c).is_null() for c in cols])
        bad = responses.filter(answered & ~asked)
        condition = " and ".join(f"{var} in {', '.join(codes)}" for var, codes in q.asked_if)
        found = pl.concat_str(
            [
                pl.lit(f"{var} = ") + pl.col(var).cast(pl.String).fill_null("missing")
                for var, _ in q.asked_if
            ],
            separator=", ",
        )
        violations = bad.select(
            pl.col(SOURCE_LINE).alias("source_line"),
            pl.lit(q.id, pl.String).alias("question"),
            pl.col(ID_COLUMN).alias("respondent_id"),
            (
                pl.lit(f"routing violation: answered {q.id}, asked only if {condition}; found ")
                + found
            ).alias("reason"),
        )
        if isinstance(violations, pl.LazyFrame):  # one streaming pass; as many rows as found
            violations = violations.collect(engine="streaming")
        rejects[q.id] = (
            pl.concat([rejects[q.id], violations]).sort("source_line")
            if q.id in rejects
            else violations
        )
        responses = responses.with_columns([pl.when(asked).then(pl.col(c)).alias(c) for c in cols])
        recodes = [_derived_expr(book, item) for item in book.derived if item.derived_from == q.id]
        if recodes:
            responses = responses.with_columns(recodes)
    return responses, rejects


def routed_expr(book: Codebook, q: Question) -> pl.Expr:
    """True for the respondents ``q``'s ``asked_if`` routes to it (every condition holds)."""
    conditions = []
    for var, codes in q.asked_if:
        index = code_index([o.code for o in book.group(var).values])
        conditions.append(
            pl.col(var).cast(pl.String).is_in([index[code_key(c)] for c in codes]).fill_null(False)
        )
    return pl.all_horizontal(conditions)
