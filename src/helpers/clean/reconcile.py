"""Reconcile organization mentions into one row per respondent.

The document names each organization once in the registration list and once
per question. This module gives each organization one canonical id, checks
that its country and registration status agree everywhere, and decides, for
every mention, whether it is kept or set aside:

=========================================  =================================
Damage                                     Outcome
=========================================  =================================
same organization twice in the same list,  later mention rejected (reason
same country/status/answer                 names the first line)
organization in a question list but not    mention rejected (reason), the
in the registration list                   report shows a warning
respondent missing from a question list    answer left empty (missing),
                                           excluded from that question's base,
                                           the report shows a warning
country or status differs between lists,   error: file, line, the value
or between two entries of the              expected (with the line it comes
registration list                          from) and the value found
same organization, two answers to one      error: file, line, both answers
question
=========================================  =================================

A rejected row can be set aside without changing the meaning of the others;
a conflict cannot (which of the two values is right?), so it stops the stage.
Damage to the document's structure (a missing section, an unknown heading, a
bullet outside a list, a file that is not the document) is refused earlier,
by the parser. docs/bad-input.md lists every case with its exact outcome;
tests/test_faults.py applies each to the real source.

Rows read = rows kept + rows rejected, per list; ``reconciliation_counts``
computes it and the clean stage asserts it.
"""

from __future__ import annotations

import pandas as pd

from helpers.clean.accounting import REJECT_COLUMNS, Reconciled, UnbalancedError, check_balanced
from helpers.core.codebook import Codebook, name_key
from helpers.core.document import REGISTRATION, REGISTRATION_LINE, response_columns
from helpers.core.errors import SourceError

__all__ = ["REJECT_COLUMNS", "Reconciled", "UnbalancedError", "check_balanced", "reconcile"]
IDENTITY = ("country", REGISTRATION)


def _roster(mentions: pd.DataFrame, path: str) -> tuple[pd.DataFrame, list[dict]]:
    roster = mentions[mentions["list"] == "roster"].copy()
    roster["key"] = roster["organization"].map(name_key)
    rejects: list[dict] = []
    keep: list[int] = []
    first: dict[str, pd.Series] = {}
    for idx, row in roster.iterrows():
        seen = first.get(row["key"])
        if seen is None:
            first[row["key"]] = row
            keep.append(idx)
            continue
        for col in IDENTITY:
            if seen[col] != row[col]:
                raise SourceError(
                    path,
                    int(row["line"]),
                    f"{col} {seen[col]!r} as on line {int(seen['line'])}",
                    f"{row['organization']!r} listed again with {col} {row[col]!r}",
                )
        rejects.append(
            {
                "source_line": int(row["line"]),
                "list": "roster",
                "organization": row["organization"],
                "reason": f"duplicate of line {int(seen['line'])} in the registration list",
            }
        )
    return roster.loc[keep], rejects


def reconcile(mentions: pd.DataFrame, book: Codebook, path: str = "<source>") -> Reconciled:
    """One row per organization of the registration list, with its answers."""
    roster, rejects = _roster(mentions, path)
    if roster.empty:
        raise SourceError(
            path,
            None,
            "a registration list of responding organizations",
            "no organization before the first question",
        )
    out = _respondents(roster)
    index_of = {k: i for i, k in enumerate(roster["key"])}
    roster_lines = f"lines {int(roster['line'].min())}–{int(roster['line'].max())}"
    for q in book.categorical:
        answers, lines, heads = _answers(
            mentions[mentions["list"] == q.id], q.id, out, index_of, roster_lines, rejects, path
        )
        out[q.id] = pd.array(answers, dtype="string")
        out[f"{q.id}_line"] = pd.array(lines, dtype="Int64")
        out[f"{q.id}_heading_line"] = pd.array(heads, dtype="Int64")
    rejects_df = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    responses = out[response_columns(book)]
    return Reconciled(
        responses, rejects_df, reconciliation_counts(mentions, responses, rejects_df, book)
    )


def _respondents(roster: pd.DataFrame) -> pd.DataFrame:
    """One row per organization of the (deduplicated) registration list, ids ``R01``..."""
    return pd.DataFrame(
        {
            "respondent_id": [f"R{i:02d}" for i in range(1, len(roster) + 1)],
            "organization": roster["organization"].to_numpy(),
            "acronym": roster["acronym"].fillna("").to_numpy(),
            "country": roster["country"].to_numpy(),
            REGISTRATION: roster[REGISTRATION].to_numpy(),
            "organization_line": roster["line"].astype(int).to_numpy(),
            "country_line": roster["country_line"].astype(int).to_numpy(),
            REGISTRATION_LINE: roster[REGISTRATION_LINE].astype(int).to_numpy(),
        }
    )


def _answers(
    listed: pd.DataFrame,
    qid: str,
    out: pd.DataFrame,
    index_of: dict[str, int],
    roster_lines: str,
    rejects: list[dict],
    path: str,
) -> tuple[list[object], list[object], list[object]]:
    """One question list's answer, line and heading line per respondent (rejects appended)."""
    answers: list[object] = [pd.NA] * len(out)
    lines: list[object] = [pd.NA] * len(out)
    heads: list[object] = [pd.NA] * len(out)
    for _, row in listed.iterrows():
        line = int(row["line"])
        key = name_key(row["organization"])
        if key not in index_of:
            rejects.append(
                {
                    "source_line": line,
                    "list": qid,
                    "organization": row["organization"],
                    "reason": f"not in the registration list ({roster_lines})",
                }
            )
            continue
        i = index_of[key]
        for col in IDENTITY:
            if out.at[i, col] != row[col]:
                raise SourceError(
                    path,
                    line,
                    f"{col} {out.at[i, col]!r} as in the registration list "
                    f"(line {int(out.at[i, 'organization_line'])})",
                    f"{row['organization']!r} under {col} {row[col]!r}",
                )
        if not pd.isna(answers[i]):
            if answers[i] != row["answer"]:
                raise SourceError(
                    path,
                    line,
                    f"one {qid} answer per organization ({answers[i]!r} on line {lines[i]})",
                    f"{row['organization']!r} also under {row['answer']!r}",
                )
            rejects.append(
                {
                    "source_line": line,
                    "list": qid,
                    "organization": row["organization"],
                    "reason": f"duplicate of line {lines[i]} in the {qid} list",
                }
            )
            continue
        answers[i], lines[i], heads[i] = row["answer"], line, int(row["answer_line"])
    return answers, lines, heads


def reconciliation_counts(
    mentions: pd.DataFrame, responses: pd.DataFrame, rejects: pd.DataFrame, book: Codebook
) -> pd.DataFrame:
    """Per list: rows read, kept, rejected; ``balanced`` is True when they add up."""
    rows = []
    for lst in ["roster", *[q.id for q in book.categorical]]:
        read = int((mentions["list"] == lst).sum())
        rejected = int((rejects["list"] == lst).sum())
        kept = len(responses) if lst == "roster" else int(responses[lst].notna().sum())
        rows.append(
            {
                "list": lst,
                "rows_read": read,
                "rows_kept": kept,
                "rows_rejected": rejected,
                "balanced": read == kept + rejected,
            }
        )
    return pd.DataFrame(rows)
