"""Write the exports of statsmodels' anes96 data as survey tools would: CSV, SPSS, Stata.

    .venv/bin/python data/examples/anes96/make_export.py

The 944 rows of ``statsmodels.datasets.anes96`` (public domain), in the shipped
order, without an id column (rows are numbered):

* ``survey.csv``: every column as pandas writes a float column (``6.0``);
* ``survey.sav`` (SPSS) and ``survey.dta`` (Stata), written by pyreadstat with the
  variable labels and value labels of the dataset's documentation (the codebook's
  texts and answers). The .sav also declares, as survey tools do, a user-missing
  code 99 "Refused" on ``income`` (no case holds it), so that
  ``python -m helpers.tools.codebook draft survey.sav`` has one to find.

The CSV is byte-identical on every run; the .sav and .dta carry the time they were
written in their headers, so they are inputs committed once, not regenerated.
"""

from pathlib import Path

import yaml
from statsmodels.datasets import anes96

HERE = Path(__file__).parent
COLUMNS = ["popul", "TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "age", "educ", "income",
           "vote"]  # fmt: skip
NUMERIC_LABELS = {"popul": "Census place population in 1000s",
                  "TVnews": "Number of times per week that respondent watches TV news",
                  "age": "Age of respondent"}  # fmt: skip


def labels() -> tuple[dict[str, str], dict[str, dict[float, str]]]:
    """Variable labels and value labels, from the codebook (the dataset's documentation)."""
    book = yaml.safe_load((HERE / "codebook.yaml").read_text(encoding="utf-8"))
    variable = dict(NUMERIC_LABELS)
    values: dict[str, dict[float, str]] = {}
    for item in [*book["questions"], *book["groups"]]:
        column = item["column"]
        variable.setdefault(column, item.get("text") or item["label"])
        options = item.get("answers") or item.get("values")
        values[column] = {float(o["code"]): o["label"] for o in options}
    values["income"][99.0] = "Refused"
    return variable, values


if __name__ == "__main__":
    import pyreadstat

    data = anes96.load_pandas().data[COLUMNS]
    csv = HERE / "survey.csv"
    csv.write_text(data.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    variable, values = labels()
    column_labels = [variable.get(c) for c in COLUMNS]
    measure = {c: "ordinal" for c in ("selfLR", "ClinLR", "DoleLR", "PID", "educ", "income")}
    measure |= {"vote": "nominal"} | {c: "scale" for c in NUMERIC_LABELS}
    pyreadstat.write_sav(data, HERE / "survey.sav", file_label="ANES 1996 (statsmodels anes96)",
                         column_labels=column_labels, variable_value_labels=values,
                         missing_ranges={"income": [99]}, variable_measure=measure)
    short = [label[:80] for label in column_labels]  # Stata: at most 80 characters
    pyreadstat.write_dta(data, HERE / "survey.dta", file_label="ANES 1996 (statsmodels anes96)",
                         column_labels=short, variable_value_labels=values)
    print(f"{csv}, survey.sav, survey.dta: {len(data)} rows")
