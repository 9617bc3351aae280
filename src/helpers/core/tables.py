"""The pipeline's tables as text: CSV and JSON written byte-stably, CSV read back.

Two engines write CSV: pandas for the small tables of the document path, polars
for respondent-level data (millions of rows). Both write the same text for the
same values: LF line endings, fields quoted only when they must be, missing
values empty, booleans ``True``/``False``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl


def csv_text(df: pd.DataFrame, float_decimals: int | None = None) -> str:
    """A pandas DataFrame as CSV text with LF line endings and fixed float formatting."""
    fmt = f"%.{float_decimals}f" if float_decimals is not None else None
    return df.to_csv(index=False, lineterminator="\n", float_format=fmt)


def polars_csv_bytes(frame: pl.DataFrame) -> bytes:
    """A polars DataFrame as CSV bytes, written as :func:`csv_text` writes pandas'.

    polars writes booleans as ``true``/``false`` and an empty text as ``""``;
    they are written as Python (and pandas) write them: ``True``/``False``, and
    nothing. polars' writer runs on every core.
    """
    import polars as pl

    fixes = [pl.col(c).replace_strict({True: "True", False: "False"}, return_dtype=pl.String)
             for c, t in frame.schema.items() if t == pl.Boolean]  # fmt: skip
    fixes += [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
              for c, t in frame.schema.items() if t in (pl.String, pl.Categorical)]  # fmt: skip
    if fixes:
        frame = frame.with_columns(fixes)
    out = io.BytesIO()
    frame.write_csv(out, line_terminator="\n", quote_style="necessary")
    return out.getvalue()


def json_text(data: object) -> str:
    """Stable JSON text: sorted keys, 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_csv(path: str | Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a pipeline CSV: only empty cells are missing ('NA' or 'no' stay text).

    ``text_columns`` are kept as written (e.g. '60' and '60.0' stay distinct).
    """
    import pandas as pd

    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype_backend="numpy_nullable",
                       engine="pyarrow",
                       dtype={c: "string" for c in text_columns})  # fmt: skip
