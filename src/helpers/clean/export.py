"""Clean a respondent-level export: map each cell to a codebook code, missing, or a reject.

Every cell has one of three fates, and the counts add up per question:

* a codebook answer code: kept;
* blank or a declared missing code: kept as *missing* (shown as "No answer",
  excluded from the question's base);
* any other value: set aside in ``rejects.csv`` with the reason, and missing.

A multiple-choice cell becomes one 0/1 column per option (``<id>__<code>``,
all missing when the question is). Empty pieces ("1;;3", a trailing
separator) are ignored; a cell is set aside whole if a piece is not an option
code, repeats one, or mixes a missing code with answers.

Each column's distinct values are judged once (a million rows hold a few
codes); polars then maps every row by its value.
"""

from __future__ import annotations

import math

import polars as pl

from helpers.clean.accounting import REJECT_COLUMNS, Reconciled
from helpers.core.codebook import (
    NOT_SELECTED,
    SELECTED,
    Codebook,
    Group,
    Question,
    routing_order,
)
from helpers.core.codes import code_index, code_key
from helpers.core.errors import SourceError, TableError
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, ExportColumns, export_columns

REJECT_TYPES = {
    "source_line": pl.Int64,
    "list": pl.String,
    "organization": pl.String,
    "reason": pl.String,
}
FREE_TEXT_COLUMNS = {
    "line": pl.Int64,
    "question": pl.String,
    "item": pl.String,
    "intro_line": pl.Int64,
    "text": pl.String,
}


def clean_export(
    raw: pl.DataFrame, book: Codebook, path: str, max_reject_share: float = 1.0
) -> tuple[Reconciled, pl.DataFrame]:
    """Map codes to codebook codes; return (responses, rejects, counts) and the free text.

    Each coded column's distinct values are judged first (:func:`code_plan`,
    :func:`multiple_plan`); one polars ``select`` then maps every column at once.
    A question with more than ``max_reject_share`` of its answered cells set
    aside stops here (:func:`check_reject_shares`).
    """
    cols = export_columns(book)
    n = raw.height
    ids = _ids(raw, cols, path)
    distinct = _distinct(raw, cols.coded)
    exprs: list[pl.Expr] = []
    plans: list[tuple[str, str, dict[str, str]]] = []  # (variable, column, reject reasons)
    for g in book.groups:
        if g.derived_from:
            continue
        column = cols.groups[g.id]
        if g.from_source:
            exprs.append(pl.col(column).alias(g.id))
            continue
        mapping, reasons = code_plan(distinct[column], [o.code for o in g.values], (), g.id)
        exprs.append(_mapped(column, mapping, [o.code for o in g.values], g.id))
        plans.append((g.id, column, reasons))
    for q in book.closed:
        if q.derived_from:
            continue
        if q.categorical:
            column = cols.categorical[q.id]
            codes = [o.code for o in q.answers]
            mapping, reasons = code_plan(distinct[column], codes, q.missing_codes, q.id)
            exprs.append(_mapped(column, mapping, codes, q.id))
        else:
            column = cols.multiple[q.id]
            flags, reasons = multiple_plan(distinct[column], q)
            exprs += [
                _mapped(column, values, [NOT_SELECTED, SELECTED], name)
                for name, values in flags.items()
            ]
        plans.append((q.id, column, reasons))
    for q in book.numeric:
        column = cols.numeric[q.id]
        value, reasons = numeric_plan(raw, column, q)
        exprs.append(value.alias(q.id))
        plans.append((q.id, column, reasons))
    exprs += design_columns(raw, book, path)
    responses = raw.select(ids, *exprs, pl.col(SOURCE_LINE))
    responses = with_derived(responses, book)
    code_rejects = {var: _rejects(raw, column, reasons, var, ids) for var, column, reasons in plans}
    responses, rejects = route(responses, book, code_rejects)
    counts = []
    for q in (*[q for q in book.closed if not q.derived_from], *book.numeric):
        first = responses[q.response_columns[0]]  # a multiple-choice answer: all or none
        rejected = rejects[q.id].height
        kept = n - first.null_count()
        declared = first.null_count() - rejected
        counts.append(
            {
                "list": q.id,
                "rows_read": n,
                "rows_kept": kept,
                "rows_missing": declared,
                "rows_rejected": rejected,
                "balanced": n == kept + declared + rejected,
            }
        )
    free = [
        raw.filter(pl.col(c).str.strip_chars() != "").select(
            pl.col(SOURCE_LINE).alias("line"),
            pl.lit(q.id).alias("question"),
            pl.lit(None, pl.String).alias("item"),
            pl.lit(1, pl.Int64).alias("intro_line"),
            pl.col(c).alias("text"),
        )
        for q in book.free_text
        for c in [cols.free_text[q.id]]
    ]
    free_text = pl.concat(free) if free else pl.DataFrame(schema=FREE_TEXT_COLUMNS)
    free_text = free_text.sort(["line", "question"], maintain_order=True)
    kept = [r for r in rejects.values() if r.height]
    rejects_df = pl.concat(kept) if kept else pl.DataFrame(schema=REJECT_TYPES)
    check_reject_shares(
        counts, {var: reasons for var, _, reasons in plans}, code_rejects, max_reject_share, path
    )
    counts_df = pl.DataFrame(
        counts,
        schema={
            "list": pl.String,
            "rows_read": pl.Int64,
            "rows_kept": pl.Int64,
            "rows_missing": pl.Int64,
            "rows_rejected": pl.Int64,
            "balanced": pl.Boolean,
        },
    )
    return Reconciled(responses, rejects_df.select(REJECT_COLUMNS), counts_df), free_text


def with_derived(responses: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    """Add each derived variable (a recode of a coded one), in the hand-off's column order.

    Each value's ``of`` codes of the source map onto it; a source code no value
    recodes, or a missing source, is missing.
    """
    if not book.derived:
        return responses
    out = responses.with_columns([_derived_expr(book, item) for item in book.derived])
    order = [g.id for g in book.groups] + [c for q in book.closed for c in q.response_columns]
    head = [ID_COLUMN, *order]
    return out.select(*head, *[c for c in out.columns if c not in head])


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
    responses: pl.DataFrame, book: Codebook, rejects: dict[str, pl.DataFrame]
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
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
            pl.lit(q.id, pl.String).alias("list"),
            pl.col(ID_COLUMN).alias("organization"),
            (
                pl.lit(f"routing violation: answered {q.id}, asked only if {condition}; found ")
                + found
            ).alias("reason"),
        )
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


def check_reject_shares(
    counts: list[dict],
    reasons: dict[str, dict[str, str]],
    rejects: dict[str, pl.DataFrame],
    limit: float,
    path: str,
) -> None:
    """Stop when a question sets aside more than ``limit`` of its answered cells.

    Answered cells are those neither blank nor a declared missing code (kept +
    set aside for an unknown code; routing violations are answers in the wrong
    place, not a codebook mismatch, and are not counted). So many unknown codes
    mean a codebook that does not match the export (codes written ``6.0`` where
    it says ``six``, a shifted column), not damaged rows: the stage stops before
    anything is written.
    """
    for row in counts:
        qid = row["list"]
        unknown = rejects[qid].height  # unknown codes (not routing violations)
        answered = row["rows_kept"] + unknown
        if not answered or unknown / answered <= limit:
            continue
        codes = ", ".join(repr(v.strip()) for v in list(reasons[qid])[:5])
        first = int(rejects[qid]["source_line"][0])
        raise SourceError(
            path,
            first,
            f"at most {limit:.0%} of {qid}'s answered cells set aside "
            f"(params.yaml clean.max_reject_share)",
            f"{unknown:,} of {answered:,} "
            f"({unknown / answered:.1%}) with codes the codebook does "
            f"not define, first {codes}: does the codebook match the export?",
        )


# A numeric answer beyond this is set aside: means, variances and their sums of squares of
# larger values overflow a float (about 1.8e308).
NUMERIC_MAX = 1e150


def numeric_plan(raw: pl.DataFrame, column: str, q: Question) -> tuple[pl.Expr, dict[str, str]]:
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


def design_columns(raw: pl.DataFrame, book: Codebook, path: str) -> list[pl.Expr]:
    """The design's columns (``design_weight``, ...), or stop at the first row without one.

    A weight or fpc must be a positive finite number and a stratum or PSU
    present, on every row: a respondent the design cannot place has no valid
    estimate, so the stage stops, naming the line, rather than drop it.
    """
    if book.design is None:
        return []
    exprs = []
    for role, column in book.design.columns.items():
        text = pl.col(column).cast(pl.String).str.strip_chars()
        if role in ("weight", "fpc"):
            value = text.cast(pl.Float64, strict=False)
            ok = value.is_not_null() & value.is_finite() & (value > 0)
            expected = f"a positive number in {column!r} (the design's {role})"
        elif role.startswith("rep_"):  # a replicate weight: 0 drops the case from a replicate
            value = text.cast(pl.Float64, strict=False)
            ok = value.is_not_null() & value.is_finite() & (value >= 0)
            expected = f"a number >= 0 in {column!r} (a replicate weight)"
        else:
            value = text
            ok = text.is_not_null() & (text != "")
            expected = f"a value in {column!r} (the design's {role})"
        bad = raw.select(ok.not_().arg_true().head(1)).to_series()
        if bad.len():
            row = int(bad[0])
            raise SourceError(
                path,
                int(raw[SOURCE_LINE][row]),
                expected,
                repr(raw[column].cast(pl.String)[row] or ""),
            )
        exprs.append(value.alias(book.design.response_columns[role]))
    return exprs


def _distinct(raw: pl.DataFrame, columns: tuple[str, ...]) -> dict[str, list[str]]:
    """The distinct non-missing values of each column (one pass, all columns)."""
    if not columns:
        return {}
    row = raw.select([pl.col(c).drop_nulls().unique().cast(pl.String).implode() for c in columns])
    return {c: sorted(row[c][0].to_list()) for c in columns}


def _mapped(column: str, mapping: dict[str, str], categories: list[str], name: str) -> pl.Expr:
    """``column`` mapped value by value onto an enumeration; unmapped values are missing."""
    return (
        pl.col(column)
        .replace_strict(mapping, default=None, return_dtype=pl.Enum(categories))
        .alias(name)
    )


def _ids(raw: pl.DataFrame, cols: ExportColumns, path: str) -> pl.Series:
    if not cols.ids:
        width = len(str(raw.height))
        return pl.Series(
            ID_COLUMN, [f"R{i:0{width}d}" for i in range(1, raw.height + 1)], dtype=pl.String
        )
    ids = raw[cols.ids].cast(pl.String)
    if not ids.null_count() and all_distinct(ids):  # ("" is missing on read)
        return ids.alias(ID_COLUMN)
    bad = ids.is_null() | (ids == "") | ~ids.is_first_distinct()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise SourceError(
            path,
            int(raw[SOURCE_LINE][row]),
            f"a unique, non-empty respondent id in {cols.ids!r}",
            f"{ids[row]!r} (empty or seen before)",
        )
    return ids.alias(ID_COLUMN)


def all_distinct(values: pl.Series) -> bool:
    """Whether no value repeats (nulls aside, which callers check).

    Distinct 64-bit hashes prove it in one cheap pass; only if two hashes meet
    are the values themselves compared.
    """
    return values.hash().n_unique() == values.len() or values.n_unique() == values.len()


def _rejects(
    raw: pl.DataFrame, column: str, reasons: dict[str, str], var: str, ids: pl.Series
) -> pl.DataFrame:
    """One reject per row whose value has a reason, in row order."""
    if not reasons:
        return pl.DataFrame(schema=REJECT_TYPES)
    bad = raw.with_columns(ids).filter(pl.col(column).is_in(list(reasons)))
    return bad.select(
        pl.col(SOURCE_LINE).alias("source_line"),
        pl.lit(var, pl.String).alias("list"),
        pl.col(ID_COLUMN).alias("organization"),
        pl.col(column)
        .cast(pl.String)
        .replace_strict(reasons, return_dtype=pl.String)
        .alias("reason"),
    )


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


def check_export_responses(
    responses: pl.DataFrame, book: Codebook, name: str, first_record: int = 2
) -> pl.DataFrame:
    """The invariants of cleaned export rows (checked once, before the hand-off).

    Codes need no row-by-row check: each answer column is an enumeration of the
    codebook's codes, so its type is the check. Checked here: ids unique and
    present, source lines unique and from ``first_record`` on (line 2 of a CSV,
    past its header; case 1 of a .sav or .dta), and a multiple-choice
    answer all missing or with at least one option chosen.
    """
    problems = []
    ids = responses[ID_COLUMN]
    if ids.null_count() or not all_distinct(ids):
        problems.append(
            f"{ID_COLUMN}: unique, non-empty ids failed for "
            f"{ids.filter(ids.is_duplicated() | ids.is_null()).head(5).to_list()}"
        )
    lines = responses[SOURCE_LINE]
    if (
        lines.null_count()
        or not all_distinct(lines)
        or (lines.min() or first_record) < first_record
    ):
        problems.append(f"{SOURCE_LINE}: unique records from {first_record} on failed")
    for q in book.multiple_choice:
        cols = list(q.indicators.values())
        missing = [pl.col(c).is_null() for c in cols]
        whole = pl.all_horizontal(missing) | (
            ~pl.any_horizontal(missing) & pl.any_horizontal([pl.col(c) == SELECTED for c in cols])
        )
        broken = responses.filter(~whole)
        if broken.height:
            problems.append(
                f"{q.id}: options all missing, or at least one chosen failed for "
                f"lines {broken[SOURCE_LINE].head(5).to_list()}"
            )
    if problems:
        raise TableError(f"{name}: " + "; ".join(problems))
    return responses
