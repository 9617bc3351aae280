"""Pandera schemas of a document's tables (mentions, respondents, free text), from the codebook.

A respondent-level export is checked by ``helpers.clean.export.check_export_responses``
(polars, per distinct value) instead: it may have millions of rows.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from helpers.core.codebook import Codebook
from helpers.core.document import (
    REGISTRATION,
    REGISTRATION_LINE,
    registration_values,
    response_columns,
)
from helpers.core.errors import TableError

_LINE = pa.Column(int, pa.Check.gt(0))
_OPT_LINE = pa.Column("Int64", pa.Check.gt(0), nullable=True)
_TEXT = pa.Column("string", pa.Check.str_length(min_value=1))


def mentions_schema(book: Codebook) -> pa.DataFrameSchema:
    """Organization mentions as read by the extract stage."""
    lists = ["roster", *[q.id for q in book.categorical]]
    answers = sorted({o.code for q in book.categorical for o in q.answers})
    registration = [o.code for o in registration_values(book)]
    return pa.DataFrameSchema(
        {
            "line": _LINE,
            "list": pa.Column("string", pa.Check.isin(lists)),
            "answer": pa.Column("string", pa.Check.isin(answers), nullable=True),
            "answer_line": _OPT_LINE,
            REGISTRATION: pa.Column("string", pa.Check.isin(registration)),
            REGISTRATION_LINE: _LINE,
            "country": _TEXT,
            "country_line": _LINE,
            "organization": _TEXT,
            "acronym": pa.Column("string", nullable=True),
        },
        checks=[
            pa.Check(
                lambda df: (df["list"] == "roster") | df["answer"].notna(),
                error="every question-list mention has an answer",
            ),
            pa.Check(lambda df: ~df["line"].duplicated(), error="one mention per source line"),
        ],
        coerce=True,
        strict="filter",
    )


def responses_schema(book: Codebook) -> pa.DataFrameSchema:
    """One row per respondent; answers are codebook codes or missing."""
    registration = [o.code for o in registration_values(book)]
    columns = {
        "respondent_id": pa.Column("string", pa.Check.str_matches(r"^R\d+$"), unique=True),
        "organization": pa.Column("string", pa.Check.str_length(min_value=1), unique=True),
        "acronym": pa.Column("string", nullable=True),
        "country": _TEXT,
        REGISTRATION: pa.Column("string", pa.Check.isin(registration)),
        "organization_line": pa.Column(int, pa.Check.gt(0), unique=True),
        "country_line": _LINE,
        REGISTRATION_LINE: _LINE,
    }
    for q in book.categorical:
        codes = [o.code for o in q.answers]
        columns[q.id] = pa.Column("string", pa.Check.isin(codes), nullable=True)
        columns[f"{q.id}_line"] = _OPT_LINE
        columns[f"{q.id}_heading_line"] = _OPT_LINE
    ordered = {name: columns[name] for name in response_columns(book)}
    return pa.DataFrameSchema(ordered, coerce=True, strict=True, ordered=True)


def free_text_schema(book: Codebook) -> pa.DataFrameSchema:
    """Free-text answers: question id from the codebook, item code where it has items."""
    qids = [q.id for q in book.free_text]
    return pa.DataFrameSchema(
        {
            "line": pa.Column(int, pa.Check.gt(0), unique=True),
            "question": pa.Column("string", pa.Check.isin(qids)),
            "item": pa.Column("string", nullable=True),
            "intro_line": _LINE,
            "text": _TEXT,
        },
        coerce=True,
        strict=True,
    )


def validate(schema: pa.DataFrameSchema, df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate all checks at once; on failure raise TableError summarising every problem."""
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        problems = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
            values = sorted({str(v) for v in group["failure_case"]})[:5]
            rows = sorted({int(i) for i in group["index"].dropna()})[:5]
            where = f" (rows {rows})" if rows else ""
            problems.append(
                f"{column if pd.notna(column) else 'table'}: {check} failed for {values}{where}"
            )
        raise TableError(f"{name}: " + "; ".join(problems)) from None
