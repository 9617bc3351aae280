"""Read the pipeline's tables; write a stage's outputs all-or-nothing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

Content = str | bytes | pd.DataFrame
_UMASK = os.umask(0)
os.umask(_UMASK)


def csv_text(df: pd.DataFrame, float_decimals: int | None = None) -> str:
    """A DataFrame as CSV text with LF line endings and fixed float formatting."""
    fmt = f"%.{float_decimals}f" if float_decimals is not None else None
    return df.to_csv(index=False, lineterminator="\n", float_format=fmt)


def json_text(data: object) -> str:
    """Stable JSON text: sorted keys, 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_csv(path: str | Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a pipeline CSV: only empty cells are missing ('NA' or 'no' stay text).

    ``text_columns`` are kept as written (e.g. '60' and '60.0' stay distinct).
    """
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype_backend="numpy_nullable",
                       engine="pyarrow",
                       dtype={c: "string" for c in text_columns})  # fmt: skip


def _bytes(content: Content) -> bytes:
    if isinstance(content, pd.DataFrame):
        return csv_text(content).encode("utf-8")
    if isinstance(content, str):
        return content.encode("utf-8")
    return content


def write_outputs(outputs: Mapping[str | Path, Content]) -> list[Path]:
    """Write every output to a temporary file beside it, then rename all into place.

    If anything fails before the renames, no output is touched and the
    temporary files are removed. Renames are atomic per file (same folder).
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, content in outputs.items():
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((Path(tmp), path))  # before writing: a failed write is cleaned up too
            with os.fdopen(fd, "wb") as fh:
                fh.write(_bytes(content))
            os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual 0644
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    return [path for _, path in staged]
