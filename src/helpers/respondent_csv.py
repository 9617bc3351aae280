"""Respondent-level exports (one row per respondent, one column per question).

The codebook names each question's column (``column``, default its id), its
answer codes in order with labels, and its declared ``missing_codes``. Cleaning
maps every cell to one of three fates, and the counts add up per question:

* a codebook answer code: kept;
* blank or a declared missing code: kept as *missing* (shown as "No answer",
  excluded from the question's base);
* any other value: set aside in ``rejects.csv`` with the reason, and missing.

A multiple-choice question's cell holds the codes of every option chosen,
joined by the question's ``separator`` (default ``;``; ``" "`` splits on
runs of spaces, as KoBoToolbox and ODK export them). It becomes one 0/1 column
per option (``<id>__<code>``, all missing when the question is). Empty pieces
("1;;3", a trailing separator) are ignored; a cell is set aside whole if a
piece is not an option code, repeats one, or mixes a missing code with answers.

Row *i* of the data (0-based) is line *i + 2* of the file (line 1 is the
header); a field holding a line break is refused, so line numbers stay true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.codebook import NOT_SELECTED, SELECTED, Codebook, Question
from helpers.reconcile import REJECT_COLUMNS, Reconciled
from helpers.source_errors import SourceError
from helpers.table_io import read_coded_csv

SOURCE_LINE = "source_line"
ID_COLUMN = "respondent_id"


@dataclass(frozen=True)
class ExportColumns:
    """Which export column feeds which codebook variable."""

    ids: str | None
    groups: dict[str, str]
    categorical: dict[str, str]
    free_text: dict[str, str]
    multiple: dict[str, str]

    @property
    def all(self) -> list[str]:
        """Every column read from the export."""
        cols = [*self.groups.values(), *self.categorical.values(), *self.multiple.values(),
                *self.free_text.values()]  # fmt: skip
        return ([self.ids] if self.ids else []) + cols


def export_columns(book: Codebook) -> ExportColumns:
    """The export columns the codebook expects."""
    return ExportColumns(
        ids=book.input.get("respondent_id"),
        groups={g.id: g.source_column for g in book.groups},
        categorical={q.id: q.source_column for q in book.categorical},
        free_text={q.id: q.source_column for q in book.free_text},
        multiple={q.id: q.source_column for q in book.multiple_choice},
    )


def describe_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> dict:
    """Hash, size and line count of an export whose header has the codebook's columns."""
    import hashlib

    from helpers.source_reader import decode

    p = Path(path)
    if not p.is_file():
        raise SourceError(str(path), None, "an existing file (params.yaml: source_report)",
                          "no such file")  # fmt: skip
    data = p.read_bytes()
    decode(data, encoding, str(path))  # strict: names the line and byte offset of bad bytes
    header = _header(p, book, encoding)
    lines = data.count(b"\n")
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
            "encoding": encoding, "lines_total": lines, "columns": list(header),
            "kind": "respondent_csv"}  # fmt: skip


def _header(path: Path, book: Codebook, encoding: str) -> list[str]:
    cols = export_columns(book)
    try:
        header = list(pd.read_csv(path, nrows=0, encoding=encoding).columns)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceError(str(path), 1, "a CSV header naming the codebook's columns",
                          f"an unreadable header ({exc})") from None  # fmt: skip
    missing = [c for c in cols.all if c not in header]
    if missing:
        raise SourceError(str(path), 1, f"columns {cols.all} (codebook)",
                          f"no column(s) {missing}; header has {header}")  # fmt: skip
    return header


def read_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> pd.DataFrame:
    """Read the export's codebook columns as text, with ``source_line``.

    Coded columns (groups, closed questions) are read as categoricals: a million
    rows hold a few distinct codes each, which are then mapped once per code.
    """
    cols = export_columns(book)
    _header(Path(path), book, encoding)
    coded = (*cols.groups.values(), *cols.categorical.values(), *cols.multiple.values())
    try:
        data = read_coded_csv(path, coded, text=tuple(c for c in cols.all if c not in coded),
                              encoding=encoding, only=tuple(cols.all))  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        from helpers.source_reader import decode

        decode(Path(path).read_bytes(), encoding, str(path))  # bad bytes: their line and offset
        raise SourceError(str(path), None, f"a CSV file encoded as {encoding}",
                          f"{type(exc).__name__}: {exc}") from None  # fmt: skip
    for col in cols.free_text.values():
        broken = data[col].str.contains("\n", regex=False).fillna(False).to_numpy()
        if broken.any():
            row = int(broken.argmax())
            raise SourceError(str(path), row + 2, f"one record per line in column {col!r}",
                              "a field with a line break (line numbers would not match the "
                              "file)")  # fmt: skip
    data.insert(0, SOURCE_LINE, pd.RangeIndex(2, len(data) + 2))
    return data


def clean_export(raw: pd.DataFrame, book: Codebook, path: str) -> tuple[Reconciled, pd.DataFrame]:
    """Map codes to codebook codes; return (responses, rejects, counts) and the free text."""
    cols = export_columns(book)
    n = len(raw)
    out = pd.DataFrame({ID_COLUMN: _ids(raw, cols, path)})
    rejects: list[pd.DataFrame] = []
    counts: list[dict[str, object]] = []
    for g in book.groups:
        values = raw[cols.groups[g.id]]
        if g.from_source:
            out[g.id] = values.astype("category")
            continue
        out[g.id], rej, _ = _map_codes(values, [o.code for o in g.values], (), g.id, raw, out)
        rejects.append(rej)
    for q in book.closed:
        if q.categorical:
            values = raw[cols.categorical[q.id]]
            mapped, rej, declared = _map_codes(values, [o.code for o in q.answers],
                                               q.missing_codes, q.id, raw, out)  # fmt: skip
            out[q.id] = mapped
        else:
            indicators, rej, declared = _map_multiple(raw[cols.multiple[q.id]], q, raw, out)
            for column, values in indicators.items():
                out[column] = values
            mapped = next(iter(indicators.values()))
        rejects.append(rej)
        kept = int(mapped.notna().sum())
        counts.append({"list": q.id, "rows_read": n, "rows_kept": kept,
                       "rows_missing": int(declared), "rows_rejected": len(rej),
                       "balanced": n == kept + int(declared) + len(rej)})  # fmt: skip
    out[SOURCE_LINE] = raw[SOURCE_LINE].to_numpy()
    free = []
    for q in book.free_text:
        text = raw[cols.free_text[q.id]]
        keep = text.notna() & (text.str.strip() != "")
        free.append(pd.DataFrame({"line": raw.loc[keep, SOURCE_LINE].to_numpy(),
                                  "question": q.id, "item": pd.NA,
                                  "intro_line": 1, "text": text[keep].to_numpy()}))  # fmt: skip
    free_text = pd.concat(free, ignore_index=True) if free else pd.DataFrame(
        columns=["line", "question", "item", "intro_line", "text"])
    free_text = free_text.sort_values(["line", "question"], kind="stable", ignore_index=True)
    rejects_df = pd.concat([r for r in rejects if len(r)], ignore_index=True) if any(
        len(r) for r in rejects) else pd.DataFrame(columns=REJECT_COLUMNS)  # fmt: skip
    return Reconciled(out, rejects_df, pd.DataFrame(counts)), free_text


def _ids(raw: pd.DataFrame, cols: ExportColumns, path: str) -> pd.Series:
    if not cols.ids:
        width = len(str(len(raw)))
        return pd.Series([f"R{i:0{width}d}" for i in range(1, len(raw) + 1)], dtype="string")
    ids = raw[cols.ids]
    dup = ids.duplicated(keep="first") | ids.isna()
    if dup.any():
        row = int(dup.to_numpy().argmax())
        raise SourceError(path, row + 2, f"a unique, non-empty respondent id in {cols.ids!r}",
                          f"{ids.iloc[row]!r} (empty or seen before)")  # fmt: skip
    return ids.astype("string").reset_index(drop=True)


def _map_codes(
    values: pd.Series, codes: list[str], missing: tuple[str, ...], qid: str,
    raw: pd.DataFrame, out: pd.DataFrame,
) -> tuple[pd.Series, pd.DataFrame, int]:
    """Codes as a categorical of codebook codes; unknown codes become rejects.

    Works on the distinct values (factorized once), not on every cell.
    """
    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    stripped = [str(u).strip() for u in uniques]
    fate = np.array([codes.index(v) if v in codes else (-1 if v in missing or v == "" else -2)
                     for v in stripped] + [-1], dtype=np.int64)  # fmt: skip
    cell = fate[np.where(idx < 0, len(uniques), idx)]
    mapped = pd.Series(pd.Categorical.from_codes(np.where(cell >= 0, cell, -1),
                                                 categories=codes))  # fmt: skip
    bad = cell == -2
    rej = pd.DataFrame({
        "source_line": raw.loc[bad, SOURCE_LINE].to_numpy(),
        "list": qid,
        "organization": out.loc[bad, ID_COLUMN].to_numpy(),
        "reason": [f"code {v!r} is not a {qid} code in the codebook (answers: "
                   f"{', '.join(codes)}; missing: {', '.join(missing) or 'none'})"
                   for v in values[bad].str.strip()],
    })  # fmt: skip
    return mapped, rej, int((cell == -1).sum())


def _multiple_fate(cell: str, q: Question) -> tuple[list[int] | None, str]:
    """Option indices chosen in one cell; None with '' (missing) or with a reject reason."""
    text = cell.strip()
    if text == "" or text in q.missing_codes:
        return None, ""
    pieces = text.split() if q.separator == " " else text.split(q.separator)
    codes = [p.strip() for p in pieces if p.strip()]
    if not codes:  # only separators: nothing chosen, like a blank cell
        return None, ""
    options = [o.code for o in q.answers]
    allowed = f"options: {', '.join(options)}; separator {q.separator!r}"
    unknown = [c for c in codes if c not in options]
    if any(c in q.missing_codes for c in codes):
        return None, f"{text!r} mixes a missing code with answers to {q.id} ({allowed})"
    if unknown:
        return None, f"code {unknown[0]!r} in {text!r} is not a {q.id} option ({allowed})"
    if len(set(codes)) != len(codes):
        return None, f"{text!r} repeats a {q.id} option ({allowed})"
    return [options.index(c) for c in codes], ""


def _map_multiple(
    values: pd.Series, q: Question, raw: pd.DataFrame, out: pd.DataFrame
) -> tuple[dict[str, pd.Series], pd.DataFrame, int]:
    """0/1 indicator columns of a multiple-choice question; bad cells become rejects.

    Each distinct cell is parsed once; rows then take their cell's row of a small
    (distinct cells x options) matrix: 1 chosen, 0 not chosen, -1 missing.
    """
    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    matrix = np.full((len(uniques) + 1, len(q.answers)), -1, dtype=np.int8)
    reasons = [""] * (len(uniques) + 1)
    for i, cell in enumerate(uniques):
        chosen, reasons[i] = _multiple_fate(str(cell), q)
        if chosen is not None:
            matrix[i] = 0
            matrix[i, chosen] = 1
    cell = np.where(idx < 0, len(uniques), idx)
    categories = [NOT_SELECTED, SELECTED]  # codes 0 and 1 are the category positions
    indicators = {column: pd.Series(pd.Categorical.from_codes(matrix[cell, k], categories))
                  for k, column in enumerate(q.indicators.values())}  # fmt: skip
    why = np.array(reasons, dtype=object)[cell]
    bad = why != ""
    rej = pd.DataFrame({"source_line": raw.loc[bad, SOURCE_LINE].to_numpy(), "list": q.id,
                        "organization": out.loc[bad, ID_COLUMN].to_numpy(),
                        "reason": why[bad]})  # fmt: skip
    declared = int(((matrix[cell, 0] == -1) & ~bad).sum())
    return indicators, rej, declared
