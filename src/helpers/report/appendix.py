"""The reproducibility appendix (inputs, parameters, software) and the report's index card."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any

import pandas as pd
import yaml
from markupsafe import Markup

from helpers.core.i18n import _
from helpers.core.tables import json_text
from helpers.report.rows import count
from helpers.report.tables import table_data
from helpers.report.templating import render

REPORTED_PACKAGES = (
    "polars",
    "narwhals",
    "pyarrow",
    "pandas",
    "numpy",
    "scipy",
    "svy",
    "matplotlib",
    "pandera",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "weasyprint",
    "dvc",
)


def appendix(
    source: dict[str, Any], params: dict[str, Any], codebook_sha: str, tables: str = "tables.xlsx"
) -> Markup:
    """Input hashes, parameters and package versions (``tables``: the spreadsheet's link)."""
    versions = pd.DataFrame(
        {
            _("Package"): ["python", *REPORTED_PACKAGES],
            _("Version"): [
                platform.python_version(),
                *[importlib.metadata.version(p) for p in REPORTED_PACKAGES],
            ],
        }
    )
    inputs = pd.DataFrame(
        {
            _("Input"): [source["path"], params["codebook"]],
            "sha256": [source["sha256"], codebook_sha],
        }
    )
    return render(
        "appendix.html",
        inputs=table_data(inputs, _("Inputs"), cls="inputs"),
        params=yaml.safe_dump(params, sort_keys=False, allow_unicode=True),
        versions=table_data(versions, _("Software")),
        tables=tables,
    )


def report_card(data: Any, survey: str) -> str:
    """The facts ``reports/index.html`` shows for this survey's report (JSON text).

    ``data``: the report's :class:`helpers.report.inputs.ReportInputs`.
    """
    audit = data.audit
    statuses = audit["status"].value_counts().to_dict() if len(audit) else {}
    return json_text(
        {
            "survey": survey,
            "title": data.book.survey.title_or(survey),
            "input_kind": data.adapter.kind.name,
            "source": data.source["path"],
            "respondents": count(data.responses),
            "figures": int(len(data.summaries)),
            "claims": int(len(data.claims)),
            "audit": {str(k): int(v) for k, v in sorted(statuses.items())},
        }
    )
