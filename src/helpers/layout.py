"""Where each stage reads and writes (the same paths as dvc.yaml's deps and outs).

A test checks that dvc.yaml lists exactly these outputs for each stage.
"""

from __future__ import annotations

EXTRACT = {
    "lines": "data/processed/extracted/source_lines.csv",
    "mentions": "data/processed/extracted/mentions.csv",
    "free_text": "data/processed/extracted/free_text.csv",
    "source": "data/processed/extracted/source.json",
    "claims": "data/processed/claims.csv",
}
CLEAN = {
    "responses": "data/processed/responses.csv",
    "free_text": "data/processed/free_text.csv",
    "rejects": "data/processed/rejects.csv",
    "reconciliation": "data/processed/reconciliation.csv",
}
SUMMARIZE = {
    "summaries": "data/processed/summaries.csv",
    "provenance": "data/processed/provenance.json",
    "metrics": "data/processed/metrics.json",
}
AUDIT = {
    "audit": "data/processed/audit.csv",
    "metrics": "data/processed/audit_metrics.json",
}
REPORT = {
    "charts": "data/processed/chart_figures.csv",
}
STAGE_OUTPUTS = {"extract": EXTRACT, "clean": CLEAN, "summarize": SUMMARIZE, "audit": AUDIT,
                 "report": REPORT}
