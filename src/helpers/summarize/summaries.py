"""Question summaries: counts, bases, percentages and intervals, driven by the codebook.

Every row is one number of the report, with a stable ``figure_id``::

    <question>.<group>.<group_code>.<answer_code>     e.g. q1.oas_registered.registered.yes

``group`` is ``all`` for overall rows, a codebook group id (``oas_registered``,
``country``) for breakdowns, or another question id for cross-tabulations
(``q2.q1.yes.very_useful``: Q2 answers among those who answered Q1 "Yes").
The base of a percentage is the respondents of the group who answered the
question; respondents without an answer are counted in a ``missing`` row and
left out of the base. A numeric question has one row per statistic
(``age.party.0.mean``: ``mean``, ``median``, ``p25``, ``p75``, ``min``,
``max``), over the respondents of the group with a value (its n and base).
For a multiple-choice question each option's figure is the respondents who
chose it, of those who answered the question (so the percentages of its
options can add up to more than 100). Each figure also has selection rules
(helpers.core.selection) for its numerator and base, from which the provenance
file is written.

The table is an analysis-results table (one row per number, in the spirit of
CDISC's Analysis Results Data): ``stat`` names the statistic (``pct``, a
numeric one, or ``count`` for missing and free-text rows); ``estimate`` is it
unrounded, in its unit (percent for a percentage); ``se``, ``ci_lower`` and
``ci_upper`` its standard error and interval, unrounded, by ``ci_method``;
``shown``, ``shown_low`` and ``shown_high`` the figure and its interval exactly as
the report prints them (rounded under ``stats.rounding`` to ``pct_decimals`` or
``numeric_decimals``; a percentage's equal ``pct``, ``ci_low`` and ``ci_high``).
A survey with a design (codebook ``design:``) gets design-based estimates
(helpers.summarize.design): ``n`` and ``base`` stay unweighted counts, beside
``n_weighted``, ``base_weighted`` (sums of weights), ``deff`` and
``base_effective`` (base / deff).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import narwhals.stable.v2 as nw
import polars as pl

from helpers.core.codebook import SELECTED, Codebook, Question, slug
from helpers.core.codes import code_index, code_key
from helpers.core.params import StatsParams
from helpers.core.selection import ANSWERED, MISSING, rule_text
from helpers.core.stats import (
    binomial_se,
    exact_percent,
    intervals,
    percent,
    percent_intervals,
    round_decimal,
    t_intervals,
)
from helpers.summarize import comparisons

if TYPE_CHECKING:
    from helpers.summarize.design import DesignEstimates

SUMMARY_COLUMNS = [
    "figure_id", "question", "group", "group_value", "answer", "n", "base", "pct",
    "ci_low", "ci_high", "group_code", "answer_code", "kind",
    "stat", "estimate", "se", "ci_lower", "ci_upper", "ci_method", "shown", "shown_low",
    "shown_high", "n_weighted", "n_weighted_se", "base_weighted", "deff", "base_effective",
]  # fmt: skip
FLOAT_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper", "n_weighted", "n_weighted_se",
                 "base_weighted", "deff", "base_effective")  # fmt: skip
# A numeric question's statistics: (stat, answer label, quantile probability)
NUMERIC_STATS = (("mean", "Mean", None), ("sd", "Standard deviation", None),
                 ("median", "Median", 0.5),
                 ("p25", "25th percentile", 0.25), ("p75", "75th percentile", 0.75),
                 ("min", "Minimum", None), ("max", "Maximum", None))  # fmt: skip
QUANTILES = {stat: p for stat, _, p in NUMERIC_STATS if p is not None}
RULE_COLUMNS = ["_table", "_numerator", "_base"]
# codebook design.replicate_weights.method -> how a figure's method names it
REPLICATE_NAMES = {"brr": "BRR", "fay": "Fay's BRR", "jk1": "JK1", "jkn": "JKn", "jk2": "JK2",
                   "bootstrap": "bootstrap", "sdr": "SDR"}  # fmt: skip
MISSING_CODE = "missing"
RESPONDENTS = "respondents"
FREE_TEXT_ANSWER = "Free-text answers"
CI = object()  # a row's interval, computed for all rows at once (_fill_intervals)
NET_SEPARATOR = "__net_"  # the design's 0/1 column of a net: "<question>__net_<code>"
BASE_SUFFIX = "__in_base"  # the design's copy of a question without its excluded answers


def group_levels(tallies: Tallies, book: Codebook, group: str) -> list[tuple[str, str]]:
    """(code, label) of each value of a grouping variable, in display order."""
    if group == "all":
        return [("all", "all")]
    if group in {q.id for q in book.categorical}:
        return [(o.code, o.label) for o in book.question(group).answers]
    spec = book.group(group)
    if spec.from_source:
        values = sorted(tallies.distinct(group), key=slug)
        return [(slug(v), v) for v in values]
    return [(o.code, o.label) for o in spec.values]


def group_key(book: Codebook, group: str, code: str, label: str) -> str:
    """The value of a group's column for one of its values (by label if from the source)."""
    if group == "all":
        return "all"
    return label if book.group(group).from_source else code


def source_codes(book: Codebook, source: str, codes: tuple[str, ...]) -> list[str]:
    """``codes`` of variable ``source`` in the codebook's spelling (they compare by value)."""
    index = code_index([o.code for o in book.group(source).values])
    return [index[code_key(c)] for c in codes]


def group_rule(book: Codebook, group: str, code: str, label: str) -> dict[str, Any]:
    """Selection rule of one group value (values taken from the source match by label).

    A derived group's rule names the source codes it recodes (``{"pid": ["0", "1",
    "2"]}``), so that provenance shows the recode.
    """
    if group == "all":
        return {}
    spec = book.group(group)
    if spec.derived_from:
        value = next(o for o in spec.values if o.code == code)
        return {spec.derived_from: source_codes(book, spec.derived_from, value.of)}
    return {group: group_key(book, group, code, label)}


def route_rule(book: Codebook, q: Question) -> dict[str, Any]:
    """The respondents ``q`` was asked of, as a rule (``{}`` without routing)."""
    return {var: source_codes(book, var, codes) for var, codes in q.asked_if}


def answer_rule(book: Codebook, q: Question, codes: tuple[str, ...]) -> dict[str, Any]:
    """The rule of answering ``q`` with one of ``codes`` (a derived question: its source's)."""
    if q.derived_from:
        of = tuple(c for o in q.answers if o.code in codes for c in o.of)
        return {q.derived_from: source_codes(book, q.derived_from, of)}
    return {q.id: list(codes) if len(codes) != 1 else codes[0]}


def _row(figure_id: str, table: str, num_rule: dict, base_rule: dict | None,
         **values: object) -> dict:  # fmt: skip
    out = dict.fromkeys(SUMMARY_COLUMNS[SUMMARY_COLUMNS.index("stat"):])
    return {**out, "figure_id": figure_id, **values, "_table": table,
            "_numerator": rule_text(num_rule), "_base": rule_text(base_rule)}


def _pct_fields(n: int, base: int, sp: StatsParams) -> dict[str, object]:
    """A percentage's rounded value and its unrounded estimate (None on an empty base)."""
    return {"pct": percent(n, base, sp.pct_decimals, sp.rounding), "stat": "pct",
            "estimate": float(exact_percent(n, base)) if base else None,
            "_decimals": sp.pct_decimals}  # fmt: skip


JOINT_CELLS = 50_000  # largest joint table of one question's breakdowns counted in one query


class Tallies:
    """Counts of value combinations of a respondent table, through narwhals.

    Any table narwhals reads works: polars (the pipeline's), pandas, pyarrow,
    or a lazy frame of DuckDB, Dask or PySpark, on which each count is one
    ``group_by(...).agg(len)`` query. :meth:`prefetch` counts the joint table of
    a question and all its breakdowns in one query (a few hundred cells), from
    which every pair is summed; pairs not prefetched get a query of their own.
    Every figure's count equals applying its selection rule row by row, which
    the tests check.
    """

    def __init__(self, table: Any) -> None:
        self.frame = nw.from_native(table)
        self._counts: dict[tuple[str, str | None], dict[tuple, int]] = {}
        self._joint: list[tuple[tuple[str, ...], list[tuple]]] = []
        self._distinct: dict[str, list[str]] = {}

    def _rows(self, query: Any) -> list[tuple]:
        return (query.collect() if isinstance(query, nw.LazyFrame) else query).rows()

    @property
    def height(self) -> int:
        """Number of rows (respondents)."""
        return int(self._rows(self.frame.select(nw.len()))[0][0])

    def distinct(self, column: str) -> list[str]:
        """The distinct non-missing values of ``column``, as text."""
        if column not in self._distinct:
            query = self.frame.select(nw.col(column)).unique()
            self._distinct[column] = [str(v) for (v,) in self._rows(query) if _present(v)]
        return self._distinct[column]

    def prefetch(self, columns: list[str], levels: dict[str, int]) -> None:
        """Count the joint table of ``columns`` in one query, if at most JOINT_CELLS cells.

        ``levels``: the number of distinct values of each column (missing included).
        """
        keys = tuple(dict.fromkeys(c for c in columns if c != "all"))
        cells = 1
        for c in keys:
            cells *= levels[c]
        if len(keys) < 2 or cells > JOINT_CELLS:
            return
        rows = self._rows(self.frame.group_by(list(keys), drop_null_keys=False).agg(nw.len()))
        self._joint.append((keys, [(*(str(v) if _present(v) else None for v in row[:-1]),
                                    int(row[-1])) for row in rows]))  # fmt: skip

    def counts(self, group: str, column: str | None) -> dict[tuple, int]:
        """{(group value, column value): n}; None stands for missing, 'all' for everyone."""
        key = (group, column)
        if key not in self._counts:
            keys = [c for c in dict.fromkeys([group, column]) if c not in (None, "all")]
            joint = next((j for j in self._joint if set(keys) <= set(j[0])), None)
            if joint is not None:
                where = [joint[0].index(c) for c in keys]
                rows = [(*(row[i] for i in where), row[-1]) for row in joint[1]]
            elif keys:
                rows = [(*(str(v) if _present(v) else None for v in row[:-1]), int(row[-1]))
                        for row in self._rows(self.frame.group_by(keys, drop_null_keys=False)
                                              .agg(nw.len()))]  # fmt: skip
            else:
                rows = self._rows(self.frame.select(nw.len()))
            out: dict[tuple, int] = {}
            for row in rows:
                values = dict(zip(keys, row[:-1], strict=False))
                pair = tuple("all" if c in (None, "all") else values[c]
                             for c in (group, column if column is not None else group))
                out[pair] = out.get(pair, 0) + int(row[-1])
            self._counts[key] = out
        return self._counts[key]


def _routed_tallies(responses: Any, book: Codebook) -> dict[str, Tallies]:
    """For each routed question, the tallies of the respondents its ``asked_if`` selects."""
    out: dict[str, Tallies] = {}
    frame = nw.from_native(responses)
    for q in book.summarized:
        if not q.asked_if:
            continue
        condition = None
        for var, codes in q.asked_if:
            this = nw.col(var).cast(nw.String).is_in(source_codes(book, var, codes))
            condition = this if condition is None else condition & this
        out[q.id] = Tallies(nw.to_native(frame.filter(condition)))
    return out


def _levels(tallies: Tallies, book: Codebook) -> dict[str, int]:
    """Distinct values (missing counted as one) of each column a breakdown can use."""
    levels = {g.id: len(tallies.distinct(g.id)) + 1 if g.from_source else len(g.values) + 1
              for g in book.groups}  # fmt: skip
    for q in book.closed:
        if q.categorical:
            levels[q.id] = len(q.answers) + 1
        else:
            levels |= {c: 3 for c in q.indicators.values()}
    return levels


def _present(value: object) -> bool:
    """False for a missing value of any engine (None, NaN, pandas' NA)."""
    if value is None:
        return False
    try:
        return bool(value == value)  # NaN is not equal to itself
    except TypeError:  # pandas' NA has no truth value
        return False


def _option_cells(q: Question) -> dict[str, tuple[str, str]]:
    """Option code -> (column, value) of responses that counts a respondent for it.

    A single-answer question holds the code in its own column; a multiple-choice
    question marks each option chosen in that option's 0/1 column.
    """
    if q.categorical:
        return {o.code: (q.id, o.code) for o in q.answers}
    return {o.code: (q.indicators[o.code], SELECTED) for o in q.answers}


def _question_rows(
    tallies: Tallies, book: Codebook, q: Question, group: str, sp: StatsParams
) -> list[dict]:
    """Per answer: respondents of the group who gave it, of those who answered ``q``."""
    rows = []
    cells = _option_cells(q)
    counts = {col: tallies.counts(group, col) for col, _ in cells.values()}
    first = q.response_columns[0]  # a multiple-choice answer is missing in all or none
    for code, label in group_levels(tallies, book, group):
        where = {**route_rule(book, q), **group_rule(book, group, code, label)}
        key = group_key(book, group, code, label)
        members = sum(n for (g, _), n in counts[first].items() if g == key)
        missing = counts[first].get((key, None), 0)
        excluded = sum(counts[q.id].get((key, c), 0) for c in q.excluded)
        answered = members - missing
        base = answered - excluded
        if q.categorical:
            base_rule = {**where, **answer_rule(book, q, q.in_base)} if (
                q.excluded or q.derived_from) else {**where, q.id: ANSWERED}  # fmt: skip
        for option in q.answers:
            column, value = cells[option.code]
            n = counts[column].get((key, value), 0)
            numerator = {**where, **answer_rule(book, q, (option.code,))} if q.categorical \
                else {**where, column: value}  # fmt: skip
            if option.code in q.excluded:
                rows.append(_row(
                    f"{q.id}.{group}.{code}.{option.code}", "responses", numerator,
                    {**where, q.id: ANSWERED}, question=q.id, group=group, group_value=label,
                    answer=option.label, n=n, base=answered, pct=None, ci_low=None,
                    ci_high=None, group_code=code, answer_code=option.code, kind="excluded",
                    stat="count", estimate=float(n), _decimals=0,
                    _wcell=(q.id, option.code, group, key),
                ))  # fmt: skip
                continue
            rows.append(_row(
                f"{q.id}.{group}.{code}.{option.code}", "responses", numerator,
                base_rule if q.categorical else {**where, column: ANSWERED}, question=q.id,
                group=group, group_value=label, answer=option.label, n=n, base=base,
                ci_low=CI, ci_high=CI, group_code=code, answer_code=option.code, kind="answer",
                **_pct_fields(n, base, sp), _cell=(
                    f"{q.id}{BASE_SUFFIX}" if q.excluded else column, value, group, key),
            ))  # fmt: skip
        for net in q.nets:
            of = tuple(source_codes(book, q.id, net.of))
            n = sum(counts[q.id].get((key, c), 0) for c in of)
            rows.append(_row(
                f"{q.id}.{group}.{code}.{net.code}", "responses",
                {**where, **answer_rule(book, q, of)}, base_rule, question=q.id, group=group,
                group_value=label, answer=net.label, n=n, base=base, ci_low=CI, ci_high=CI,
                group_code=code, answer_code=net.code, kind="net", **_pct_fields(n, base, sp),
                _cell=(f"{q.id}{NET_SEPARATOR}{net.code}", SELECTED, group, key),
            ))  # fmt: skip
        if missing:
            rows.append(_missing_row(q, group, code, label, where, first, missing, members))
            if not q.asked_if:  # a routed question's missing are among those routed only
                rows[-1]["_wcell"] = (first, None, group, key)
    return rows


def _missing_row(q: Question, group: str, code: str, label: str, where: dict, column: str,
                 missing: int, members: int) -> dict:  # fmt: skip
    """Respondents of the group without an answer to ``q`` (left out of its bases)."""
    return _row(
        f"{q.id}.{group}.{code}.{MISSING_CODE}", "responses", {**where, column: MISSING},
        where, question=q.id, group=group, group_value=label, answer="No answer",
        n=missing, base=members, pct=None, ci_low=None, ci_high=None,
        group_code=code, answer_code=MISSING_CODE, kind="missing", stat="count",
        estimate=float(missing), _decimals=0,
    )  # fmt: skip


def numeric_table(tallies: Tallies, q: Question, group: str, method: str) -> dict[str, dict]:
    """{group value: members, n, mean, sd and each quantile, min, max of ``q``} in one query."""
    col = nw.col(q.id)
    aggs = [nw.len().alias("members"), col.count().alias("n"), col.mean().alias("mean"),
            col.std(ddof=1).alias("sd"), col.min().alias("min"), col.max().alias("max"),
            *[col.quantile(p, interpolation=method).alias(stat)  # type: ignore[arg-type]
              for stat, p in QUANTILES.items()]]  # fmt: skip
    if group == "all":
        query = tallies.frame.select(aggs)
        (row,) = tallies._rows(query)
        return {"all": dict(zip(query.columns, row, strict=True))}
    query = tallies.frame.group_by(group, drop_null_keys=True).agg(aggs)
    names = query.columns
    return {str(row[0]): dict(zip(names, row, strict=True)) for row in tallies._rows(query)}


def _numeric_rows(tallies: Tallies, book: Codebook, q: Question, group: str,
                  sp: StatsParams) -> list[dict]:  # fmt: skip
    """Per group value: a numeric question's statistics over those with a value."""
    rows = []
    table = numeric_table(tallies, q, group, sp.quantile_method)
    for code, label in group_levels(tallies, book, group):
        where = {**route_rule(book, q), **group_rule(book, group, code, label)}
        key = group_key(book, group, code, label)
        rows.extend(_level_stat_rows(q, group, code, label, where,
                                     table.get(key, {"members": 0, "n": 0}), sp, key))
    return rows


def _level_stat_rows(q: Question, group: str, code: str, label: str, where: dict,
                     got: dict, sp: StatsParams, key: str | None) -> list[dict]:  # fmt: skip
    """One group value's statistics of a numeric question (``got``: :func:`numeric_table`'s).

    ``key``: the group's value in the design's columns (None for a pooled group, which
    has no design-based estimate).
    """
    rows = []
    n = int(got["n"] or 0)
    for stat, answer, _ in NUMERIC_STATS:
        value = got.get(stat) if n else None
        rows.append(_row(
            f"{q.id}.{group}.{code}.{stat}", "responses", {**where, q.id: ANSWERED},
            {**where, q.id: ANSWERED}, question=q.id, group=group, group_value=label,
            answer=answer, n=n, base=n, pct=None, ci_low=None, ci_high=None,
            group_code=code, answer_code=stat, kind="numeric", stat=stat,
            estimate=None if value is None else float(value), _decimals=sp.numeric_decimals,
            _cell=None if key is None else (q.id, stat, group, key),
            _sd=got.get("sd") if stat == "mean" else None,
        ))  # fmt: skip
    missing = int(got["members"]) - n
    if missing:
        rows.append(_missing_row(q, group, code, label, where, q.id, missing,
                                 int(got["members"])))  # fmt: skip
        if key is not None:  # a design's sums of weights of those without a value
            rows[-1]["_wcell"] = (q.id, None, group, key)
    return rows


def _respondent_rows(tallies: Tallies, book: Codebook, sp: StatsParams) -> list[dict]:
    rows = []
    total = tallies.height
    for group in ("all", *book.breakdown_groups):
        counts = tallies.counts(group, None)
        for code, label in group_levels(tallies, book, group):
            where = group_rule(book, group, code, label)
            key = group_key(book, group, code, label)
            n = counts.get((key, key), 0)
            rows.append(_row(
                f"{RESPONDENTS}.{group}.{code}", "responses", where, {}, question=RESPONDENTS,
                group=group, group_value=label, answer="Respondents", n=n, base=total,
                ci_low=None if group == "all" else CI, ci_high=None if group == "all" else CI,
                group_code=code, answer_code="", kind="respondents",
                **_pct_fields(n, total, sp), _cell=(group, key, "all", "all"),
            ))  # fmt: skip
    return rows


def _fill_intervals(rows: list[dict], sp: StatsParams) -> None:
    """Every percentage's interval and SE, and every mean's, in vectorized calls.

    Percentages (rows marked CI): the binomial interval of params.yaml and the
    binomial SE, in percent. Means: Student's t interval on n - 1 degrees of
    freedom, SE = sd / sqrt(n). Bounds are stored unrounded (``ci_lower``,
    ``ci_upper``) and, for percentages, rounded (``ci_low``, ``ci_high``).
    """
    wanted = [r for r in rows if r["ci_low"] is CI]
    n = [r["n"] for r in wanted]
    base = [r["base"] for r in wanted]
    lows, highs = intervals(n, base, sp.ci_method, sp.ci_level)
    rounded = percent_intervals(n, base, sp.ci_method, sp.ci_level, sp.pct_decimals, sp.rounding)
    ses = binomial_se(n, base)
    for r, low, high, se, bounds in zip(wanted, lows.tolist(), highs.tolist(), ses.tolist(),
                                        rounded, strict=True):  # fmt: skip
        r["ci_low"], r["ci_high"] = bounds
        if not math.isnan(low):
            r["ci_lower"], r["ci_upper"], r["se"] = low * 100, high * 100, se * 100
            r["ci_method"] = sp.ci_method
    means = [r for r in rows if r["stat"] == "mean" and r["estimate"] is not None]
    se, lower, upper = t_intervals([r["estimate"] for r in means], [r["_sd"] for r in means],
                                   [r["n"] for r in means], sp.ci_level)  # fmt: skip
    for r, s_, lo, hi in zip(means, se.tolist(), lower.tolist(), upper.tolist(), strict=True):
        if not math.isnan(s_):
            r["se"], r["ci_lower"], r["ci_upper"], r["ci_method"] = s_, lo, hi, "t"


def _fill_shown(rows: list[dict], sp: StatsParams) -> None:
    """Each figure and its interval as the report prints them (``shown``, ...)."""
    for r in rows:
        if r["kind"] == "test":
            continue  # shown when made (_test_rows)
        if r["stat"] == "pct":
            r["shown"], r["shown_low"], r["shown_high"] = (
                None if v is None else str(v) for v in (r["pct"], r["ci_low"], r["ci_high"]))
        elif r["stat"] == "count":
            r["shown"] = str(r["n"])
        else:
            r["shown"], r["shown_low"], r["shown_high"] = (
                None if v is None else str(round_decimal(Decimal(repr(v)), r["_decimals"],
                                                         sp.rounding))
                for v in (r["estimate"], r["ci_lower"], r["ci_upper"]))  # fmt: skip


def design_frame(responses: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    """The responses plus what design-based shares need of nets and excluded answers.

    ``<q>__in_base``: ``q`` without its excluded answers (missing there); and
    ``<q>__net_<code>``: 1 for the net's answers, 0 for the base's others.
    """
    extra = []
    for q in book.categorical:
        text = pl.col(q.id).cast(pl.String)
        in_base = text.is_in(list(q.in_base))
        if q.excluded:
            extra.append(pl.when(in_base).then(text).alias(f"{q.id}{BASE_SUFFIX}"))
        for net in q.nets:
            of = source_codes(book, q.id, net.of)
            extra.append(pl.when(in_base).then(pl.when(text.is_in(of)).then(pl.lit(SELECTED))
                                                .otherwise(pl.lit("0")))
                         .alias(f"{q.id}{NET_SEPARATOR}{net.code}"))  # fmt: skip
    return responses.with_columns(extra) if extra else responses


def _design(responses: Any, book: Codebook, sp: StatsParams) -> DesignEstimates:
    """The svy design of a weighted survey's responses (set up once, for every estimate)."""
    from helpers.summarize.design import DesignEstimates

    return DesignEstimates(design_frame(nw.to_native(nw.from_native(responses)), book), book,
                           sp)  # fmt: skip


def _count_weights(design: DesignEstimates, column: str, value: str | None, group: str,
                   key: str) -> tuple[float, float]:  # fmt: skip
    """Sums of weights of a count row: (of ``value``, of its base) in the group's ``key``.

    ``value`` None: those without an answer, of the group's members; otherwise one
    answer (excluded from the base), of those who answered.
    """
    sums = design.weight_sums(column, group)
    if value is None:
        return (sums.get((key, None), 0.0),
                sum(w for (g, _), w in sums.items() if g == key))  # fmt: skip
    return (sums.get((key, value), 0.0),
            sum(w for (g, v), w in sums.items() if g == key and v is not None))  # fmt: skip


def _weigh(rows: list[dict], design: DesignEstimates, book: Codebook, sp: StatsParams) -> None:
    """Replace each percentage and numeric estimate by its design-based one (svy).

    ``n`` and ``base`` stay the unweighted counts; each row gains the sums of
    weights behind it, the design effect and the effective base (base / deff).
    Minimum and maximum are the sample's, as unweighted.
    """
    for r in rows:
        if r.get("_wcell") is not None:  # an excluded answer or a missing one: sums of weights
            r["n_weighted"], r["base_weighted"] = _count_weights(design, *r["_wcell"])
            continue
        cell = r.get("_cell")
        if cell is None or r["base"] == 0:
            continue
        column, value, group, key = cell
        if r["kind"] == "respondents" and column == "all":
            est = None
            n_w = base_w = sum(design.weight_sums(None, "all").values())
        elif r["kind"] == "respondents":  # the cell is (group, its value, "all", "all")
            est = design.group_shares(column).get(str(value))
            sums = design.weight_sums(column, "all")
            n_w, base_w = sums.get(("all", value), 0.0), sum(sums.values())
            total = design.totals(column, "all").get(("all", str(value)))
            r["n_weighted_se"] = None if total is None else total.se
        elif r["kind"] in ("answer", "net"):
            est = design.shares(column, group).get((str(key), str(value)))
            sums = design.weight_sums(column, group)
            n_w = sums.get((key, value), 0.0)
            base_w = sum(w for (g, v), w in sums.items() if g == key and v is not None)
            total = design.totals(column, group).get((str(key), str(value)))
            # an empty cell has no row of svy's: its estimated count is 0, exactly (R: SE 0)
            r["n_weighted_se"] = total.se if total is not None else 0.0 if not r["n"] else None
        else:  # numeric
            n_w = base_w = design.answered_weight(column, group).get(key, 0.0)
            est = None
            if value == "mean":
                est = design.mean(column, group).get(str(key))
            elif value == "sd":
                sd = design.sd(column, group).get(str(key))
                r["estimate"] = sd
                r["ci_method"] = "svyvar (n/(n-1))"
            elif value in QUANTILES:
                est = design.quantiles(column, group, tuple(QUANTILES.values())).get(
                    (QUANTILES[value], str(key)))  # fmt: skip
        r["n_weighted"], r["base_weighted"] = n_w, base_w
        if est is None:
            continue
        scale = 100.0 if r["stat"] == "pct" else 1.0
        r["estimate"] = est.estimate * scale
        r["se"] = None if est.se is None else est.se * scale
        r["ci_lower"] = None if est.low is None else est.low * scale
        r["ci_upper"] = None if est.high is None else est.high * scale
        r["deff"] = est.deff
        r["base_effective"] = r["base"] / est.deff if est.deff else None
        rep = book.design.replicate
        brr = f" ({REPLICATE_NAMES[rep.method]})" if rep else ""
        r["ci_method"] = (f"{sp.design_ci_method}{brr}" if r["stat"] == "pct" else
                          f"t (design df){brr}" if value == "mean" else
                          f"replicate t{brr}" if brr else "woodruff")  # fmt: skip
        if r["stat"] == "pct":
            r["pct"], r["ci_low"], r["ci_high"] = (
                None if v is None else round_decimal(Decimal(repr(v)), sp.pct_decimals,
                                                     sp.rounding)
                for v in (r["estimate"], r["ci_lower"], r["ci_upper"]))  # fmt: skip


def _free_text_rows(free_text: Any, book: Codebook) -> list[dict]:
    rows = []
    pairs = Tallies(free_text).counts("question", "item") if book.free_text else {}
    for q in book.free_text:
        total = sum(n for (qid, _), n in pairs.items() if qid == q.id)
        levels = [("all", "all", "all", {"question": q.id}, total)]
        levels += [("item", o.code, o.label, {"question": q.id, "item": o.code},
                    pairs.get((q.id, o.code), 0)) for o in q.items]  # fmt: skip
        for group, code, label, rule, n in levels:
            rows.append(_row(
                f"{q.id}.{group}.{code}.count", "free_text", rule, None, question=q.id,
                group=group, group_value=label, answer=FREE_TEXT_ANSWER, n=n, base=None,
                pct=None, ci_low=None, ci_high=None, group_code=code, answer_code="count",
                kind="free_text", stat="count", estimate=float(n), _decimals=0,
            ))  # fmt: skip
    return rows


TEST = "test"  # group_code and kind of a comparison's rows: <question>.<group>.test.<stat>
TEST_STATS = ("statistic", "df", "p", "p_adjusted")


def answer_table(rows: list[dict], question: str, group: str) -> tuple[list[str], list[str],
                                                                        list[list[int]]]:
    """(level codes, answer codes, counts) of one breakdown, from its answer rows."""
    cells = {(r["group_code"], r["answer_code"]): r["n"] for r in rows
             if r["question"] == question and r["group"] == group and r["kind"] == "answer"
             and r["group_code"] != POOLED}  # tests compare the groups themselves
    levels = list(dict.fromkeys(g for g, _ in cells))
    answers = list(dict.fromkeys(a for _, a in cells))
    return levels, answers, [[cells.get((g, a), 0) for a in answers] for g in levels]


def comparison_rule(book: Codebook, q: Question, group: str) -> dict[str, Any]:
    """Respondents of a comparison's table: asked ``q``, answered it in the base and the group."""
    answered = answer_rule(book, q, q.in_base) if (q.excluded or q.derived_from) else {
        q.id: ANSWERED}  # fmt: skip
    spec = book.group(group)
    if spec.derived_from:
        of = tuple(c for v in spec.values for c in v.of)
        in_group: dict[str, Any] = {spec.derived_from: source_codes(book, spec.derived_from, of)}
    else:
        in_group = {group: ANSWERED}
    return {**route_rule(book, q), **answered, **in_group}


def _pair_seed(seed: int, question: str, group: str) -> list[int]:
    """The Monte Carlo seed of one comparison: params' seed and a checksum of its id."""
    return [seed, zlib.crc32(f"{question}.{group}".encode())]


def _numeric_samples(tallies: Tallies, q: Question, group: str) -> dict[str, list[float]]:
    """Each group value's values of numeric ``q`` (respondents missing either left out)."""
    frame = tallies.frame.select(nw.col(group).cast(nw.String), nw.col(q.id)).drop_nulls()
    out: dict[str, list[float]] = {}
    for key, value in tallies._rows(frame):
        out.setdefault(str(key), []).append(float(value))
    return dict(sorted(out.items()))


def _test_rows(rows: list[dict], book: Codebook, breakdowns: dict[str, list[str]],
               sp: StatsParams, design: DesignEstimates | None,
               tallies_of: Callable[[Question], Tallies]) -> list[dict]:  # fmt: skip
    """A test of independence per single-answer question and breakdown or cross-tab.

    Rows ``<q>.<group>.test.statistic``, ``.df``, ``.p`` and ``.p_adjusted`` (over all the
    survey's tests, by ``stats.p_adjust``); see helpers.summarize.comparisons. The statistic
    and df are Pearson's (unweighted; also beside an exact p-value) or Rao-Scott's
    (weighted). A numeric question gets a Kruskal–Wallis test (scipy) or, weighted, svy's
    design-based rank test (``tallies_of``: the respondents each question was asked of).
    Multiple choice is not tested (see there), nor a question by a group that is the
    question itself (``Codebook.same_variable``: a recode, not a comparison). Each
    unordered pair of variables is tested once (``comparisons.pair_key``): where A is
    broken down by B and B by A, the first in codebook order is, and the other's report
    cites it. A Monte Carlo p-value says so and names its tables (``comparisons.p_label``).
    """
    found = []
    tested: set[frozenset[str]] = set()
    for q in book.categorical:
        for group in breakdowns[q.id]:
            if group == "all" or book.same_variable(q.id, group):
                continue
            pair = comparisons.pair_key(book, q.id, group)
            if pair in tested:
                continue  # B by A after A by B: the same test, counted once
            _, _, counts = answer_table(rows, q.id, group)
            table = comparisons.prune(counts) if counts else None
            if table is None:
                continue
            n = int(table.sum())
            if design is None:
                described = comparisons.pearson(table)
                result = described if sp.test_method == "pearson" else comparisons.independence(
                    table, sp.test_method, sp.test_min_expected, sp.test_resamples,
                    _pair_seed(sp.test_seed, q.id, group))  # fmt: skip
            else:
                column = f"{q.id}{BASE_SUFFIX}" if q.excluded else q.id
                result = described = comparisons.rao_scott(design.table_stats(column, group),
                                                           sp.design_test, n)  # fmt: skip
            tested.add(pair)
            found.append((q, group, n, described, result))
    for q in book.numeric:
        for group in breakdowns[q.id]:
            if group == "all" or book.same_variable(q.id, group):
                continue
            samples = _numeric_samples(tallies_of(q), q, group)
            if sum(1 for v in samples.values() if v) < 2:
                continue
            n = sum(map(len, samples.values()))
            result = comparisons.kruskal_wallis(list(samples.values())) if design is None \
                else comparisons.design_rank(design.rank_test(q.id, group), n)  # fmt: skip
            found.append((q, group, n, result, result))
    adjusted = comparisons.adjust([r.p for *_, r in found], sp.p_adjust)
    out = []
    for (q, group, n, described, result), p_adj in zip(found, adjusted, strict=True):
        rule = comparison_rule(book, q, group)
        label = comparisons.LABELS
        df = described.df
        df_text = (f"{label[described.method]} degrees of freedom" if described.df_denominator
                   is None else f"{label[described.method]} numerator degrees of freedom "
                   f"(denominator {described.df_denominator:.2f})")  # fmt: skip
        what = "statistic" if described.method != "rao_scott_f" else "F statistic"
        values = {
            "statistic": (described.method, f"{label[described.method]} {what}",
                          described.statistic,
                          comparisons.shown_value(described.statistic, 2, sp.rounding)),
            "df": (described.method, df_text, df,
                   comparisons.shown_value(df, 0 if df == int(df) else 2, sp.rounding)),
            "p": (result.method, comparisons.p_label(result), result.p,
                  comparisons.shown_test_p(result, sp.rounding)),
            "p_adjusted": (sp.p_adjust, f"{comparisons.p_label(result)}, "
                           f"{comparisons.ADJUST_LABELS[sp.p_adjust]}-adjusted over the "
                           f"survey's {len(found)} tests", p_adj,
                           comparisons.shown_p(p_adj, sp.rounding)),
        }  # fmt: skip
        for stat in TEST_STATS:
            method, answer, estimate, shown = values[stat]
            out.append(_row(
                f"{q.id}.{group}.{TEST}.{stat}", "responses", rule, rule, question=q.id,
                group=group, group_value=book.group(group).label, answer=answer, n=n, base=n,
                pct=None, ci_low=None, ci_high=None, group_code=TEST, answer_code=stat,
                kind=TEST, stat=stat, estimate=float(estimate), ci_method=method, shown=shown,
            ))  # fmt: skip
    return out


@dataclass(frozen=True)
class Summaries:
    """The figures, and for each the selection rules that produced it (polars tables)."""

    figures: pl.DataFrame
    rules: pl.DataFrame  # figure_id, table, numerator, base (rules as JSON text)


def summary_types(sp: StatsParams) -> dict[str, pl.DataType]:
    """Column types of the figures table: percentages as decimals of ``pct_decimals`` places."""
    pct = pl.Decimal(38, sp.pct_decimals)
    counts = {"n": pl.Int64, "base": pl.Int64}
    decimals = {"pct": pct, "ci_low": pct, "ci_high": pct}
    floats = dict.fromkeys(FLOAT_COLUMNS, pl.Float64)
    return {c: counts.get(c) or decimals.get(c) or floats.get(c) or pl.String
            for c in SUMMARY_COLUMNS}  # fmt: skip


POOLED = "_pooled"  # the group code of a breakdown's small groups pooled (small-base merge)


@dataclass(frozen=True)
class Pooling:
    """The small-base rule ``merge``: a breakdown's small groups pooled into one more group.

    Groups whose unweighted base is below ``threshold``, when there are at least two.
    """

    threshold: int

    def label(self) -> str:
        """The pooled group's label."""
        return f"Other groups (bases under {self.threshold})"

    @classmethod
    def of_rule(cls, rule: str, threshold: int) -> Pooling | None:
        """The pooling ``report.small_base_rule`` asks for: only ``merge`` pools."""
        return cls(threshold) if rule == "merge" else None


def pooled_group_rule(book: Codebook, group: str, levels: list[tuple[str, str]]) -> dict:
    """The selection rule of several values of a group together (a recode's: its codes)."""
    spec = book.group(group)
    if spec.derived_from:
        codes = [c for code, _ in levels
                 for c in source_codes(book, spec.derived_from,
                                       next(o for o in spec.values if o.code == code).of)]
        return {spec.derived_from: codes}
    return {group: [group_key(book, group, code, label) for code, label in levels]}


def _small_levels(rows: list[dict], qid: str, group: str, kind: str,
                  threshold: int) -> list[tuple[str, str]]:  # fmt: skip
    """(code, label) of the levels of a breakdown whose base is above 0 and under threshold."""
    bases: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["question"] == qid and r["group"] == group and r["kind"] == kind:
            bases.setdefault((r["group_code"], r["group_value"]), int(r["base"]))
    return [level for level, base in bases.items() if 0 < base < threshold]


def _pooled_question_rows(rows: list[dict], book: Codebook, q: Question, group: str,
                          pooling: Pooling, sp: StatsParams) -> list[dict]:  # fmt: skip
    """A closed question's figures over a breakdown's small groups pooled (or none)."""
    small = _small_levels(rows, q.id, group, "answer", pooling.threshold)
    if len(small) < 2:
        return []
    codes = {code for code, _ in small}
    parts = [r for r in rows if r["question"] == q.id and r["group"] == group
             and r["group_code"] in codes]  # fmt: skip
    where = {**route_rule(book, q), **pooled_group_rule(book, group, small)}
    cells = _option_cells(q)
    first = q.response_columns[0]

    def total(kind: str, answer: str, field: str = "n") -> int:
        return sum(int(r[field]) for r in parts if r["kind"] == kind and r["answer_code"] == answer)

    bases = {r["group_code"]: int(r["base"]) for r in parts if r["kind"] == "answer"}
    base = sum(bases.values())
    answered = base + sum(total("excluded", c) for c in q.excluded)
    members = answered + sum(int(r["n"]) for r in parts if r["kind"] == "missing")
    base_rule = ({**where, **answer_rule(book, q, q.in_base)} if q.excluded or q.derived_from
                 else {**where, q.id: ANSWERED}) if q.categorical else None  # fmt: skip
    label, out = pooling.label(), []
    common = {"question": q.id, "group": group, "group_value": label, "group_code": POOLED}
    for option in q.answers:
        column, value = cells[option.code]
        n = total("excluded" if option.code in q.excluded else "answer", option.code)
        numerator = {**where, **answer_rule(book, q, (option.code,))} if q.categorical \
            else {**where, column: value}  # fmt: skip
        fid = f"{q.id}.{group}.{POOLED}.{option.code}"
        if option.code in q.excluded:
            out.append(_row(fid, "responses", numerator, {**where, q.id: ANSWERED}, **common,
                            answer=option.label, n=n, base=answered, pct=None, ci_low=None,
                            ci_high=None, answer_code=option.code, kind="excluded",
                            stat="count", estimate=float(n), _decimals=0))  # fmt: skip
            continue
        out.append(_row(fid, "responses", numerator,
                        base_rule if q.categorical else {**where, column: ANSWERED}, **common,
                        answer=option.label, n=n, base=base, ci_low=CI, ci_high=CI,
                        answer_code=option.code, kind="answer",
                        **_pct_fields(n, base, sp)))  # fmt: skip
    for net in q.nets:
        of = tuple(source_codes(book, q.id, net.of))
        n = total("net", net.code)
        out.append(_row(f"{q.id}.{group}.{POOLED}.{net.code}", "responses",
                        {**where, **answer_rule(book, q, of)}, base_rule, **common,
                        answer=net.label, n=n, base=base, ci_low=CI, ci_high=CI,
                        answer_code=net.code, kind="net", **_pct_fields(n, base, sp)))
    if members > answered:
        out.append(_missing_row(q, group, POOLED, label, where, first, members - answered,
                                members))  # fmt: skip
    return out


def _pooled_numeric_rows(rows: list[dict], tallies: Tallies, book: Codebook, q: Question,
                         group: str, pooling: Pooling, sp: StatsParams) -> list[dict]:
    """A numeric question's statistics over a breakdown's small groups pooled (or none)."""
    small = _small_levels(rows, q.id, group, "numeric", pooling.threshold)
    if len(small) < 2:
        return []
    keys = [group_key(book, group, code, label) for code, label in small]
    members = Tallies(nw.to_native(tallies.frame.filter(
        nw.col(group).cast(nw.String).is_in(keys))))  # fmt: skip
    got = numeric_table(members, q, "all", sp.quantile_method)["all"]
    where = {**route_rule(book, q), **pooled_group_rule(book, group, small)}
    return _level_stat_rows(q, group, POOLED, pooling.label(), where, got, sp, None)


def summarize(responses: Any, free_text: Any, book: Codebook, sp: StatsParams,
              pooling: Pooling | None = None) -> Summaries:
    """All figures: respondents, each closed question by every breakdown, free text.

    ``responses`` and ``free_text``: any table narwhals reads (polars in the
    pipeline). Counts come from one group-by per question and breakdown;
    ``rules`` state the same selections row by row, for provenance (tests check
    they agree). ``pooling``: the small-base rule ``merge`` (unweighted surveys only).
    """
    if pooling is not None and book.design is not None:
        raise ValueError("report.small_base_rule = merge: expected a survey without a design "
                         "(pooled groups of a weighted survey are not estimated); found the "
                         "codebook's design: use flag or suppress")  # fmt: skip
    tallies = Tallies(responses)
    breakdowns = {q.id: ["all", *book.breakdowns_of(q),
                         *[col for row_q, col in book.crosstabs if row_q == q.id]]
                  for q in (*book.closed, *book.numeric)}  # fmt: skip
    levels = _levels(tallies, book)
    routed = _routed_tallies(responses, book)
    for q in book.closed:
        if not q.asked_if:
            tallies.prefetch([*breakdowns[q.id], *q.response_columns], levels)
    rows = _respondent_rows(tallies, book, sp)
    for q in book.closed:
        for group in breakdowns[q.id]:
            rows.extend(_question_rows(routed.get(q.id, tallies), book, q, group, sp))
            if pooling is not None and group != "all":
                rows.extend(_pooled_question_rows(rows, book, q, group, pooling, sp))
    for q in book.numeric:
        for group in breakdowns[q.id]:
            rows.extend(_numeric_rows(routed.get(q.id, tallies), book, q, group, sp))
            if pooling is not None and group != "all":
                rows.extend(_pooled_numeric_rows(rows, routed.get(q.id, tallies), book, q,
                                                 group, pooling, sp))  # fmt: skip
    rows.extend(_free_text_rows(free_text, book))
    _fill_intervals(rows, sp)
    design = _design(responses, book, sp) if book.design is not None else None
    if design is not None:
        _weigh(rows, design, book, sp)
    _fill_shown(rows, sp)
    rows.extend(_test_rows(rows, book, breakdowns, sp, design,
                           lambda q: routed.get(q.id, tallies)))
    ids = [r["figure_id"] for r in rows]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dupes = [i for i in ids if i in seen or seen.add(i)]
        raise ValueError(f"figure ids are not unique: {dupes}")
    types = summary_types(sp)
    figures = pl.DataFrame([{c: stable(r[c]) for c in SUMMARY_COLUMNS} for r in rows],
                           schema=types,
                           orient="row") if rows else pl.DataFrame(schema=types)  # fmt: skip
    rules = pl.DataFrame({"figure_id": ids, **{c.lstrip("_"): [r[c] for r in rows]
                                               for c in RULE_COLUMNS}},
                         schema={"figure_id": pl.String, "table": pl.String,
                                 "numerator": pl.String, "base": pl.String})  # fmt: skip
    return Summaries(figures, rules)


# Computed floats are stored to this many significant digits: the last bits of a design-based
# interval (exp and log of a logit, say) differ between CPUs (glibc and numpy pick their
# code by the CPU), and the summaries must be byte-identical on every machine.
STORED_DIGITS = 12


def stable(value: Any) -> Any:
    """A computed float rounded to :data:`STORED_DIGITS` significant digits; anything else as is."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{STORED_DIGITS}g}")
    return value


def headline_metrics(figures: pl.DataFrame, book: Codebook) -> dict[str, float | int]:
    """The headline figures for DVC metrics: respondents, and each question's first answer."""
    by_id = {r["figure_id"]: r for r in figures.select("figure_id", "n", "pct").iter_rows(
        named=True)}  # fmt: skip
    out: dict[str, float | int] = {"respondents": int(by_id[f"{RESPONDENTS}.all.all"]["n"])}
    for q in book.closed:
        row = by_id[f"{q.id}.all.all.{q.answers[0].code}"]
        out[f"{q.id}_{q.answers[0].code}_n"] = int(row["n"])
        pct = row["pct"]
        out[f"{q.id}_{q.answers[0].code}_pct"] = float(pct) if isinstance(pct, Decimal) else pct
    for q in book.numeric:
        row = figures.filter(pl.col("figure_id") == f"{q.id}.all.all.mean").row(0, named=True)
        out[f"{q.id}_n"] = int(row["n"])
        out[f"{q.id}_mean"] = row["estimate"]
    return out
