"""Write survey.csv: statsmodels' anes96 data as a survey tool would export it.

    .venv/bin/python data/examples/anes96/make_export.py

The 944 rows of ``statsmodels.datasets.anes96`` (public domain), every column as
pandas writes a float column (``6.0``), in the shipped order, without an id
column (rows are numbered). Deterministic: same statsmodels, same bytes.
"""

from pathlib import Path

from statsmodels.datasets import anes96

COLUMNS = ["popul", "TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "age", "educ", "income",
           "vote"]  # fmt: skip

if __name__ == "__main__":
    data = anes96.load_pandas().data[COLUMNS]
    out = Path(__file__).with_name("survey.csv")
    out.write_text(data.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    print(f"{out}: {len(data)} rows")
