"""Write a stage's outputs all-or-nothing (staged, then renamed together)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

from helpers.core.tables import csv_text, polars_csv_bytes

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

# Text, bytes (e.g. a Parquet hand-off), or a table written as CSV.
Content = Union[str, bytes, "pd.DataFrame", "pl.DataFrame"]
_UMASK = os.umask(0)
os.umask(_UMASK)


def _bytes(content: Content) -> bytes:
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, bytes):
        return content
    engine = type(content).__module__.partition(".")[0]
    if engine == "polars":
        return polars_csv_bytes(content)
    if engine == "pandas":
        return csv_text(content).encode("utf-8")
    raise TypeError(f"an output must be text, bytes or a DataFrame; found {type(content)}")


# Set by the stage runner: a file listing staged outputs, renamed by the runner only
# when the whole stage (notebook, HTML, PDF) has succeeded.
DEFER_ENV = "HELPERS_DEFERRED_OUTPUTS"


def write_outputs(outputs: Mapping[str | Path, Content]) -> list[Path]:
    """Write every output to a temporary file beside it, then rename all into place.

    If anything fails before the renames, no output is touched and the
    temporary files are removed. Renames are atomic per file (same folder).

    Under the stage runner (``HELPERS_DEFERRED_OUTPUTS`` names a manifest file)
    the renames are left to the runner: a notebook's data outputs then replace
    the old ones together with its executed notebook and reports, or not at all.
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
    manifest = os.environ.get(DEFER_ENV)
    if manifest:
        with open(manifest, "a", encoding="utf-8") as fh:
            fh.writelines(f"{json.dumps([os.path.abspath(tmp), str(path.resolve())])}\n"
                          for tmp, path in staged)  # fmt: skip
    else:
        commit_staged(staged)
    return [path for _, path in staged]


def commit_staged(staged: list[tuple[Path, Path]]) -> None:
    """Rename staged temporary files onto their targets."""
    for tmp, path in staged:
        os.replace(tmp, path)


def read_manifest(manifest: Path) -> list[tuple[Path, Path]]:
    """The (temporary file, target) pairs a deferred stage has staged, in order."""
    if not manifest.exists():
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()
    return [(Path(t), Path(p)) for t, p in (json.loads(line) for line in lines if line)]
