"""Scale benchmark: clean + summarize a 1,000,000 x 20 respondent-level survey.

    .venv/bin/python benchmarks/scale.py [--rows N] [--questions Q] [--multiple-choice M]
                                         [--repeat R] [--keep DIR]

Generates an invented survey deterministically (helpers.tools.synthetic_survey), then
measures, each in its own process (wall time, peak RSS of the process tree):

* floor: a bare pandas script that only reads the CSV and counts each column;
* the clean and summarize stages as the pipeline runs them (stage runner:
  papermill + kernel + notebook + helpers + outputs);
* the same helpers called directly, without papermill (the work itself);
* papermill on an empty notebook: the fixed cost every stage pays whatever the
  data size (benchmarks/overhead.py measures it across the whole pipeline).

Each is the median of ``--repeat`` runs (a shared 2-core machine is noisy).

It prints the table and the size of provenance.json. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure, measure_median, table, write_empty_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "scale"  # the one survey of the project copy (a key of `surveys:`)
FLOOR = """
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
counts = [df[c].value_counts(dropna=False) for c in df.columns]
"""
DIRECT = """
import sys
from helpers.core.codebook import load_codebook
from helpers.clean.export import clean_export
from helpers.extract.export import read_export
from helpers.core.schemas import free_text_schema, read_responses, schema_for, validate
from helpers.pipeline.config import load_params, project_root
from helpers.summarize.summaries import summarize
from helpers.core.tables import read_csv
from helpers.pipeline.staging import write_outputs
book = load_codebook(sys.argv[2])
if sys.argv[3] == "clean":
    raw = read_export(sys.argv[1], book)
    result, free = clean_export(raw, book, sys.argv[1])
    responses = validate(schema_for("respondent_csv", book), result.responses, "responses")
    free = validate(free_text_schema(book), free, "free_text")
    write_outputs({"direct/responses.csv": responses, "direct/free_text.csv": free})
else:
    responses = read_responses("direct/responses.csv", "respondent_csv", book)
    free = read_csv("direct/free_text.csv")
    out = summarize(responses, free, book, load_params(project_root()).stats)
    write_outputs({"direct/summaries.csv": out.figures})
"""


def project_copy(dest: Path, survey: Path, codebook: Path) -> None:
    """A minimal project tree whose params.yaml holds one survey: the generated one.

    ``surveys:`` has exactly the survey ``SURVEY`` (a respondent-level CSV export);
    the shared ``stats:`` and ``report:`` sections are the repository's.
    """
    for name in ("dvc.yaml", "notebooks", "codebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")  # dvc.yaml's commands run .venv/bin/python
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["surveys"] = {SURVEY: {"input_kind": "respondent_csv", "source": str(survey),
                                  "encoding": "utf-8", "codebook": str(codebook),
                                  "overrides": {}}}  # fmt: skip
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def main() -> int:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--multiple-choice", type=int, default=2,
                        help="how many of the questions are multiple choice")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    gen = measure("generate survey (not part of the comparison)",
                  [py, "-m", "helpers.tools.synthetic_survey", str(work / "data"), "--rows",
                   str(args.rows), "--questions", str(args.questions), "--unknown-codes",
                   "25", "--multiple-choice", str(args.multiple_choice)], ROOT, env)  # fmt: skip
    survey, codebook = work / "data" / "survey.csv", work / "data" / "codebook.yaml"
    project = work / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    project_copy(project, survey, codebook)
    (project / "direct").mkdir()
    rep = args.repeat
    floor = measure_median("floor: bare pandas read_csv + value_counts",
                           [py, "-c", FLOOR, str(survey)], project, env, rep)  # fmt: skip
    runner = [py, "-m", "helpers.pipeline.runner"]
    extract = measure("extract stage (header check + sha256)", [*runner, "extract", SURVEY],
                      project, env)  # fmt: skip
    rows = [
        measure_median("clean stage (stage runner, papermill)", [*runner, "clean", SURVEY],
                       project, env, rep),
        measure_median("summarize stage (stage runner, papermill)",
                       [*runner, "summarize", SURVEY], project, env, rep),
    ]  # fmt: skip
    direct = [
        measure_median("clean helpers, direct (no papermill)",
                       [py, "-c", DIRECT, str(survey), str(codebook), "clean"], project, env, rep),
        measure_median("summarize helpers, direct (no papermill)",
                       [py, "-c", DIRECT, str(survey), str(codebook), "summarize"], project, env,
                       rep),
    ]  # fmt: skip
    write_empty_notebook(project / "empty.ipynb")
    fixed = measure_median("papermill, empty notebook (a stage's fixed cost)",
                           [str(Path(py).parent / "papermill"), "--no-progress-bar",
                            "empty.ipynb", "empty-out.ipynb"], project, env, rep)  # fmt: skip
    print(f"survey: {args.rows:,} respondents x {args.questions} questions "
          f"({args.multiple_choice} multiple choice), "
          f"{survey.stat().st_size / 2**20:.0f} MiB CSV ({work})")
    print(table([gen, floor, extract, *rows, *direct, fixed], floor))
    staged = sum(m.seconds for m in rows)
    work_only = sum(m.seconds for m in direct)
    print(f"clean + summarize stages: {staged:.2f} s = {staged / floor.seconds:.1f} x floor; "
          f"peak {max(m.peak_mib for m in rows):.0f} MiB")
    variable = staged - 2 * fixed.seconds
    print(f"clean + summarize stages minus twice the fixed cost of a stage: {variable:.2f} s = "
          f"{variable / floor.seconds:.1f} x floor")
    print(f"clean + summarize helpers without papermill: {work_only:.2f} s = "
          f"{work_only / floor.seconds:.1f} x floor; peak "
          f"{max(m.peak_mib for m in direct):.0f} MiB")
    prov = project / "data" / "processed" / SURVEY / "provenance.json"
    if prov.exists():
        print(f"provenance.json: {prov.stat().st_size / 1024:.0f} KiB for "
              f"{args.rows:,} respondents")
    if not args.keep:
        shutil.rmtree(work)
    return 0 if all(m.returncode == 0 for m in [floor, extract, *rows, *direct]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
