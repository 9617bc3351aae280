"""Check every claim of the source against the respondent-level data.

Statuses:

* ``match``: the stated value equals the recomputed one at the stated precision
  under the report's rounding rule;
* ``rounding``: it equals the recomputed value under another common rounding
  rule (named in ``rule``) but not under the report's;
* ``mismatch``: no common rounding gives it; the explanation says what the data
  give and lists, as labelled hypotheses, small alternative counts or bases that
  would give the stated value;
* ``unverifiable``: nothing in the source can check it.

Nothing here knows which claims fail: every verdict is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from helpers.core.codebook import Codebook, name_key
from helpers.core.selection import ANSWERED, apply_rule, count, rule_text
from helpers.core.stats import ROUNDING_NAMES, ROUNDING_RULES, exact_percent, round_decimal
from helpers.extract.claims import block_after, list_size

AUDIT_COLUMNS = [
    "claim_id",
    "source_line",
    "kind",
    "quote",
    "stated",
    "recomputed",
    "recomputed_exact",
    "status",
    "rule",
    "explanation",
    "numerator",
    "base",
]
STATUS_ORDER = ["mismatch", "rounding", "match", "unverifiable"]
MAX_HYPOTHESES = 3


@dataclass(frozen=True)
class Verdict:
    """The result of checking one claim."""

    recomputed: str
    exact: str
    status: str
    rule: str
    explanation: str
    numerator: str = ""
    base: str = ""


def claim_rule(claim: pd.Series) -> dict[str, str]:
    """Selection rule of the respondents a count claim is about."""
    rule: dict[str, str] = {}
    if claim["group"]:
        rule[str(claim["group"])] = str(claim["group_value"])
    if claim["question"] and claim["answer"]:
        rule[str(claim["question"])] = str(claim["answer"])
    return rule


def base_rule(claim: pd.Series) -> dict[str, str]:
    """Selection rule of a percentage claim's base: the group, among those who answered."""
    rule = {str(claim["group"]): str(claim["group_value"])} if claim["group"] else {}
    rule[str(claim["question"])] = ANSWERED
    return rule


def _fmt(value: Decimal | float | int, decimals: int) -> str:
    return f"{Decimal(str(value)):.{decimals}f}"


def rounding_rules_matching(exact: Decimal, stated: Decimal, decimals: int) -> list[str]:
    """Names of the rounding rules that turn ``exact`` into ``stated``."""
    return [r for r in ROUNDING_RULES if round_decimal(exact, decimals, r) == stated]


def percent_hypotheses(
    stated: Decimal,
    decimals: int,
    counts: list[tuple[int, str]],
    bases: list[tuple[int, str]],
    max_base: int,
) -> list[str]:
    """Small counts and bases k/b whose percentage rounds (any common rule) to ``stated``.

    ``counts`` and ``bases`` are (value, why) pairs worth trying first: the data's
    count, the document's stated count, the totals its stated parts add up to.
    """
    found: list[str] = []
    tried: set[tuple[int, int]] = set()

    def attempt(k: int, b: int, why: str) -> None:
        if b <= 0 or k < 0 or k > b or (k, b) in tried or len(found) >= MAX_HYPOTHESES:
            return
        tried.add((k, b))
        exact = exact_percent(k, b)
        rules = rounding_rules_matching(exact, stated, decimals)
        if rules:
            found.append(
                f"{k}/{b} = {_fmt(exact, 2)}% ({ROUNDING_NAMES[rules[0]]}: "
                f"{_fmt(stated, decimals)}%) — {why}"
            )

    for b, why_b in bases:
        for k in range(0, b + 1):
            attempt(k, b, why_b)
    for k, why_k in counts:
        for b in range(max(1, k), max_base + 1):
            attempt(k, b, f"{why_k} over a base of {b}")
    return found


def _check_percent(
    claim: pd.Series,
    responses: pd.DataFrame,
    rule: str,
    alt_bases: list[tuple[int, str]],
    stated_count: int | None,
) -> Verdict:
    num, base_sel = claim_rule(claim), base_rule(claim)
    n, base = count(responses, num), count(responses, base_sel)
    decimals = int(claim["decimals"])
    stated = Decimal(str(claim["stated"])).quantize(Decimal(1).scaleb(-decimals))
    if base == 0:
        return Verdict(
            "",
            "",
            "unverifiable",
            "",
            "no respondent answered the question",
            rule_text(num),
            rule_text(base_sel),
        )
    exact = exact_percent(n, base)
    ours = round_decimal(exact, decimals, rule)
    data = f"the lists give {n}/{base} = {_fmt(exact, 2)}%"
    common = dict(
        recomputed=_fmt(ours, decimals),
        exact=_fmt(exact, 4),
        numerator=rule_text(num),
        base=rule_text(base_sel),
    )
    if ours == stated:
        return Verdict(
            status="match",
            rule=rule,
            explanation=f"{data}; {ROUNDING_NAMES[rule]}: {_fmt(ours, decimals)}%",
            **common,
        )
    others = rounding_rules_matching(exact, stated, decimals)
    if others:
        return Verdict(
            status="rounding",
            rule=others[0],
            explanation=(
                f"{data}: {ROUNDING_NAMES[others[0]]} gives {_fmt(stated, decimals)}%, the "
                "report's "
                f"rule ({ROUNDING_NAMES[rule]}) gives {_fmt(ours, decimals)}%"
            ),
            **common,
        )
    counts = [(n, "the count the lists give")]
    if stated_count is not None and stated_count != n:
        counts.append((stated_count, "the count the document states"))
    hyps = percent_hypotheses(stated, decimals, counts, alt_bases, max_base=2 * base)
    text = f"{data}, which no common rounding turns into {_fmt(stated, decimals)}%"
    if hyps:
        text += ". Hypotheses (not findings): " + "; ".join(hyps)
    return Verdict(status="mismatch", rule="", explanation=text, **common)


def _check_count(claim: pd.Series, responses: pd.DataFrame) -> Verdict:
    rule = claim_rule(claim)
    n = count(responses, rule)
    stated = int(claim["stated"])
    what = "respondents" if not rule else " and ".join(f"{k} = {v}" for k, v in rule.items())
    sel = responses[apply_rule(responses, rule)]
    lines = sorted(int(x) for x in sel["organization_line"])
    where = ""
    if 0 < len(lines) <= 12:
        where = f" (organizations on lines {', '.join(map(str, lines))})"
    status = "match" if n == stated else "mismatch"
    text = f"the lists give {n} {what}{where}"
    if status == "mismatch":
        text += f", not {stated}"
    return Verdict(str(n), str(n), status, "", text, rule_text(rule), "")


def _check_sum(
    claim: pd.Series, claims: pd.DataFrame, verdicts: dict[str, Verdict], rule: str
) -> Verdict:
    ids = str(claim["parts"]).split()
    parts = claims.set_index("claim_id").loc[ids]
    decimals = int(claim["decimals"])
    total = sum(Decimal(str(v)) for v in parts["stated"])
    stated = Decimal(str(claim["stated"]))
    shown = " + ".join(str(t) for t in parts["stated_text"])
    recomputed = [verdicts[i].recomputed for i in ids]
    data_sum = sum(Decimal(r) for r in recomputed if r)
    if total == stated:
        return Verdict(
            _fmt(total, decimals),
            _fmt(total, decimals),
            "match",
            "",
            f"{shown} = {_fmt(total, decimals)}",
        )
    if claim["kind"] == "percent_sum":
        statuses = {verdicts[i].status for i in ids}
        rules = {verdicts[i].rule for i in ids if verdicts[i].status == "rounding"}
        if statuses <= {"match", "rounding"} and rules:
            names = ", ".join(ROUNDING_NAMES[r] for r in sorted(rules))
            return Verdict(
                _fmt(total, decimals),
                _fmt(data_sum, decimals),
                "rounding",
                sorted(rules)[0],
                f"{shown} = {_fmt(total, decimals)}%: the parts are "
                f"{names}; {ROUNDING_NAMES[rule]} they sum to "
                f"{_fmt(data_sum, decimals)}%",
            )
    return Verdict(
        _fmt(total, decimals),
        _fmt(data_sum, decimals),
        "mismatch",
        "",
        f"the stated parts {shown} add up to {_fmt(total, decimals)}, not "
        f"{claim['stated_text']}; the lists give "
        f"{' + '.join(recomputed)} = {_fmt(data_sum, decimals)}",
    )


def _alternative_bases(claims: pd.DataFrame) -> list[tuple[int, str]]:
    """Totals that stated parts add up to, where they differ from the stated total."""
    out = []
    for _, c in claims[claims["kind"] == "count_sum"].iterrows():
        ids = str(c["parts"]).split()
        parts = claims.set_index("claim_id").loc[ids]
        total = int(sum(parts["stated"]))
        if total != int(c["stated"]):
            out.append(
                (
                    total,
                    f"{total} is the sum of the parts stated for line "
                    f"{c['source_line']} ({' + '.join(parts['stated_text'])})",
                )
            )
    return out


def _stated_count_for(claims: pd.DataFrame, claim: pd.Series) -> int | None:
    same = claims[
        (claims["kind"] == "count")
        & (claims["source_line"] == claim["source_line"])
        & (claims["question"] == claim["question"])
        & (claims["answer"] == claim["answer"])
        & (claims["group"] == claim["group"])
    ]
    return int(same["stated"].iloc[0]) if len(same) else None


def audit_claims(
    claims: pd.DataFrame,
    responses: pd.DataFrame | None,
    lines: pd.DataFrame,
    book: Codebook,
    rounding: str,
) -> pd.DataFrame:
    """One verdict per claim, mismatches first, then by source line.

    ``responses`` may be None only when there are no claims (nothing to recompute).
    """
    if responses is None and len(claims):
        raise ValueError("claims to audit but no responses to recompute them from")
    claims = claims.fillna(
        {
            c: ""
            for c in ("question", "answer", "group", "group_value", "parts", "note", "qualifier")
        }
    )
    alt_bases = _alternative_bases(claims)
    verdicts: dict[str, Verdict] = {}
    for _, c in claims.iterrows():
        kind = c["kind"]
        if kind == "count":
            verdicts[c["claim_id"]] = _check_count(c, responses)
        elif kind == "percent":
            verdicts[c["claim_id"]] = _check_percent(
                c, responses, rounding, alt_bases, _stated_count_for(claims, c)
            )
        elif kind == "list_count":
            size, unit = list_size(block_after(lines, int(c["source_line"])))
            ok = size == int(c["stated"])
            verdicts[c["claim_id"]] = Verdict(
                str(size),
                str(size),
                "match" if ok else "mismatch",
                "",
                f"the document lists {size} {unit} after line {c['source_line']}",
            )
        elif kind == "unverifiable":
            verdicts[c["claim_id"]] = Verdict("", "", "unverifiable", "", str(c["note"]))
        elif kind == "value_list":
            verdicts[c["claim_id"]] = _check_value_list(c, responses, book)
    for _, c in claims[claims["kind"].isin(["count_sum", "percent_sum"])].iterrows():
        verdicts[c["claim_id"]] = _check_sum(c, claims, verdicts, rounding)
    rows = []
    for _, c in claims.iterrows():
        v = verdicts[c["claim_id"]]
        rows.append(
            {
                "claim_id": c["claim_id"],
                "source_line": int(c["source_line"]),
                "kind": c["kind"],
                "quote": c["quote"],
                "stated": c["stated_text"]
                if not c["qualifier"]
                else f"{c['qualifier']} {c['stated_text']}",
                "recomputed": v.recomputed,
                "recomputed_exact": v.exact,
                "status": v.status,
                "rule": v.rule,
                "explanation": v.explanation,
                "numerator": v.numerator,
                "base": v.base,
            }
        )
    out = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    out["_order"] = out["status"].map(STATUS_ORDER.index)
    return (
        out.sort_values(["_order", "source_line", "claim_id"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _check_value_list(claim: pd.Series, responses: pd.DataFrame, book: Codebook) -> Verdict:
    """The values a sentence names against those of the lists (names compared by name_key)."""
    group = str(claim["group"])
    named = [v for v in str(claim["parts"]).split("; ") if v]
    data = sorted({str(v) for v in responses[group].dropna()}, key=name_key)
    named_keys, data_keys = {name_key(v): v for v in named}, {name_key(v): v for v in data}
    missing = [data_keys[k] for k in data_keys if k not in named_keys]
    extra = [named_keys[k] for k in named_keys if k not in data_keys]
    label = book.group(group).label.lower()
    if not (missing or extra or len(named_keys) < len(named)):
        why = f"the lists give the same {len(data)} values of {label} that the sentence names"
        status = "match"
    else:
        parts = [
            f"named but in no list: {', '.join(extra)}" if extra else "",
            f"in the lists but not named: {', '.join(missing)}" if missing else "",
            "a value is named twice" if len(named_keys) < len(named) else "",
        ]
        why = f"the lists give {len(data)} values of {label}; " + "; ".join(p for p in parts if p)
        status = "mismatch"
    return Verdict(
        ", ".join(data), ", ".join(data), status, "", why, rule_text({group: ANSWERED}), ""
    )


def audit_metrics(audit: pd.DataFrame) -> dict[str, int]:
    """Counts of claims per status (for DVC metrics and the report)."""
    return {f"claims_{s}": int((audit["status"] == s).sum()) for s in STATUS_ORDER} | {
        "claims_total": len(audit)
    }
