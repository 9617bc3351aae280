"""Where each stage of each survey reads and writes (the paths of dvc.yaml's deps and outs).

Every survey has its own folders: data in ``data/processed/<survey>/``, the
report and executed notebooks in ``reports/<survey>/``. ``reports/index.html``
links every survey's report. A notebook run by hand writes the same relative
paths under ``scratch/`` (ignored by git) unless asked for the pipeline's.
``tests/test_config.py`` checks that dvc.yaml lists exactly these outputs.
"""

from __future__ import annotations

STAGES = ("extract", "clean", "summarize", "audit", "report")
DATA = "data/processed/{survey}"
REPORTS = "reports/{survey}"
SCRATCH = "scratch"
INDEX = "reports/index.html"

# Data outputs of each stage, relative to the survey's data folder.
_DATA_FILES = {
    "extract": {
        "lines": "extracted/source_lines.csv",
        "mentions": "extracted/mentions.csv",
        "free_text": "extracted/free_text.csv",
        "source": "extracted/source.json",
        "claims": "claims.csv",
    },
    "clean": {
        "responses": "responses.csv",
        "free_text": "free_text.csv",
        # The hand-off to later stages (typed, checksummed; the CSVs are for auditors).
        "responses_parquet": "responses.parquet",
        "free_text_parquet": "free_text.parquet",
        "rejects": "rejects.csv",
        "reconciliation": "reconciliation.csv",
    },
    "summarize": {
        "summaries": "summaries.csv",
        "provenance": "provenance.json",
        "metrics": "metrics.json",
    },
    "audit": {
        "audit": "audit.csv",
        "metrics": "audit_metrics.json",
    },
    "report": {
        "charts": "chart_figures.csv",
        "card": "report_card.json",
    },
}
# Written by a stage's notebook beside its reports (relative to reports/<survey>/): the
# report's tables as a spreadsheet.
_REPORT_DATA = {"report": {"tables": "tables.xlsx"}}
# Rendered by the stage runner from the report notebook (relative to reports/<survey>/).
REPORT_FILES = {"html": "report.html", "pdf": "report.pdf"}
# The editions other than the default one (relative to reports/<survey>/): one folder,
# one DVC output (DVC cannot list a number of outputs that depends on params.yaml),
# holding each language's files and editions.json, the list of every edition.
EDITIONS = "editions"
EDITION_FILES = {
    "html": "report.{lang}.html",
    "pdf": "report.{lang}.pdf",
    "tables": "tables.{lang}.xlsx",
}
EDITIONS_LIST = "editions.json"


def data_outputs(stage: str, survey: str) -> dict[str, str]:
    """The files ``stage``'s notebook writes for ``survey``, by name (data, tables.xlsx)."""
    folder, reports = DATA.format(survey=survey), REPORTS.format(survey=survey)
    return {
        **{name: f"{folder}/{path}" for name, path in _DATA_FILES[stage].items()},
        **{name: f"{reports}/{path}" for name, path in _REPORT_DATA.get(stage, {}).items()},
    }


def notebook_output(stage: str, survey: str) -> str:
    """Where the executed, normalized notebook of ``stage`` goes."""
    number = STAGES.index(stage) + 1
    return f"{REPORTS.format(survey=survey)}/notebooks/{number:02d}_{stage}.ipynb"


def report_outputs(survey: str) -> dict[str, str]:
    """The rendered report files of ``survey``."""
    folder = REPORTS.format(survey=survey)
    return {name: f"{folder}/{path}" for name, path in REPORT_FILES.items()}


def editions_folder(survey: str) -> str:
    """The folder of ``survey``'s editions other than the default (one DVC output)."""
    return f"{REPORTS.format(survey=survey)}/{EDITIONS}"


def edition_files(survey: str, lang: str, default: bool) -> dict[str, str]:
    """The files of one edition (``html``, ``pdf``, ``tables``), from the project root.

    The default edition keeps the names of a one-language report (report.html, ...).
    """
    if default:
        return {**report_outputs(survey), "tables": data_outputs("report", survey)["tables"]}
    folder = editions_folder(survey)
    return {name: f"{folder}/{path.format(lang=lang)}" for name, path in EDITION_FILES.items()}


def editions_list(survey: str) -> str:
    """``editions.json``: every edition of ``survey`` (written also for one language)."""
    return f"{editions_folder(survey)}/{EDITIONS_LIST}"


def stage_outputs(stage: str, survey: str) -> list[str]:
    """Every output of ``stage`` for ``survey``: data, executed notebook, rendered reports."""
    outs = [*data_outputs(stage, survey).values(), notebook_output(stage, survey)]
    if stage == "report":
        outs += [*report_outputs(survey).values(), editions_folder(survey)]
    return outs


def scratch_path(path: str) -> str:
    """The scratch copy of a pipeline path (where a notebook run by hand writes it)."""
    return f"{SCRATCH}/{path}"
