"""The audit's explanations (``audit.csv``, English) in the edition's language.

The audit stage writes each claim's explanation as an English sentence of a few known
shapes (``helpers.audit.verdicts``): "the lists give 9/15 = 60.00%, which no common
rounding turns into 62%", "the stated parts Four + nine add up to 13, not 15; ...".
The CSV stays English (it is data); the report reads each sentence back into its
parts and writes it again from the catalog, the numbers in the language's format.
What the source states (its words, "Four + nine") is quoted as it is. An explanation
of no known shape is kept in English and counted as untranslated, so a strict edition
stops on it rather than print it silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from helpers.core import i18n
from helpers.core.i18n import _
from helpers.core.stats import ROUNDING_NAMES as AUDIT_ROUNDING
from helpers.report.method_section import ROUNDING_NAMES

NUM = r"\d+(?:\.\d+)?"
RULE = "|".join(re.escape(v) for v in AUDIT_ROUNDING.values())
DATA = rf"the lists give (?P<k>\d+)/(?P<b>\d+) = (?P<exact>{NUM})%"


def _rule(name: str) -> str:
    """A rounding rule's name (core.stats' English) in the edition's language."""
    key = next(k for k, v in AUDIT_ROUNDING.items() if v == name)
    return _(ROUNDING_NAMES[key])


def _pct(value: str) -> str:
    return i18n.percent(value)


def _data(m: re.Match[str]) -> dict[str, str]:
    return {"k": m["k"], "b": m["b"], "exact": _pct(m["exact"])}


def _why(text: str) -> str:
    """Why a hypothesis's count or base was tried (verdicts.percent_hypotheses)."""
    over = re.fullmatch(r"(?P<why>.+) over a base of (?P<b>\d+)", text)
    if over:
        return _("{why} over a base of {b}").format(why=_why(over["why"]), b=over["b"])
    if text == "the count the lists give":
        return _("the count the lists give")
    if text == "the count the document states":
        return _("the count the document states")
    summed = re.fullmatch(
        r"(?P<n>\d+) is the sum of the parts stated for line (?P<line>\d+) (?P<parts>\(.*\))", text
    )
    if summed:
        return _("{n} is the sum of the parts stated for line {line} {parts}").format(
            **summed.groupdict()
        )
    return _unknown(text)


def _hypothesis(text: str) -> str:
    m = re.fullmatch(
        rf"(?P<k>\d+)/(?P<b>\d+) = (?P<exact>{NUM})% "
        rf"\((?P<rule>{RULE}): (?P<stated>{NUM})%\) — (?P<why>.+)",
        text,
    )
    if not m:
        return _unknown(text)
    return _("{k}/{b} = {exact} ({rule}: {stated}) — {why}").format(
        **_data(m), rule=_rule(m["rule"]), stated=_pct(m["stated"]), why=_why(m["why"])
    )


def _mismatch_percent(m: re.Match[str]) -> str:
    said = _("the lists give {k}/{b} = {exact}, which no common rounding turns into {stated}")
    said = said.format(**_data(m), stated=_pct(m["stated"]))
    if m["hyps"] is None:
        return said
    hyps = "; ".join(_hypothesis(h) for h in m["hyps"].split("; "))
    return _("{finding}. Hypotheses (not findings): {hypotheses}").format(
        finding=said, hypotheses=hyps
    )


def _count(m: re.Match[str]) -> str:
    what = (
        _("respondents")
        if m["what"] == "respondents"
        else _(" and ").join(m["what"].split(" and "))
    )
    if m["lines"] and m["stated"]:
        said = _("the lists give {n} {what} (organizations on lines {lines}), not {stated}")
    elif m["lines"]:
        said = _("the lists give {n} {what} (organizations on lines {lines})")
    elif m["stated"]:
        said = _("the lists give {n} {what}, not {stated}")
    else:
        said = _("the lists give {n} {what}")
    return said.format(n=m["n"], what=what, lines=m["lines"], stated=m["stated"])


def _listed(m: re.Match[str]) -> str:
    units = {"list items": _("list items"), "registration groups": _("registration groups")}
    return _("the document lists {n} {unit} after line {line}").format(
        n=m["n"], unit=units[m["unit"]], line=m["line"]
    )


def _values(m: re.Match[str]) -> str:
    parts = []
    for part in m["parts"].split("; "):
        named = re.fullmatch(
            r"(?P<what>named but in no list|in the lists but not named): (?P<v>.*)", part
        )
        if named and named["what"] == "named but in no list":
            parts.append(_("named but in no list: {values}").format(values=named["v"]))
        elif named:
            parts.append(_("in the lists but not named: {values}").format(values=named["v"]))
        elif part == "a value is named twice":
            parts.append(_("a value is named twice"))
        else:
            parts.append(_unknown(part))
    return _("the lists give {n} values of {label}; {problems}").format(
        n=m["n"], label=m["label"], problems="; ".join(parts)
    )


FIXED = (  # explanations without values (extract.claims' notes, verdicts)
    "describes the invitation; the document lists no invited organizations",
    "no answer or group identified for this percentage",
    "no respondent count identified",
    "no respondent answered the question",
)


def _fixed(text: str) -> str:
    said = {
        FIXED[0]: _("describes the invitation; the document lists no invited organizations"),
        FIXED[1]: _("no answer or group identified for this percentage"),
        FIXED[2]: _("no respondent count identified"),
        FIXED[3]: _("no respondent answered the question"),
    }
    return said[text]


SHAPES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(rf"{DATA}; (?P<rule>{RULE}): (?P<ours>{NUM})%"),
        lambda m: _("the lists give {k}/{b} = {exact}; {rule}: {ours}").format(
            **_data(m), rule=_rule(m["rule"]), ours=_pct(m["ours"])
        ),
    ),
    (
        re.compile(
            rf"{DATA}: (?P<other>{RULE}) gives (?P<stated>{NUM})%, the report's rule "
            rf"\((?P<rule>{RULE})\) gives (?P<ours>{NUM})%"
        ),
        lambda m: _(
            "the lists give {k}/{b} = {exact}: {other} gives {stated}, the report's rule "
            "({rule}) gives {ours}"
        ).format(
            **_data(m),
            other=_rule(m["other"]),
            stated=_pct(m["stated"]),
            rule=_rule(m["rule"]),
            ours=_pct(m["ours"]),
        ),
    ),
    (
        re.compile(
            rf"{DATA}, which no common rounding turns into (?P<stated>{NUM})%"
            r"(?:\. Hypotheses \(not findings\): (?P<hyps>.+))?"
        ),
        _mismatch_percent,
    ),
    (
        re.compile(
            r"the lists give (?P<n>\d+) (?P<what>respondents|.+? = .+?)"
            r"(?: \(organizations on lines (?P<lines>[\d, ]+)\))?(?:, not (?P<stated>\d+))?"
        ),
        _count,
    ),
    (
        re.compile(
            r"the stated parts (?P<parts>.+) add up to (?P<total>\d+), not (?P<stated>.+); "
            r"the lists give (?P<sum>.+ = \d+)"
        ),
        lambda m: _(
            "the stated parts {parts} add up to {total}, not {stated}; the lists give {sum}"
        ).format(**m.groupdict()),
    ),
    (
        re.compile(
            rf"(?P<sum>.+ = (?P<total>{NUM}))%: the parts are (?P<rules>.+); "
            rf"(?P<rule>{RULE}) they sum to (?P<data>{NUM})%"
        ),
        lambda m: _("{sum}: the parts are {rules}; {rule} they sum to {data}").format(
            sum=m["sum"].removesuffix(m["total"]) + _pct(m["total"]),
            rules=", ".join(_rule(r) for r in m["rules"].split(", ")),
            rule=_rule(m["rule"]),
            data=_pct(m["data"]),
        ),
    ),
    (
        re.compile(
            r"the document lists (?P<n>\d+) (?P<unit>list items|registration groups) "
            r"after line (?P<line>\d+)"
        ),
        _listed,
    ),
    (
        re.compile(
            r"the lists give the same (?P<n>\d+) values of (?P<label>.+) that the sentence names"
        ),
        lambda m: _("the lists give the same {n} values of {label} that the sentence names").format(
            **m.groupdict()
        ),
    ),
    (re.compile(r"the lists give (?P<n>\d+) values of (?P<label>[^;]+); (?P<parts>.+)"), _values),
    (  # a sum of the stated parts, in the source's words: "nine + six = 15"
        re.compile(rf"(?P<parts>[^=;:]+) = (?P<total>{NUM})"),
        lambda m: f"{m['parts']} = {i18n.number(m['total'])}",
    ),
    (re.compile("|".join(re.escape(f) for f in FIXED)), lambda m: _fixed(m[0])),
]


def _unknown(text: str) -> str:
    """An explanation of no known shape: kept, and counted as untranslated."""
    i18n.current().missing.add(f"audit explanation {text!r}")
    return text


def explanation_text(text: str) -> str:
    """An audit explanation in the edition's language (English: as the audit wrote it)."""
    if i18n.language() == i18n.SOURCE_LANGUAGE:
        return text
    for pattern, write in SHAPES:
        m = pattern.fullmatch(text)
        if m:
            return write(m)
    return _unknown(text)
