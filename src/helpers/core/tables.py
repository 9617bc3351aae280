"""The pipeline's tables as text: CSV and JSON written byte-stably, CSV read back.

Two engines write CSV: pandas for the small tables of the document path, polars
for respondent-level data (millions of rows). Both write the same text for the
same values: LF line endings, fields quoted only when they must be, missing
values empty, booleans ``True``/``False``.

No cell they write is a formula to a spreadsheet (OWASP, "CSV Injection"): a text
cell beginning with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return, a line
feed, a NUL or a full-width ``＝ ＋ － ＠`` (after any apostrophes), and that is not
a plain number (``-9``, ``+1.5`` stay as they are), is written with one ``'``
before it; a column name too. :func:`read_csv` removes that one apostrophe, so
reading a pipeline CSV gives back exactly the values written, and
:func:`formula_cells` lists the cells a table would have changed.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl


# What a spreadsheet may run as a formula: the OWASP trigger characters (and the
# full-width forms some spreadsheets normalise to them), after any apostrophes, so
# that neutralising (one more apostrophe) is undone exactly by removing one.
_TRIGGERS = r"=+\-@\t\r\n\x00" + "\uff1d\uff0b\uff0d\uff20"  # escapes read by re and polars
FORMULA_START = f"^'*[{_TRIGGERS}]"
_NEUTRALISED = f"^'+[{_TRIGGERS}]"
# A plain number is not a formula (and keeps a numeric column numeric). ASCII digits
# only: Python's and polars' \d would also take other scripts' digits.
PLAIN_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_FORMULA_RE = re.compile(FORMULA_START)
_NEUTRALISED_RE = re.compile(_NEUTRALISED)
_NUMBER_RE = re.compile(PLAIN_NUMBER.removesuffix("$") + r"\Z")  # Python's $ allows a final \n


def is_formula(value: object) -> bool:
    """True for a text a spreadsheet could evaluate: the writers put ``'`` before it."""
    return (
        isinstance(value, str)
        and _FORMULA_RE.match(value) is not None
        and _NUMBER_RE.match(value) is None
    )


def neutralise(value: object) -> object:
    """A cell as the writers write it: ``'`` before a formula, anything else unchanged."""
    return f"'{value}" if is_formula(value) else value


def restore(value: object) -> object:
    """A cell as written before :func:`neutralise` (what :func:`read_csv` gives back)."""
    return value[1:] if isinstance(value, str) and _NEUTRALISED_RE.match(value) else value


def formula_cells(
    frame: pd.DataFrame | pl.DataFrame | pl.LazyFrame, keys: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The cells the CSV writers neutralise in ``frame``, as the table would be written.

    One row per cell, in the order of the file (record, then column): ``column``,
    ``record`` (its record in the CSV: 1 for the first row after the header; 0 for a
    column name), the value of each of ``keys`` that ``frame`` has in that record
    (e.g. ``respondent_id``, ``source_line``), and ``value``, the original text.
    Pure: nothing is written; works on pandas and polars frames. A polars frame (a
    LazyFrame too: a hand-off scanned by the report) gives only its rows holding a
    formula to pandas, read on polars' streaming engine: memory holds those rows.
    """
    import pandas as pd

    names = frame.collect_schema().names() if hasattr(frame, "collect_schema") else frame.columns
    keys = tuple(k for k in keys if k in names)
    out = ["column", "record", *keys, "value"]
    header = pd.DataFrame(
        [
            {"column": c, "record": 0, **dict.fromkeys(keys), "value": c}
            for c in names
            if is_formula(c)
        ],
        columns=out,
    )
    if isinstance(frame, pd.DataFrame):
        records = pd.Series(range(1, len(frame) + 1), index=frame.index)
    else:  # polars: keep only the rows holding a formula, then the pandas way
        records, frame = _polars_formula_rows(frame, keys)
    parts = [header]
    for position, name in enumerate(frame.columns):  # vectorised per column
        mask = _pandas_mask(frame[name])
        if mask is None or not mask.any():
            continue
        where = mask.to_numpy(dtype=bool)
        part = pd.DataFrame(
            {
                "column": name,
                "record": records.to_numpy()[where],
                **{k: frame[k].to_numpy()[where] for k in keys},
                "value": frame[name].astype(object).to_numpy()[where],
            },
            columns=out,
        )
        part["_order"] = position
        parts.append(part)
    found = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(map(len, parts))
        else pd.DataFrame(columns=out)
    )
    if "_order" in found:
        found = found.sort_values(["record", "_order"], kind="stable", na_position="first")
    return found.reindex(columns=out).reset_index(drop=True).astype({"record": "int64"})


def _polars_formula_rows(
    frame: pl.DataFrame | pl.LazyFrame, keys: tuple[str, ...]
) -> tuple[pd.Series, pd.DataFrame]:
    """The rows of a polars frame holding a formula: their records, and the rows as pandas.

    The rows keep ``keys`` and the text columns that may hold one, in the file's order;
    an enumeration whose categories hold none is left out without reading it.
    """
    import polars as pl

    schema = frame.lazy().collect_schema()
    text = [
        c
        for c, t in schema.items()
        if (
            any(map(is_formula, t.categories.to_list()))
            if isinstance(t, pl.Enum)
            else t == pl.String or isinstance(t, pl.Categorical)
        )
    ]
    hit = [_is_formula(pl.col(c).cast(pl.String)) for c in text]
    rows = (
        frame.lazy()
        .with_row_index("__record", offset=1)
        .filter(pl.any_horizontal(hit) if hit else pl.lit(False))
        .select(["__record", *[c for c in schema if c in keys or c in text]])
        .collect(engine="streaming")
        .to_pandas()
    )
    return rows.pop("__record"), rows


def _pandas_mask(column: pd.Series) -> pd.Series | None:
    """Which cells of a column the writers neutralise (None: not a text column)."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = column.cat.categories
        return column.isin([c for c in cats if is_formula(c)])
    if isinstance(column.dtype, pd.StringDtype):  # vectorised (re, or pyarrow's RE2)
        number = column.str.fullmatch(PLAIN_NUMBER.removeprefix("^").removesuffix("$"))
        return (column.str.match(FORMULA_START) & ~number).fillna(False).astype(bool)
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        return column.map(is_formula).astype(bool)
    return None


def _pandas_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell and column name neutralised (the same object if none is)."""
    import pandas as pd

    fixes = {}
    for name in df.columns:
        column, mask = df[name], _pandas_mask(df[name])
        if mask is None or not mask.any():
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            fixes[name] = column.cat.rename_categories(list(map(neutralise, column.cat.categories)))
        else:
            fixes[name] = column.mask(mask, "'" + column[mask].astype(str))
    names = [neutralise(c) for c in df.columns]
    if not fixes and names == list(df.columns):
        return df
    out = df.copy(deep=False)
    for name, fixed in fixes.items():
        out[name] = fixed
    out.columns = names
    return out


def csv_text(df: pd.DataFrame, float_decimals: int | None = None) -> str:
    """A pandas DataFrame as CSV text with LF line endings and fixed float formatting.

    Text that a spreadsheet would run as a formula gets one leading ``'`` (see the module).
    """
    import pandas as pd

    fmt = f"%.{float_decimals}f" if float_decimals is not None else None
    safe = _pandas_safe(df)
    # Python's csv writer (pandas') quotes a field holding a line feed, not one holding a
    # bare carriage return, which a spreadsheet then reads as a new row (whose first cell
    # could be a formula). Such a return is written as a line feed and a marker, so that
    # the field is quoted, then put back: the text polars writes for it.
    returns = [
        i for i, c in enumerate(safe.columns) if any(map(_has_return, safe.iloc[:, i].tolist()))
    ]
    if not returns:
        return safe.to_csv(index=False, lineterminator="\n", float_format=fmt)
    safe = safe.copy()
    for i in returns:
        values = safe.iloc[:, i].tolist()
        if any(isinstance(v, str) and _MARK in v for v in values):
            raise ValueError(f"a text holds U+{ord(_MARK):04X}, the CSV writer's marker")
        dtype = safe.iloc[:, i].dtype  # a categorical's new text is not one of its categories
        safe.isetitem(
            i,
            pd.Series(
                [_mark_returns(v) for v in values],
                index=safe.index,
                dtype=object if isinstance(dtype, pd.CategoricalDtype) else dtype,
            ),
        )
    text = safe.to_csv(index=False, lineterminator="\n", float_format=fmt)
    return text.replace("\n" + _MARK, "\r")


_MARK = "\ue000"  # a private-use character, in no text the pipeline writes


def _has_return(value: object) -> bool:
    return isinstance(value, str) and "\r" in value


def _mark_returns(value: object) -> object:
    return value.replace("\r", "\n" + _MARK) if isinstance(value, str) else value


def polars_csv_bytes(frame: pl.DataFrame) -> bytes:
    """A polars DataFrame as CSV bytes, written as :func:`csv_text` writes pandas'.

    polars writes booleans as ``true``/``false`` and an empty text as ``""``;
    they are written as Python (and pandas) write them: ``True``/``False``, and
    nothing. polars' writer runs on every core. Text that a spreadsheet would run as
    a formula gets one leading ``'`` (see the module), in one vectorised expression per
    text column; a categorical column only when one of its categories needs it.
    """
    import polars as pl

    fixes = [
        pl.col(c).replace_strict({True: "True", False: "False"}, return_dtype=pl.String)
        for c, t in frame.schema.items()
        if t == pl.Boolean
    ]
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    # One pass over the text columns finds those that may hold a formula (usually none):
    # the cheaper test of the first characters only; a number (-9) is told apart below.
    found = (
        frame.select(pl.col(c).str.contains(FORMULA_START).any() for c in texts).row(0)
        if texts
        else ()
    )
    for c, t in frame.schema.items():
        if t == pl.String:
            formulas = found[texts.index(c)]
            fixes.append(
                _polars_safe(pl.col(c)).alias(c)
                if formulas
                else pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
            )
        elif isinstance(t, (pl.Categorical, pl.Enum)):  # judged by category, not by row
            cats = t.categories if isinstance(t, pl.Enum) else frame[c].unique().cast(pl.String)
            renamed = {v: neutralise(v) for v in cats.to_list() if is_formula(v)}
            if renamed:  # a lookup per row, no regular expression
                text = pl.col(c).cast(pl.String).replace(renamed)
                fixes.append(pl.when(text != "").then(text).alias(c))
            elif t == pl.Categorical:
                fixes.append(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c))
    if fixes:
        frame = frame.with_columns(fixes)
    names = {c: neutralise(c) for c in frame.columns if is_formula(c)}
    if names:
        frame = frame.rename(names)
    out = io.BytesIO()
    frame.write_csv(out, line_terminator="\n", quote_style="necessary")
    return out.getvalue()


def _polars_safe(col: pl.Expr) -> pl.Expr:
    """A text column as written: empty text missing, a formula after one ``'``."""
    import polars as pl

    return (
        pl.when(col == "").then(None).when(_is_formula(col)).then(pl.lit("'") + col).otherwise(col)
    )


def _is_formula(col: pl.Expr) -> pl.Expr:
    """:func:`is_formula` as a polars expression."""
    return col.str.contains(FORMULA_START) & ~col.str.contains(PLAIN_NUMBER)


def json_text(data: object) -> str:
    """Stable JSON text: sorted keys, 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_csv(path: str | Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a pipeline CSV: only empty cells are missing ('NA' or 'no' stay text).

    ``text_columns`` are kept as written (e.g. '60' and '60.0' stay distinct). A cell
    the writers neutralised (``'=1+1``) is given back as it was before (``=1+1``).
    """
    import pandas as pd

    df = pd.read_csv(
        path,
        keep_default_na=False,
        na_values=[""],
        dtype_backend="numpy_nullable",
        engine="pyarrow",
        dtype={c: "string" for c in text_columns},
    )
    df.columns = [restore(c) for c in df.columns]
    for name in df.columns:
        column = df[name]
        if pd.api.types.is_string_dtype(column.dtype):
            mask = column.str.match(_NEUTRALISED).fillna(False).astype(bool)
            if mask.any():
                df[name] = column.mask(mask, column.str.slice(1))
    return df
