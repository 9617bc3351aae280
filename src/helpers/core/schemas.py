"""Pandera schemas of the pipeline's tables, built from the codebook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from helpers.core.codebook import NOT_SELECTED, SELECTED, Codebook, Question


def response_columns(book: Codebook) -> list[str]:
    """Column order of responses.csv for this codebook."""
    cols = ["respondent_id", "organization", "acronym", "country", "oas_registered"]
    cols += [q.id for q in book.categorical]
    cols += ["organization_line", "country_line", "oas_registered_line"]
    for q in book.categorical:
        cols += [f"{q.id}_line", f"{q.id}_heading_line"]
    return cols



class TableError(ValueError):
    """A table breaks its schema; the message names the table, columns and values."""

_LINE = pa.Column(int, pa.Check.gt(0))
_OPT_LINE = pa.Column("Int64", pa.Check.gt(0), nullable=True)
_TEXT = pa.Column("string", pa.Check.str_length(min_value=1))


def mentions_schema(book: Codebook) -> pa.DataFrameSchema:
    """Organization mentions as read by the extract stage."""
    lists = ["roster", *[q.id for q in book.categorical]]
    answers = sorted({o.code for q in book.categorical for o in q.answers})
    registration = [o.code for o in book.group("oas_registered").values]
    return pa.DataFrameSchema(
        {
            "line": _LINE,
            "list": pa.Column("string", pa.Check.isin(lists)),
            "answer": pa.Column("string", pa.Check.isin(answers), nullable=True),
            "answer_line": _OPT_LINE,
            "oas_registered": pa.Column("string", pa.Check.isin(registration)),
            "oas_registered_line": _LINE,
            "country": _TEXT,
            "country_line": _LINE,
            "organization": _TEXT,
            "acronym": pa.Column("string", nullable=True),
        },
        checks=[
            pa.Check(lambda df: (df["list"] == "roster") | df["answer"].notna(),
                     error="every question-list mention has an answer"),  # fmt: skip
            pa.Check(lambda df: ~df["line"].duplicated(), error="one mention per source line"),
        ],
        coerce=True,
        strict="filter",
    )


def responses_schema(book: Codebook) -> pa.DataFrameSchema:
    """One row per respondent; answers are codebook codes or missing."""
    registration = [o.code for o in book.group("oas_registered").values]
    columns = {
        "respondent_id": pa.Column("string", pa.Check.str_matches(r"^R\d+$"), unique=True),
        "organization": pa.Column("string", pa.Check.str_length(min_value=1), unique=True),
        "acronym": pa.Column("string", nullable=True),
        "country": _TEXT,
        "oas_registered": pa.Column("string", pa.Check.isin(registration)),
        "organization_line": pa.Column(int, pa.Check.gt(0), unique=True),
        "country_line": _LINE,
        "oas_registered_line": _LINE,
    }
    for q in book.categorical:
        codes = [o.code for o in q.answers]
        columns[q.id] = pa.Column("string", pa.Check.isin(codes), nullable=True)
        columns[f"{q.id}_line"] = _OPT_LINE
        columns[f"{q.id}_heading_line"] = _OPT_LINE
    ordered = {name: columns[name] for name in response_columns(book)}
    return pa.DataFrameSchema(ordered, coerce=True, strict=True, ordered=True)


def export_responses_schema(book: Codebook) -> pa.DataFrameSchema:
    """Respondents of a respondent-level export: id, groups, answers (codes), source line.

    Answer and group columns are categoricals (a million rows stay small and fast).
    """
    columns = {"respondent_id": pa.Column("string", unique=True)}
    for g in book.groups:
        check = [] if g.from_source else [pa.Check.isin([o.code for o in g.values])]
        columns[g.id] = pa.Column("category", check, nullable=True)
    checks = []
    for q in book.closed:
        if q.categorical:
            columns[q.id] = pa.Column("category", pa.Check.isin([o.code for o in q.answers]),
                                      nullable=True)  # fmt: skip
            continue
        for column in q.indicators.values():
            columns[column] = pa.Column("category", pa.Check.isin([NOT_SELECTED, SELECTED]),
                                        nullable=True)  # fmt: skip
        checks.append(_multiple_choice_check(q))
    columns["source_line"] = pa.Column(int, pa.Check.gt(1), unique=True)
    return pa.DataFrameSchema(columns, checks=checks, coerce=True, strict=True, ordered=True)


def _multiple_choice_check(q: Question) -> pa.Check:
    """A multiple-choice answer is all missing, or at least one option chosen."""
    cols = list(q.indicators.values())

    def whole(df: pd.DataFrame) -> pd.Series:
        missing = np.column_stack([df[c].isna().to_numpy() for c in cols])
        # Compared column by column: a categorical compares its codes, not a million strings.
        chosen = np.column_stack([(df[c] == SELECTED).fillna(False).to_numpy(dtype=bool)
                                  for c in cols])  # fmt: skip
        return pd.Series(missing.all(axis=1) | (~missing.any(axis=1) & chosen.any(axis=1)),
                         index=df.index)  # fmt: skip

    return pa.Check(whole, error=f"{q.id}: options all missing, or at least one chosen")


def schema_for(kind: str, book: Codebook) -> pa.DataFrameSchema:
    """The responses schema of an input kind (params.yaml: input_kind)."""
    if kind == "document":
        return responses_schema(book)
    if kind == "respondent_csv":
        return export_responses_schema(book)
    raise ValueError(f"input_kind must be 'document' or 'respondent_csv', not {kind!r}")


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
        for (column, check), group in cases.groupby(["column", "check"], dropna=False,
                                                   sort=False):  # fmt: skip
            values = sorted({str(v) for v in group["failure_case"]})[:5]
            rows = sorted({int(i) for i in group["index"].dropna()})[:5]
            where = f" (rows {rows})" if rows else ""
            problems.append(f"{column if pd.notna(column) else 'table'}: {check} failed for "
                            f"{values}{where}")  # fmt: skip
        raise TableError(f"{name}: " + "; ".join(problems)) from None


def read_responses(path: str, kind: str, book: Codebook) -> pd.DataFrame:
    """responses.csv read with codes as text (code '1' stays '1') and validated."""
    from helpers.core.tables import read_coded_csv, read_csv

    answers = tuple(c for q in book.closed for c in q.response_columns)
    groups = tuple(g.id for g in book.groups)
    if kind == "respondent_csv":  # possibly millions of rows: codes read as categoricals
        table = read_coded_csv(path, coded=(*groups, *answers), text=("respondent_id",))
    else:
        table = read_csv(path, text_columns=("respondent_id", *groups, *answers))
    return validate(schema_for(kind, book), table, path)
