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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.clean.reconcile import REJECT_COLUMNS, Reconciled
from helpers.core.codebook import NOT_SELECTED, SELECTED, Codebook, Question
from helpers.core.errors import SourceError
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, ExportColumns, export_columns


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
