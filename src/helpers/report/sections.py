"""The report's sections, each built from computed tables (no number typed by hand)."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any

import pandas as pd
import yaml

from helpers.core.codebook import SELECTED, Codebook, Question
from helpers.core.params import StatsParams
from helpers.core.stats import ROUNDING_NAMES, describe_method
from helpers.report import charts
from helpers.report import markup as rh

REPORTED_PACKAGES = (
    "pandas", "numpy", "matplotlib", "statsmodels", "scipy", "pandera", "papermill",
    "nbconvert", "nbformat", "ipykernel", "weasyprint", "dvc",
)  # fmt: skip


def sections(book: Codebook, extra: list[tuple[str, str, int]] | None = None,
             source_appendix: bool = True) -> list[tuple]:  # fmt: skip
    """(anchor, title, level) of every section, in order: the table of contents."""
    out = [("key-findings", "Key findings", 2), ("method", "Method and caveats", 2),
           ("respondents", "Respondents", 2)]  # fmt: skip
    for q in book.closed:
        out.append((q.id, f"{q.id.upper()}: {q.short}", 2))
    for row_q, col_q in book.crosstabs:
        out.append((f"crosstab-{row_q}-{col_q}",
                    f"{row_q.upper()} by {col_q.upper()}: cross-tabulation", 2))  # fmt: skip
    out.append(("free-text", "Free-text answers", 2))
    for q in book.free_text:
        out.append((f"free-{q.id}", f"{q.id.upper()}: {q.short}", 3))
    out += extra or []
    out.append(("appendix-provenance", "Appendix: where each figure comes from", 2))
    if source_appendix:
        out.append(("appendix-source", "Appendix: the source document", 2))
    out.append(("appendix", "Appendix: reproducibility", 2))
    return out


def title_block(book: Codebook, source: dict[str, Any], input_kind: str = "document") -> str:
    """Title, subtitle and source document."""
    survey = book.survey
    what = (f"Reproducible re-analysis of the summary published by the "
            f"{rh.esc(survey.get('publisher', ''))}" if input_kind == "document"
            else "Reproducible analysis of a respondent-level export")  # fmt: skip
    title = " ".join(str(survey.get("title", "Survey report")).split())
    running = f"{survey.get('short_title', title)} · reproducible report"
    # The PDF's running header is taken from data-running (report.css: string-set).
    return (f'<h1 data-running="{rh.esc(running)}">{rh.esc(title)}</h1>'
            f'<p class="subtitle">{what}. Source: <code>{rh.esc(source["path"])}</code>'
            f" (sha256 <code>{rh.esc(source['sha256'][:16])}…</code>).</p>")  # fmt: skip


def _first_group_rows(book: Codebook, summaries: pd.DataFrame) -> pd.DataFrame:
    """Respondent counts by the first grouping variable with coded values (if any)."""
    coded = [g for g in book.by_group if not book.group(g).from_source]
    if not coded:
        return summaries.iloc[0:0]
    return summaries[(summaries["question"] == "respondents")
                     & (summaries["group"] == coded[0])]  # fmt: skip


def key_findings(book: Codebook, summaries: pd.DataFrame, audit_line: str = "") -> str:
    """Bulleted headline figures, each cited by figure id."""
    items = []
    reg = _first_group_rows(book, summaries)
    parts = "; ".join(f"{rh.esc(r['group_value'])}: "
                      f"{rh.cite(summaries, r['figure_id'], 'n')}" for _, r in reg.iterrows())
    items.append(f"{rh.cite(summaries, 'respondents.all.all', 'n')} "
                 f"{rh.esc(book.survey.get('respondent_unit_plural', 'respondents'))} answered"
                 + (f" ({parts})." if parts else "."))  # fmt: skip
    for q in book.closed:
        first = q.answers[0]
        fid = f"{q.id}.all.all.{first.code}"
        items.append(f"{rh.esc(q.short)}: <em>{rh.esc(first.label)}</em> "
                     f"{rh.cite(summaries, fid, 'pct_ci')}.")  # fmt: skip
        zero = summaries[(summaries["question"] == q.id) & (summaries["group"] == "all")
                         & (summaries["kind"] == "answer") & (summaries["n"] == 0)]  # fmt: skip
        for _, r in zero.iterrows():
            items.append(f"No respondent answered <em>{rh.esc(r['answer'])}</em> to "
                         f"{q.id.upper()} ({rh.cite(summaries, r['figure_id'], 'n_of_base')}).")
    for row_q, col_q in book.crosstabs:
        first = book.question(row_q).answers[0]
        bits = [f"{rh.cite(summaries, f'{row_q}.{col_q}.{o.code}.{first.code}')} of those who "
                f"answered <em>{rh.esc(o.label)}</em> to {col_q.upper()}"
                for o in book.question(col_q).answers]  # fmt: skip
        items.append(f"<em>{rh.esc(first.label)}</em> ({row_q.upper()}): " + "; ".join(bits)
                     + ".")  # fmt: skip
    if audit_line:
        items.append(audit_line)
    return '<div class="keyfindings">' + rh.bullet_list(items) + "</div>"


def method(book: Codebook, summaries: pd.DataFrame, claims: pd.DataFrame, sp: StatsParams,
           small_n: int, input_kind: str = "document") -> str:  # fmt: skip
    """How the figures were made and what they can and cannot say."""
    invited = claims[(claims["source_line"] == claims["source_line"].min())
                     & (claims["kind"] == "unverifiable")]  # fmt: skip
    invited_text = ""
    if len(invited):
        c = invited.iloc[0]
        invited_text = (f" The source states that the survey went to "
                        f"<span class=\"num\">{rh.esc(c['qualifier'])} {rh.esc(c['stated_text'])}"
                        f"</span> organizations (claim <code>{rh.esc(c['claim_id'])}</code>, line "
                        f"{rh.esc(c['source_line'])}); the document holds no list of them.")
    method_name = describe_method(sp.ci_method, sp.ci_level)
    unit = rh.esc(book.survey.get("respondent_unit_plural", "respondents"))
    if input_kind == "document":
        origin = (f"The only record of the survey is the published summary. The pipeline reads "
                  f"its lists of organizations (under country, OAS-registration status and "
                  f"answer) and rebuilds one row per responding organization; "
                  f"{rh.cite(summaries, 'respondents.all.all', 'n')} {unit} answered."
                  f"{invited_text}")  # fmt: skip
        selection = ("<strong>Self-selected respondents.</strong> The organizations chose to "
                     "answer; they are not a random sample of civil society organizations, of "
                     "those invited, or of those registered with the OAS. Percentages describe "
                     "these respondents only.")  # fmt: skip
    else:
        origin = (f"The data are a respondent-level export (one row per respondent) read with "
                  f"the codebook: {rh.cite(summaries, 'respondents.all.all', 'n')} {unit}. "
                  "Answer codes are mapped to the codebook's labels; declared missing codes "
                  "and blanks count as <em>No answer</em> and are left out of the bases; codes "
                  "the codebook does not know are set aside (see the warnings below, if any).")
        selection = ("<strong>Who answered.</strong> Percentages describe the respondents in "
                     "the export; whether they represent a larger population depends on how "
                     "they were selected, which the data cannot show.")  # fmt: skip
    paras = [
        origin,
        selection,
        f"<strong>Intervals.</strong> Each percentage carries a {rh.esc(method_name)} "
        f"(params.yaml: <code>stats.ci_method = {rh.esc(sp.ci_method)}</code>, "
        f"<code>ci_level = {rh.esc(sp.ci_level)}</code>). It shows how much a percentage of so "
        "few respondents could move by chance <em>if</em> they were a random sample of a larger "
        + ("population of similar organizations. It does not measure the bias of self-selection "
           "or of non-response, and it is not a range for all invited organizations."
           if input_kind == "document" else "population. It does not measure selection or "
           "non-response bias."),
        f"<strong>Percentages</strong> are {rh.esc(ROUNDING_NAMES[sp.rounding])} to "
        f"{rh.esc(sp.pct_decimals)} decimal(s) (params.yaml: <code>stats.rounding</code>, "
        f"<code>stats.pct_decimals</code>); the base of each is the number of respondents in "
        "the group who answered the question. Rounded percentages need not add up to 100.",
        f"<strong>Small groups.</strong> Bases below {rh.esc(small_n)} (params.yaml: "
        "<code>report.small_n</code>) are marked † in the tables: with so few respondents a "
        f"single {rh.esc(book.survey.get('respondent_unit', 'respondent'))} moves the "
        "percentage a lot.",
        f"<strong>Figure ids.</strong> Every number carries an id (e.g. <code>"
        f"{rh.esc(_example_figure_id(book))}</code>) that names its row in "
        "<code>data/processed/summaries.csv</code>; <code>python -m helpers.tools.trace &lt;id&gt;"
        "</code> lists the respondents and source lines behind it.",
    ]
    return "".join(rh.paragraph(p) for p in paras)


def _example_figure_id(book: Codebook) -> str:
    """The id of the first answer of the first closed question (e.g. q1.all.all.yes)."""
    if not book.closed:
        return "respondents.all.all"
    q = book.closed[0]
    return f"{q.id}.all.all.{q.answers[0].code}"


def respondents_table(book: Codebook, responses: pd.DataFrame, input_kind: str = "document",
                      max_rows: int = 40) -> str:  # fmt: skip
    """One row per respondent with its answers and the source lines they came from.

    Only for the published document, or an export small enough to list.
    """
    if input_kind != "document":
        return _export_respondents(book, responses, max_rows)
    reg = {o.code: o.label for o in book.group("oas_registered").values}
    show = pd.DataFrame({
        "Id": responses["respondent_id"],
        "Organization": responses["organization"],
        "Acronym": responses["acronym"].fillna(""),
        "Country": responses["country"],
        "OAS registration": responses["oas_registered"].map(reg),
    })  # fmt: skip
    lines = "org " + responses["organization_line"].astype(str)
    for q in book.categorical:
        labels = {o.code: o.label for o in q.answers}
        show[q.id.upper()] = responses[q.id].map(labels).fillna("(no answer)")
        lines = lines + f"; {q.id} " + responses[f"{q.id}_line"].astype("string").fillna("–")
    show["Source lines"] = lines
    ids = [f"resp-{r}" for r in responses["respondent_id"]]
    return rh.table(show, f"Responding organizations (n = {len(show)})", row_ids=ids)


def respondent_figures(book: Codebook, summaries: pd.DataFrame, small_n: int) -> str:
    """Respondents overall and by every group: counts, shares and figure ids."""
    rows = summaries[summaries["question"] == "respondents"]
    out = []
    for group in ("all", *book.by_group):
        sel = rows[rows["group"] == group]
        label = "All respondents" if group == "all" else book.group(group).label
        show = pd.DataFrame({
            label: ["All" if group == "all" else v for v in sel["group_value"]],
            "n": sel["n"],
            "Of": sel["base"],
            "%": [rh.fmt_pct(p) for p in sel["pct"]],
            "Figure id": [rh.provenance_link(f) for f in sel["figure_id"]],
        })  # fmt: skip
        out.append(rh.table(show, f"Respondents by {label.lower()}" if group != "all"
                            else "Respondents", row_ids=[rh.anchor(f) for f in sel["figure_id"]],
                            raw_html_columns=["%", "Figure id"], cls="figures"))  # fmt: skip
    return "".join(out)


def _export_respondents(book: Codebook, responses: pd.DataFrame, max_rows: int) -> str:
    shown = responses.head(max_rows)
    show = pd.DataFrame({"Id": shown["respondent_id"], "Line": shown["source_line"]})
    for g in book.groups:
        labels = {o.code: o.label for o in g.values}
        values = shown[g.id].astype("string")
        show[g.label] = [labels.get(v, v) if pd.notna(v) else "" for v in values]
    for q in book.closed:
        show[q.id.upper()] = _answer_labels(q, shown)
    more = len(responses) - len(shown)
    note = rh.paragraph(f"First {len(shown)} of {len(responses)} respondents; the rest are in "
                        "<code>data/processed/responses.csv</code>.", "note") if more else ""
    return note + rh.table(show, f"Respondents (n = {len(responses)})",
                           row_ids=[f"resp-{r}" for r in shown["respondent_id"]])


def _answer_labels(q: Question, rows: pd.DataFrame) -> list[str]:
    """Each row's answer to ``q`` as labels (several joined by '; ' for multiple choice)."""
    if q.categorical:
        labels = {o.code: o.label for o in q.answers}
        return [labels.get(v, "(no answer)") if pd.notna(v) else "(no answer)"
                for v in rows[q.id].astype("string")]  # fmt: skip
    chosen = {o.label: rows[c].astype("string") for o, c in zip(q.answers, q.indicators.values(),
                                                                 strict=True)}  # fmt: skip
    first = next(iter(chosen.values()))
    return ["(no answer)" if pd.isna(first.iloc[i]) else
            "; ".join(lab for lab, col in chosen.items() if col.iloc[i] == SELECTED)
            for i in range(len(rows))]  # fmt: skip


def _question_rows(summaries: pd.DataFrame, qid: str, group: str) -> pd.DataFrame:
    return summaries[(summaries["question"] == qid) & (summaries["group"] == group)
                     & (summaries["kind"] == "answer")]  # fmt: skip


def log_chart(chart_log: list[dict[str, str]], chart_id: str, rows: pd.DataFrame) -> str:
    """Record which figures a chart draws; return the chart id."""
    chart_log.extend({"chart_id": chart_id, "figure_id": f} for f in rows["figure_id"])
    return chart_id


def question_section(
    book: Codebook, q: Question, summaries: pd.DataFrame, sp: StatsParams, small_n: int,
    chart_log: list[dict[str, str]],
) -> str:
    """Chart and tables of one closed question: overall and by every group."""
    method_name = describe_method(sp.ci_method, sp.ci_level)
    overall = _question_rows(summaries, q.id, "all")
    base = int(overall["base"].iloc[0])
    out = [rh.paragraph(f"<em>{rh.esc(q.text)}</em>", "note")]
    note = f"n = {base}; bars: % of respondents; whiskers: {method_name}."
    if q.type == "multiple_choice":
        out.append(rh.paragraph(
            "Multiple choice: respondents could choose more than one answer. Each percentage "
            "is the share of the respondents who answered the question that chose that "
            "answer, so they can add up to more than 100%.", "note"))  # fmt: skip
        note = (f"n = {base} who answered; several answers allowed; bars: % choosing each; "
                f"whiskers: {method_name}.")  # fmt: skip
    alt = f"{q.id.upper()} bar chart: " + "; ".join(
        f"{r['answer']} {r['pct']}% ({r['n']} of {r['base']})" for _, r in overall.iterrows())
    out.append(rh.figure(charts.proportion_chart(overall, f"{q.id.upper()}: {q.short}", note),
                         alt, f"{rh.esc(q.id.upper())}, all respondents (n = {base}). "
                         f"Figure ids: <code>{rh.esc(q.id)}.all.all.*</code>",
                         log_chart(chart_log, f"chart-{q.id}-all", overall)))  # fmt: skip
    if q.type == "ordinal":
        groups = [g for g in book.by_group if not book.group(g).from_source]
        rows = pd.concat([overall.assign(group_value="All respondents")] +
                         [_question_rows(summaries, q.id, g) for g in groups])  # fmt: skip
        matrix = rh.crosstab_matrix(rows, "group")
        labels = [o.label for o in q.answers]
        neutral = [o.label for o in q.answers if o.code in q.missing_codes or "know" in o.code]
        alt = f"{q.id.upper()} stacked bars by group: " + "; ".join(
            f"{g} (n={int(m['base'])}): " + ", ".join(f"{a} {m[a]:.1f}%" for a in labels)
            for g, m in matrix.iterrows())
        out.append(rh.figure(
            charts.stacked_scale_chart(matrix, labels, f"{q.id.upper()}: {q.short}, by group",
                                       f"Answers in scale order; n = respondents in the group. "
                                       f"Source: {q.id} rows of summaries.csv.", neutral),
            alt, f"{rh.esc(q.id.upper())} by OAS registration, as 100% stacked bars.",
            log_chart(chart_log, f"chart-{q.id}-by-group", rows)))  # fmt: skip
    out.append(rh.summary_table(overall, f"{q.id.upper()}, all respondents — {method_name}",
                                small_n))  # fmt: skip
    for g in book.by_group:
        label = book.group(g).label
        rows = _question_rows(summaries, q.id, g)
        out.append(rh.heading(f"{q.id.upper()} by {label}", f"{q.id}-by-{g}", 3))
        out.append(rh.summary_table(rows, f"{q.id.upper()} by {label} — {method_name}; "
                                    f"† base below {small_n}", small_n, group_label=label))
    missing = summaries[(summaries["question"] == q.id) & (summaries["kind"] == "missing")
                        & (summaries["group"] == "all")]  # fmt: skip
    for _, r in missing.iterrows():
        out.append(rh.paragraph(f"{rh.cite(summaries, r['figure_id'], 'n')} respondents gave no "
                                f"answer to {q.id.upper()} and are left out of its bases.",
                                "warning"))  # fmt: skip
    return "".join(out)


def crosstab_section(book: Codebook, row_q: str, col_q: str, summaries: pd.DataFrame,
                     sp: StatsParams, small_n: int,
                     chart_log: list[dict[str, str]]) -> str:  # fmt: skip
    """Answers to ``row_q`` within each answer to ``col_q``: stacked chart and table."""
    q, by = book.question(row_q), book.question(col_q)
    rows = _question_rows(summaries, row_q, col_q)
    matrix = rh.crosstab_matrix(rows, col_q)
    matrix.index = [f"{col_q.upper()}: {v}" for v in matrix.index]
    labels = [o.label for o in q.answers]
    alt = f"{row_q.upper()} by {col_q.upper()}: " + "; ".join(
        f"{g} (n={int(m['base'])}): " + ", ".join(f"{a} {m[a]:.1f}%" for a in labels)
        for g, m in matrix.iterrows())
    out = [rh.figure(charts.stacked_scale_chart(
        matrix, labels, f"{row_q.upper()} by {col_q.upper()}",
        f"Rows: answer to {col_q.upper()} ({by.short}); n = respondents in the row.",
        [o.label for o in q.answers if "know" in o.code]), alt,
        f"{rh.esc(q.short)} by {rh.esc(by.short.lower())}.",
        log_chart(chart_log, f"chart-{row_q}-{col_q}", rows))]
    out.append(rh.summary_table(rows, f"{row_q.upper()} by {col_q.upper()} — "
                                f"{describe_method(sp.ci_method, sp.ci_level)}; † base below "
                                f"{small_n}", small_n, group_label=f"{col_q.upper()} answer"))
    return "".join(out)


def free_text_section(
    book: Codebook, free_text: pd.DataFrame, summaries: pd.DataFrame,
    max_rows: int | None = None, input_kind: str = "document",
) -> str:  # fmt: skip
    """All free-text answers, by question and item, with counts cited by figure id."""
    origin = ("Quoted as published (not attributed to organizations by the source). Each "
              "answer shows the source line it came from." if input_kind == "document" else
              "Quoted as written in the export. Each answer shows the line of its respondent "
              "in the export.")  # fmt: skip
    out = [rh.paragraph(origin, "note")]
    totals = summaries[(summaries["kind"] == "free_text") & (summaries["group"] == "all")]
    short = {q.id: q.short for q in book.free_text}
    show = pd.DataFrame({"Question": [f"{q.upper()}: {short.get(q, q)}"
                                      for q in totals["question"]],
                         "Answers": totals["n"],
                         "Figure id": [rh.provenance_link(f) for f in totals["figure_id"]]})
    out.append(rh.table(show, "Free-text answers per question",
                        row_ids=[rh.anchor(f) for f in totals["figure_id"]],
                        raw_html_columns=["Figure id"], cls="figures"))  # fmt: skip
    for q in book.free_text:
        out.append(rh.heading(f"{q.id.upper()}: {q.short}", f"free-{q.id}", 3))
        out.append(rh.paragraph(f"<em>{rh.esc(q.text)}</em> — "
                                f"{rh.cite(summaries, f'{q.id}.all.all.count', 'n')} answers."))
        out.append(rh.free_text_block(free_text, book, q.id, max_rows))
        if q.items:
            rows = summaries[(summaries["question"] == q.id) & (summaries["group"] == "item")]
            show = pd.DataFrame({"Activity": rows["group_code"], "Label": rows["group_value"],
                                 "Answers": rows["n"],
                                 "Figure id": [rh.provenance_link(f)
                                               for f in rows["figure_id"]]})  # fmt: skip
            out.append(rh.table(show, f"{q.id.upper()}: answers per activity",
                                row_ids=[rh.anchor(f) for f in rows["figure_id"]],
                                raw_html_columns=["Figure id"], cls="figures"))  # fmt: skip
    return "".join(out)


def appendix(source: dict[str, Any], params: dict[str, Any], codebook_sha: str) -> str:
    """Input hashes, parameters and package versions."""
    versions = pd.DataFrame({
        "Package": ["python", *REPORTED_PACKAGES],
        "Version": [platform.python_version(),
                    *[importlib.metadata.version(p) for p in REPORTED_PACKAGES]],
    })  # fmt: skip
    inputs = pd.DataFrame({
        "Input": [source["path"], params["codebook"]],
        "sha256": [source["sha256"], codebook_sha],
    })  # fmt: skip
    return (rh.paragraph("Regenerate everything with <code>make report</code>; the pipeline "
                         "stages, their inputs and outputs are in <code>dvc.yaml</code>, the "
                         "hashes of the last run in <code>dvc.lock</code>.")
            + rh.table(inputs, "Inputs")
            + f"<h3 id=\"appendix-params\">Parameters (params.yaml)</h3><pre>"
            f"{rh.esc(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))}</pre>"
            + rh.table(versions, "Software"))  # fmt: skip


def report_card(data: Any, survey: str) -> str:
    """The facts ``reports/index.html`` shows for this survey's report (JSON text).

    ``data``: the report's :class:`helpers.report.inputs.ReportInputs`.
    """
    from helpers.core.tables import json_text

    audit = data.audit
    statuses = audit["status"].value_counts().to_dict() if len(audit) else {}
    return json_text({
        "survey": survey,
        "title": " ".join(str(data.book.survey.get("title", survey)).split()),
        "input_kind": data.input_kind,
        "source": data.source["path"],
        "respondents": int(len(data.responses)),
        "figures": int(len(data.summaries)),
        "claims": int(len(data.claims)),
        "audit": {str(k): int(v) for k, v in sorted(statuses.items())},
        "html": f"{survey}/report.html",
        "pdf": f"{survey}/report.pdf",
    })  # fmt: skip
