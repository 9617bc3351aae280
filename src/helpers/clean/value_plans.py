"""Judge each distinct value of a column once: the codebook code it maps to, or why it is set aside.

A column of a million rows holds a few distinct values; each is judged here
(by value: ``"6.0"`` is code ``6``) and polars then maps every row by its value.
"""

from __future__ import annotations

import math

import polars as pl

from helpers.core.codebook import NOT_SELECTED, SELECTED, Question
from helpers.core.codes import code_index, code_key


def distinct_values(raw: pl.LazyFrame, columns: tuple[str, ...]) -> dict[str, list[str]]:
    """The distinct non-missing values of each column (streaming queries run together).

    One ``unique`` query per column: the streaming engine holds each column's distinct
    values, not its rows (a ``select`` of several ``unique`` would read whole columns).
    The values are made text after ``unique``, not before: a categorical column's rows
    are then never cast (a third of the time at a million rows, measured in issue 26).
    """
    queries = [raw.lazy().select(pl.col(c).drop_nulls()).unique() for c in columns]
    found = pl.collect_all(queries, engine="streaming") if queries else []
    return {
        c: sorted(f.to_series().cast(pl.String).to_list())
        for c, f in zip(columns, found, strict=True)
    }


def mapped(
    column: str, mapping: dict[str, str], categories: list[str], name: str, values: list[str]
) -> pl.Expr:
    """``column`` mapped value by value onto an enumeration; unmapped values are missing.

    ``values``: the column's distinct values (the column is text or categorical). Each
    row's value becomes its position among them (a cast to an enumeration of them),
    which picks its code from a lookup list already of the result's type: polars'
    streaming engine runs this batch by batch (``replace_strict`` would read the whole
    column into memory). A categorical column is cast without passing through text,
    and the codes are not cast again: half the time of either (measured in issue 26).
    """
    if not mapping:
        return pl.lit(None, pl.String).cast(pl.Enum(categories)).alias(name)
    lookup = pl.Series([mapping.get(v) for v in values], dtype=pl.Enum(categories))
    position = pl.col(column).cast(pl.Enum(values), strict=False).to_physical()
    return pl.lit(lookup).gather(position).alias(name)


def code_plan(
    values: list[str], codes: list[str], missing: tuple[str, ...], qid: str
) -> tuple[dict[str, str], dict[str, str]]:
    """For each distinct value: the codebook code it stands for, or why it is rejected.

    Values compare with codes by value (helpers.core.codes: ``"6.0"`` is code
    ``6``). Values neither mapped nor rejected (blank, a declared missing code)
    are missing.
    """
    by_key = code_index(codes)
    missing_keys = set(code_index(missing))
    mapping: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for value in values:
        key = code_key(value)
        if key in by_key:
            mapping[value] = by_key[key]
        elif key not in missing_keys and key != "":
            reasons[value] = (
                f"code {value.strip()!r} is not a {qid} code in the codebook "
                f"(answers: {', '.join(codes)}; missing: "
                f"{', '.join(missing) or 'none'})"
            )
    return mapping, reasons


def _multiple_fate(cell: str, q: Question) -> tuple[list[int] | None, str]:
    """Option indices chosen in one cell; None with '' (missing) or with a reject reason."""
    text = cell.strip()
    missing = set(code_index(q.missing_codes))
    if text == "" or code_key(text) in missing:
        return None, ""
    pieces = text.split() if q.separator == " " else text.split(q.separator)
    codes = [p.strip() for p in pieces if p.strip()]
    if not codes:  # only separators: nothing chosen, like a blank cell
        return None, ""
    options = [o.code for o in q.answers]
    position = {code_key(o): k for k, o in enumerate(options)}
    allowed = f"options: {', '.join(options)}; separator {q.separator!r}"
    keys = [code_key(c) for c in codes]
    unknown = [c for c, k in zip(codes, keys, strict=True) if k not in position]
    if any(k in missing for k in keys):
        return None, f"{text!r} mixes a missing code with answers to {q.id} ({allowed})"
    if unknown:
        return None, f"code {unknown[0]!r} in {text!r} is not a {q.id} option ({allowed})"
    if len(set(keys)) != len(keys):
        return None, f"{text!r} repeats a {q.id} option ({allowed})"
    return [position[k] for k in keys], ""


def multiple_plan(
    values: list[str], q: Question
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """For each option's 0/1 column, the flag of each distinct cell; and reject reasons.

    Each distinct cell is parsed once (:func:`_multiple_fate`); cells missing or
    rejected map to nothing (missing in every option's column).
    """
    chosen: dict[str, list[int]] = {}
    reasons: dict[str, str] = {}
    for cell in values:
        picked, why = _multiple_fate(cell, q)
        if picked is not None:
            chosen[cell] = picked
        elif why:
            reasons[cell] = why
    flags = {
        column: {cell: SELECTED if k in picked else NOT_SELECTED for cell, picked in chosen.items()}
        for k, column in enumerate(q.indicators.values())
    }
    return flags, reasons


# A numeric answer beyond this is set aside: means, variances and their sums of squares of
# larger values overflow a float (about 1.8e308).
NUMERIC_MAX = 1e150


def numeric_plan(raw: pl.LazyFrame, column: str, q: Question) -> tuple[pl.Expr, dict[str, str]]:
    """A numeric question's values as Float64, and why each value that is not a number is set aside.

    Blank cells and declared missing codes (by value: ``-9`` matches ``-9.0``) are
    missing; a finite number (``" 42 "``, ``42.0``, ``4.2e1``) up to ``NUMERIC_MAX`` in
    size is kept; anything else (``"42 years"``, ``"1,234"``, ``inf``, ``1e308``) is set
    aside. Only the distinct
    values that are not numbers are judged one by one.
    """
    text = pl.col(column).cast(pl.String).str.strip_chars()
    number = text.cast(pl.Float64, strict=False)
    keys = [code_key(c) for c in q.missing_codes]
    as_numbers = [float(k) for k in keys if _is_number(k)]
    as_texts = [c.strip() for c, k in zip(q.missing_codes, keys, strict=True) if not _is_number(k)]
    missing = text.is_null() | (text == "") | number.is_in(as_numbers) | text.is_in(as_texts)
    good = number.is_not_null() & number.is_finite() & (number.abs() <= NUMERIC_MAX)
    bad_values = (
        raw.select(pl.col(column).cast(pl.String).filter(~missing & ~good).unique().sort())
        .collect(engine="streaming")
        .to_series()
        .to_list()
    )
    shown = ", ".join(q.missing_codes) or "none"
    reasons = {v: _numeric_reason(v, q.id, shown) for v in bad_values}
    return pl.when(~missing & good).then(number), reasons


def _numeric_reason(value: str, qid: str, missing: str) -> str:
    """Why a numeric cell is set aside: not a number, or beyond ``NUMERIC_MAX``."""
    try:
        out_of_range = math.isfinite(float(value)) or float(value) in (math.inf, -math.inf)
    except ValueError:
        out_of_range = False
    if out_of_range and value.strip().lower().lstrip("+-") not in ("inf", "infinity"):
        return (
            f"{value.strip()!r} is out of range ({qid} is numeric; absolute value at most "
            f"{NUMERIC_MAX:g}, so that sums of squares stay finite; missing codes: {missing})"
        )
    return f"{value.strip()!r} is not a number ({qid} is numeric; missing codes: {missing})"


def _is_number(key: str) -> bool:
    try:
        float(key)
    except ValueError:
        return False
    return True
