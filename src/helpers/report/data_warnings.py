"""A visible warning in the report when the data are not as the source published them.

Three things are worth a reader's attention before any figure: rows of the
source set aside by the clean stage (``rejects.csv``, each with its line and
reason), the read/kept/set-aside counts per list (``reconciliation.csv``), and
respondents without an answer to a question (left out of its base). When there
is none of these, the block is empty and the report shows nothing.

A second block, :func:`formula_cells_html`, lists the cells of the CSV files that
begin like a spreadsheet formula and were written after an apostrophe
(``helpers.core.tables``): nothing is left out, but a reader of the CSV sees a
value that is not the source's, and is told where the original is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import polars as pl
from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.core.i18n import _
from helpers.core.tables import formula_cells
from helpers.report.formatting import fmt_number
from helpers.report.rows import Rows, column_names, without_answers
from helpers.report.tables import table_data
from helpers.report.templating import render

ROSTER = "roster"


def list_name(lst: object) -> str:
    """Return the reader-facing name of a list: 'registration list', 'Q1 list'."""
    if lst == ROSTER:
        return _("registration list")
    return _("{question} list").format(question=str(lst).upper())


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _count(value: object) -> str | None:
    """A count in the edition's format ('10,000,000'); None when missing."""
    n = _int(value)
    return None if n is None else fmt_number(n)


def _unbalanced(reconciliation: pd.DataFrame) -> pd.DataFrame:
    if reconciliation.empty:
        return reconciliation
    read = reconciliation["rows_read"].map(_int)
    kept = reconciliation["rows_kept"].map(_int)
    rejected = reconciliation["rows_rejected"].map(_int)
    # A respondent-level export also counts declared missing codes (helpers.extract.export).
    missing = (
        reconciliation["rows_missing"].map(_int)
        if "rows_missing" in reconciliation
        else pd.Series(0, index=reconciliation.index)
    )
    bad = [
        None in (r, k, j, m) or r != k + j + m
        for r, k, j, m in zip(read, kept, rejected, missing, strict=True)
    ]
    return reconciliation[bad]


def _missing(
    responses: Rows, book: Codebook, rejects: pd.DataFrame, max_listed: int
) -> list[dict[str, Any]]:
    """Per closed question, the respondents without an answer (helpers.report.rows)."""
    names = column_names(responses)
    label = "organization" if "organization" in names else "respondent_id"
    first = {q.response_columns[0]: q for q in book.summarized}  # missing in all or none
    also = {c: _set_aside(rejects, q.id, names) for c, q in first.items() if c in names}
    found = without_answers(responses, also, [*dict.fromkeys(["respondent_id", label])], max_listed)
    return [
        {
            "id": first[c].id.upper(),
            "short": first[c].short,
            "n": n,
            "set_aside": set_aside,
            "who": [
                (r["respondent_id"], r[label] if label != "respondent_id" else None)
                for _, r in listed.iterrows()
            ],
        }
        for c, (n, set_aside, listed) in found.items()
    ]


def reject_keys(table: pd.DataFrame) -> tuple[str, str]:
    """The columns of rejects.csv naming the question and the respondent of a row set aside.

    An export's are ``question`` and ``respondent_id``; a document's ``list`` (the list
    a mention is in, the registration list included) and ``organization`` (the name).
    """
    return ("question", "respondent_id") if "question" in table else ("list", "organization")


def _set_aside(rejects: pd.DataFrame, qid: str, names: list[str]) -> pl.Expr:
    """Whether a respondent without an answer to ``qid`` had theirs set aside."""
    if rejects.empty or "respondent_id" not in names:
        return pl.lit(False)
    question, who = reject_keys(rejects)
    ids = sorted(set(rejects.loc[rejects[question] == qid, who].astype(str)))
    return pl.col("respondent_id").cast(pl.String).is_in(ids)


def data_warnings_html(
    rejects: pd.DataFrame,
    reconciliation: pd.DataFrame,
    responses: Rows,
    book: Codebook,
    max_listed: int = 40,
    unit: str = "line",
    rejects_path: str = "rejects.csv",
) -> Markup:
    """Return an escaped HTML warning block, or '' when there is nothing to warn about.

    Lists every rejected row (source line, question or list, respondent id or
    organization, reason), the rows read, kept and set aside per question or list
    (:func:`reject_keys`), and per closed question the
    respondents who gave no answer. ``unit``: what a record number counts (``line`` or
    ``case``: helpers.report.adapters).
    """
    unbalanced = _unbalanced(reconciliation)
    missing = _missing(responses, book, rejects, max_listed)
    if rejects.empty and unbalanced.empty and not missing:
        return Markup("")
    listed = (
        rejects
        if rejects.empty
        else rejects.sort_values("source_line", kind="stable").head(max_listed)
    )
    question, who = reject_keys(rejects)
    per = reject_keys(reconciliation)[0]  # reconciliation.csv: an export's question
    by_question = per == "question"  # an export's rows are per question, a document's per list
    name = (lambda x: str(x).upper()) if by_question else list_name
    counts = _counts_table(reconciliation, per, name, rejects_path)
    return render(
        "data_warnings.html",
        n_rejects=len(rejects),
        rejects=[
            (
                _int(r["source_line"]),
                (str(r[question]).upper() if question == "question" else list_name(r[question])),
                r[who],
                r["reason"],
            )
            for _i, r in listed.iterrows()
        ],
        unbalanced=[name(x) for x in unbalanced[per]],
        counts=counts,
        missing=missing,
        max_listed=max_listed,
        unit=unit,
        rejects_path=rejects_path,
    )


def _counts_table(
    reconciliation: pd.DataFrame, per: str, name: Callable[[object], str], rejects_path: str
) -> dict | None:
    """The rows read, kept and set aside per question (an export) or list (a document)."""
    if reconciliation.empty:
        return None
    by_question = per == "question"
    frame = pd.DataFrame(
        {
            _("Question") if by_question else _("List"): [name(x) for x in reconciliation[per]],
            _("Rows read"): reconciliation["rows_read"].map(_count),
            _("Kept"): reconciliation["rows_kept"].map(_count),
            _("Set aside"): reconciliation["rows_rejected"].map(_count),
        }
    )
    if "rows_missing" in reconciliation:
        frame.insert(3, _("Missing"), reconciliation["rows_missing"].map(_count))
    folder = rejects_path.rpartition("/")[0]
    file = f"{folder + '/' if folder else ''}reconciliation.csv"
    caption = (
        _("Rows read, kept and set aside per question ({file})")
        if by_question
        else _("Rows read, kept and set aside per list ({file})")
    )
    return table_data(frame, caption.format(file=file))


# Columns that say where a cell of a pipeline table comes from.
_WHO = ("respondent_id", "organization")  # rejects.csv: an export's, a document's
_LINE = ("source_line", "line")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def visible(value: str) -> str:
    r"""``value`` with control characters (and backslashes) written as escapes: ``\t``."""
    names = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\"}
    return _CONTROL.sub(lambda m: names.get(m[0], f"\\x{ord(m[0]):02x}"), value)


def formula_cells_html(
    csv_tables: Mapping[str, pd.DataFrame],
    max_listed: int = 40,
    unit: str = "line",
    source: str = "",
) -> Markup:
    r"""Return an HTML block listing the CSV cells written after an apostrophe, or ''.

    ``csv_tables``: each CSV file the stages wrote -> its table's values (as the report
    loads them: the hand-offs, or :func:`helpers.core.tables.read_csv`, which gives the
    originals back). Each value is listed once per file and column with its original
    text (escaped, control characters as ``\t``), the first record holding it (its
    respondent and source line) and how many records do.
    """
    rows: dict[tuple[str, str, str], dict] = {}  # one per file, column and value
    n = 0
    for path, table in csv_tables.items():
        cells = formula_cells(table, keys=(*_WHO, *_LINE))
        n += len(cells)
        for cell in cells.to_dict("records"):
            key = (path, cell["column"], cell["value"])
            if key in rows:
                rows[key]["count"] += 1
                continue
            line = next((cell[k] for k in _LINE if k in cell and not pd.isna(cell[k])), None)
            rows[key] = {
                "file": path,
                "record": cell["record"],
                "column": cell["column"],
                "who": next((cell[k] for k in _WHO if k in cell), None),
                "line": _int(line),
                "value": visible(str(cell["value"])),
                "count": 1,
            }
    if not rows:
        return Markup("")
    return render(
        "formula_cells.html",
        n=n,
        cells=list(rows.values())[:max_listed],
        n_rows=len(rows),
        unit=unit,
        source=source,
    )
