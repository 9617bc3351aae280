"""The pipeline's parameters: each one's name, type, allowed values and meaning, once.

Values live in ``params.yaml`` only (DVC tracks them there): these models hold no
defaults, so a key missing from params.yaml is an error, not a silent fallback.
A survey may override a value for itself (``surveys.<id>.overrides``).
Validation refuses unknown keys and names the key, the value and what is allowed.
The parameter table (docs/parameters.md) is generated from these models
(``python -m helpers.pipeline.config --table``) and a test keeps it in step.
"""

from __future__ import annotations

import codecs
import posixpath
import re
from pathlib import PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, field_validator

from helpers.core.i18n import languages as catalog_languages
from helpers.core.inputs import KINDS, input_kind

CI_METHODS = ("wilson", "clopper_pearson", "jeffreys", "agresti_coull", "normal")
ROUNDINGS = ("half_away_from_zero", "half_even", "truncate", "ceiling")
QUANTILE_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")
DESIGN_CI_METHODS = ("logit", "beta", "korn_graubard", "wilson")
DESIGN_EFFECTS = ("wor", "wr")
LONELY_PSU = ("fail", "certainty", "remove", "adjust", "average")
SMALL_BASE_RULES = ("flag", "suppress", "merge")
VARIANCE_METHODS = ("taylor",)
TEST_METHODS = ("auto", "pearson", "exact")
DESIGN_TESTS = ("rao_scott_f", "rao_scott_chisq")
P_ADJUST_METHODS = ("holm", "bh", "none")
ENGINES = ("polars", "duckdb", "spark")  # summarize's engine (helpers.summarize.engines)
# a Spark master URL: local[N], local[*], spark://host:port, yarn, k8s://..., mesos://...
SPARK_MASTER = r"^(local(\[(\d+|\*)(,\d+)?\])?|yarn|(spark|k8s|mesos)://\S+)$"
COLUMN_TESTS = ("z_pooled", "z_unpooled", "none")
COLUMN_ADJUSTMENTS = ("bonferroni", "holm", "none")
# Input kinds (their facts: helpers.core.inputs). Respondent-level exports: one row
# (or case) per respondent. A CSV's records are numbered by their line in the file; an
# SPSS or Stata file's by their case number.
INPUT_KINDS = tuple(KINDS)
EXPORT_KINDS = tuple(k.name for k in KINDS.values() if k.family == "export")
LABELLED_KINDS = tuple(k.name for k in KINDS.values() if k.labelled)


def record_unit(kind: str) -> str:
    """What a source_line number counts: a 'line' of a text file or a 'case' of a data file."""
    return input_kind(kind).record_unit


SURVEY_ID = r"^[a-z][a-z0-9_]{0,39}$"


def _with_catalog(lang: str) -> str:
    """A report language: English or one with a catalog in ``src/helpers/locales/``."""
    known = catalog_languages()
    if lang not in known:
        raise ValueError(f"languages with a catalog ({', '.join(known)})")
    return lang


Language = Annotated[str, AfterValidator(_with_catalog)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StatsParams(_Strict):
    """Statistical choices: interval method and level, rounding of percentages."""

    ci_method: Literal[CI_METHODS] = Field(  # type: ignore[valid-type]
        description="binomial confidence interval (Wilson without continuity correction; "
        "`normal` is Wald)"
    )
    ci_level: float = Field(gt=0.5, lt=1, description="confidence level of the intervals")
    pct_decimals: StrictInt = Field(
        ge=0, le=6, description="decimals of every percentage and interval bound (in percent)"
    )
    rounding: Literal[ROUNDINGS] = Field(  # type: ignore[valid-type]
        description="how percentages (and numeric figures) are rounded to their decimals"
    )
    numeric_decimals: StrictInt = Field(
        ge=0,
        le=6,
        description="decimals of a numeric "
        "question's mean, quantiles, minimum and maximum (and "
        "the mean's interval), in its unit",
    )
    quantile_method: Literal[QUANTILE_METHODS] = Field(  # type: ignore[valid-type]
        description="how a quantile (median, quartiles) falling between two values is "
        "taken: `linear` interpolation (Hyndman & Fan type 7, R's and numpy's default), the "
        "`lower` or `higher` value, the `nearest`, or their `midpoint`"
    )
    variance_method: Literal[VARIANCE_METHODS] = Field(  # type: ignore[valid-type]
        description="standard errors of a survey design's estimates (codebook `design:`): "
        "Taylor linearization, by the svy package"
    )
    lonely_psu: Literal[LONELY_PSU] = Field(  # type: ignore[valid-type]
        description="a stratum with a single PSU (R's options(survey.lonely.psu)): `fail` "
        "(stop, naming the strata), `certainty` or `remove` (it adds no variance), `adjust` "
        "(centred at the grand mean) or `average` (the average variance of the other strata)"
    )
    design_ci_method: Literal[DESIGN_CI_METHODS] = Field(  # type: ignore[valid-type]
        description="interval of a weighted percentage (svy), on the design's degrees of "
        "freedom: `logit` (R survey's svyciprop default, Stata's svy: prop), `beta` "
        '(Korn-Graubard, as svyciprop(method = "beta")), `korn_graubard` (NCHS\'s, effective '
        "base truncated at n) or `wilson` (on the effective base)"
    )
    design_effect: Literal[DESIGN_EFFECTS] = Field(  # type: ignore[valid-type]
        description="the simple random sample a design effect compares with: without (`wor`, "
        "Kish's deff, R's deff=TRUE) or with replacement (`wr`)"
    )
    test_method: Literal[TEST_METHODS] = Field(  # type: ignore[valid-type]
        description="test of independence of a single-answer question and each of its "
        "breakdowns (unweighted): `pearson` (chi-square, no continuity correction), `exact` "
        "(Fisher-Freeman-Halton, R's fisher.test; Monte Carlo beyond 10 million tables) or "
        "`auto` (Pearson when every expected count is at least `test_min_expected`, else "
        "exact)"
    )
    test_min_expected: float = Field(
        ge=0,
        description="`auto`: the smallest expected count for which Pearson's chi-square is used",
    )
    test_resamples: StrictInt = Field(
        ge=100,
        le=10_000_000,
        description="tables drawn for "
        "the exact test's Monte Carlo p-value (as R's "
        "fisher.test(simulate.p.value = TRUE, B = ...))",
    )
    test_seed: StrictInt = Field(
        ge=0,
        description="seed of the Monte Carlo tables (with the "
        "figure id: each comparison its own stream, reproducible)",
    )
    design_test: Literal[DESIGN_TESTS] = Field(  # type: ignore[valid-type]
        description="test of independence of a weighted survey (codebook `design:`), by svy: "
        'Rao-Scott second-order F (`rao_scott_f`, R\'s svychisq default statistic = "F") or '
        'first-order chi-square (`rao_scott_chisq`, statistic = "Chisq")'
    )
    p_adjust: Literal[P_ADJUST_METHODS] = Field(  # type: ignore[valid-type]
        description="adjustment of the p-values for multiplicity, over all the tests of a "
        "survey (one family): `holm` (family-wise error), `bh` (Benjamini-Hochberg false "
        "discovery rate) or `none`"
    )
    alpha: float = Field(
        gt=0,
        lt=1,
        description="significance level: the report says which "
        "comparisons have an adjusted p-value below it",
    )
    column_test: Literal[COLUMN_TESTS] = Field(  # type: ignore[valid-type]
        description="column-proportion letters of the summary and banner tables (SPSS's "
        "'compare column proportions'): each answer's share in each group against each other "
        "group of the breakdown, unweighted by a two-sided z test of two proportions with a "
        "pooled (`z_pooled`, SPSS's) or unpooled (`z_unpooled`) standard error, weighted by "
        "the design-based difference of the two domain shares (its SE with their covariance, "
        "R's svycontrast; t on the design's df); `none`: no letters"
    )
    column_adjust: Literal[COLUMN_ADJUSTMENTS] = Field(  # type: ignore[valid-type]
        description="adjustment of the column tests for multiplicity, over the pairs of "
        "groups of one answer row: `bonferroni` (SPSS's), `holm` or `none`"
    )
    column_alpha: float = Field(
        gt=0,
        lt=1,
        description="significance level of the column tests: a cell carries the letter of "
        "each group its share is larger than at an adjusted p-value below it",
    )


class ReportParams(_Strict):
    """How the report shows small groups and long lists."""

    small_n: StrictInt = Field(
        ge=1,
        le=1000,
        description="the small-base threshold: a group "
        "with a smaller unweighted base falls under "
        "`small_base_rule`",
    )
    small_base_rule: Literal[SMALL_BASE_RULES] = Field(  # type: ignore[valid-type]
        description="what tables, charts and key findings do with a group whose unweighted "
        "base is below `small_n`: `flag` (shown, marked †, not compared in the key findings) "
        "or `suppress` (its percentages and statistics are not shown, only its base), or "
        '`merge` (in each breakdown, two or more such groups are pooled into one, "Other '
        'groups", computed as figures of their own; unweighted surveys only)'
    )
    max_listed_rows: StrictInt = Field(
        ge=1,
        le=100000,
        description="the provenance appendix "
        "lists the rows behind a figure when there are at most "
        "this many; also caps the respondents table, free-text "
        "lists and warnings",
    )
    max_question_sections: StrictInt = Field(
        ge=1,
        le=100000,
        description="at most this many questions (closed and numeric, in codebook order) get "
        "a section of their own; the report names the others, which keep their rows in every "
        "summary table and their figures in the HTML's list, so that the PDF stays a length "
        "one can read",
    )


class CleanParams(_Strict):
    """When the clean stage stops instead of setting answers aside."""

    max_reject_share: float = Field(
        ge=0,
        le=1,
        description="a question whose answered cells "
        "are set aside (unknown codes) in a larger share than this "
        "stops the clean stage, naming the question, the share and "
        "the first unknown codes: likely a codebook that does not "
        "match the export",
    )
    max_field_bytes: StrictInt = Field(
        ge=1,
        description="a field (one cell) of a CSV export "
        "larger than this many bytes stops the clean stage, "
        "naming its line, column and size: likely a broken "
        "export (a quote that never closes, a binary blob)",
    )


SECTIONS: dict[str, type[_Strict]] = {
    "stats": StatsParams,
    "report": ReportParams,
    "clean": CleanParams,
}


class SurveySpec(_Strict):
    """One survey of the project: its input, how to read it, its codebook."""

    input_kind: Literal[INPUT_KINDS] = Field(  # type: ignore[valid-type]
        description="`document` (a published summary, parsed by extract), or a survey tool's "
        "export, one row per respondent: `respondent_csv` (CSV, records numbered by line), "
        "`respondent_sav` (SPSS .sav) or `respondent_dta` (Stata .dta), both with value "
        "labels, records numbered by case"
    )
    source: str = Field(min_length=1, description="the input file (document or export)")
    encoding: str = Field(min_length=1, description="its text encoding (decoded strictly)")
    codebook: str = Field(
        min_length=1,
        description="questions, answers in order, labels, document cues or export columns",
    )
    engine: Literal[ENGINES] = Field(  # type: ignore[valid-type]
        description="where summarize computes: `polars` (in its process), `duckdb` (an "
        "in-process database) or `spark` (at `spark_master`); the figures are the same",
    )
    spark_master: str = Field(
        description="the Spark master URL when `engine: spark` (`local[2]`: this machine's "
        "cores; `spark://host:7077`, `yarn`, `k8s://...`: a cluster)",
    )
    languages: list[Language] = Field(
        description="the report's editions, each a language with a catalog (`en` or a "
        "folder of `src/helpers/locales/`); the first is the default edition "
        "(`report.html`), the others go to `reports/<id>/editions/report.<lang>.html`",
    )
    overrides: dict[str, dict[str, Any]] = Field(
        description="this survey's own values of some `stats`/`report`/`clean` keys, e.g. "
        "`{report: {small_n: 5}}` (`{}` for none); checked like the shared ones"
    )

    @field_validator("overrides")
    @classmethod
    def _known_sections(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = sorted(set(value) - set(SECTIONS))
        if unknown:
            raise ValueError(f"sections {sorted(SECTIONS)} only; found {unknown}")
        return value

    @field_validator("languages")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one language (the first is the default edition)")
        repeated = sorted({lang for lang in value if value.count(lang) > 1})
        if repeated:
            raise ValueError(f"each language once; {repeated} written twice")
        return value

    @field_validator("spark_master")
    @classmethod
    def _spark_master(cls, value: str) -> str:
        if not re.fullmatch(SPARK_MASTER, value):
            raise ValueError(
                "a Spark master URL: local[N], local[*], spark://host:port, yarn or k8s://..."
            )
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError("a text encoding Python knows (e.g. utf-8, cp1252)") from None
        try:  # rot13, base64, zlib ... are codecs, but do not decode bytes to text
            "".encode(value)
        except LookupError:
            raise ValueError(
                "a text encoding, which decodes bytes to text (e.g. utf-8, "
                "cp1252), not a codec such as rot13 or base64"
            ) from None
        return value

    @field_validator("source", "codebook")
    @classmethod
    def _inside_the_project(cls, value: str) -> str:
        # DVC records these paths in dvc.lock and every clone reads them from there: a
        # path outside the project (absolute, ~, or climbing out with ..) would not
        # travel with it.
        norm = posixpath.normpath(value.replace("\\", "/"))
        if (
            posixpath.isabs(norm)
            or PureWindowsPath(value).drive
            or norm.startswith("~")
            or norm == ".."
            or norm.startswith("../")
        ):
            raise ValueError(
                "a path inside the project, relative to its root (DVC records "
                "it in dvc.lock, and a clone must find it there): copy the file "
                "into the project"
            )
        return value


class Params(_Strict):
    """The whole of params.yaml."""

    surveys: dict[str, SurveySpec] = Field(
        min_length=1, description="the project's surveys, each regenerated side by side"
    )
    stats: StatsParams
    report: ReportParams
    clean: CleanParams

    @field_validator("surveys")
    @classmethod
    def _ids(cls, value: dict[str, SurveySpec]) -> dict[str, SurveySpec]:
        import re

        bad = [k for k in value if not re.match(SURVEY_ID, k)]
        if bad:
            raise ValueError(
                f"survey ids of lower-case letters, digits and _ (at most 40, "
                f"starting with a letter); found {bad}"
            )
        return value

    def for_survey(self, survey: str) -> dict[str, Any]:
        """The values one survey runs with: the shared ones with its overrides applied.

        Each overridden section is validated again as a whole (same rules, one
        definition); a ``pydantic.ValidationError`` names the offending key.
        """
        spec = self.surveys[survey]
        merged: dict[str, Any] = {"survey": spec.model_dump(exclude={"overrides"})}
        for section, model in SECTIONS.items():
            shared = getattr(self, section).model_dump()
            merged[section] = model.model_validate(
                {**shared, **spec.overrides.get(section, {})}
            ).model_dump()
        return merged
