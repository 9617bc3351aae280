"""Scale benchmark: clean + summarize respondent-level surveys of 1,000,000 and 10,000,000 x 20.

    .venv/bin/python benchmarks/scale.py [--rows N [N ...]] [--questions Q]
                                         [--multiple-choice M] [--repeat R] [--keep DIR]

For each size (default: 1,000,000 and 10,000,000 respondents), it generates an
invented survey deterministically (helpers.tools.synthetic_survey), then
measures, each in its own process (wall time, peak RSS of the process tree), in
the same run so that ratios compare like with like on a noisy machine:

* the floors: a bare script that only reads the CSV and counts every column,
  with polars (eager ``read_csv`` + ``value_counts``), with pyarrow
  (``pyarrow.csv.read_csv`` + ``value_counts``) and, for reference, pandas;
* the clean and summarize stages as the pipeline runs them (stage runner:
  papermill + kernel + notebook + helpers + outputs);
* the same helpers called directly, without papermill (the work itself);
* papermill on an empty notebook: the fixed cost every stage pays whatever the
  data size (benchmarks/overhead.py measures it across the whole pipeline).

Each is the median of ``--repeat`` runs. It prints one table per size, the
ratios to the fastest floor (targets: stages within 2x of it, peak memory
within 1.5x of its peak) and the size of provenance.json. It asserts nothing.
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
from measure import Measurement, measure, measure_median, table, write_empty_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "scale"  # the one survey of the project copy (a key of `surveys:`)
FLOORS = {
    "polars": """
import sys, polars as pl
df = pl.read_csv(sys.argv[1])
counts = [df[c].value_counts() for c in df.columns]
""",
    "pyarrow": """
import sys, pyarrow.csv as csv
table = csv.read_csv(sys.argv[1])
counts = [table.column(i).value_counts() for i in range(table.num_columns)]
""",
    "pandas": """
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
counts = [df[c].value_counts(dropna=False) for c in df.columns]
""",
}
# What the clean and summarize notebooks do, without papermill, a kernel or the stage runner.
DIRECT = """
import sys
from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.tables import json_text
from helpers.pipeline.staging import write_outputs
survey, codebook, which = sys.argv[1:4]
book = load_codebook(codebook)
if which == "clean":
    from helpers.clean.export import check_export_responses, clean_export
    from helpers.extract.export import read_export
    result, free = clean_export(read_export(survey, book), book, survey)
    responses = check_export_responses(result.responses, book, "responses")
    write_outputs({
        "direct/responses.csv": responses, "direct/free_text.csv": free,
        "direct/responses.parquet": handoff.responses_bytes(responses, book, "respondent_csv",
                                                            codebook),
        "direct/free_text.parquet": handoff.free_text_bytes(free, "respondent_csv", codebook),
        "direct/rejects.csv": result.rejects, "direct/reconciliation.csv": result.counts})
else:
    from helpers.pipeline.config import load_params, project_root
    from helpers.summarize import provenance
    from helpers.summarize.summaries import summarize
    responses = handoff.read_responses("direct/responses.parquet", book, "respondent_csv",
                                       codebook)
    free = handoff.read_free_text("direct/free_text.parquet", "respondent_csv", codebook)
    out = summarize(responses, free, book, load_params(project_root()).stats)
    prov = provenance.build(out.rules, "summarize", "direct", {}, {}, {})
    write_outputs({"direct/summaries.csv": out.figures, "direct/provenance.json": json_text(prov)})
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
    params["surveys"] = {
        SURVEY: {
            "input_kind": "respondent_csv",
            "source": str(survey),
            "encoding": "utf-8",
            "codebook": str(codebook),
            "overrides": {},
        }
    }
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def run_size(rows: int, args: argparse.Namespace, work: Path) -> bool:
    """Generate one survey of ``rows`` respondents, measure, print; True if all ran."""
    py = sys.executable
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    folder = work / f"rows-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    gen = measure(
        "generate survey (not part of the comparison)",
        [
            py,
            "-m",
            "helpers.tools.synthetic_survey",
            str(folder / "data"),
            "--rows",
            str(rows),
            "--questions",
            str(args.questions),
            "--unknown-codes",
            "25",
            "--multiple-choice",
            str(args.multiple_choice),
        ],
        ROOT,
        env,
    )
    survey, codebook = folder / "data" / "survey.csv", folder / "data" / "codebook.yaml"
    project = folder / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    project_copy(project, survey, codebook)
    (project / "direct").mkdir()
    rep = args.repeat
    floors = {
        name: measure_median(
            f"floor: bare {name} read_csv + value_counts",
            [py, "-c", code, str(survey)],
            project,
            env,
            rep,
        )
        for name, code in FLOORS.items()
    }
    fastest = min((floors["polars"], floors["pyarrow"]), key=lambda m: m.seconds)
    runner = [py, "-m", "helpers.pipeline.runner"]
    extract = measure(
        "extract stage (header check + sha256)", [*runner, "extract", SURVEY], project, env
    )
    stages = [
        measure_median(
            "clean stage (stage runner, papermill)", [*runner, "clean", SURVEY], project, env, rep
        ),
        measure_median(
            "summarize stage (stage runner, papermill)",
            [*runner, "summarize", SURVEY],
            project,
            env,
            rep,
        ),
    ]
    direct = [
        measure_median(
            "clean helpers, direct (no papermill)",
            [py, "-c", DIRECT, str(survey), str(codebook), "clean"],
            project,
            env,
            rep,
        ),
        measure_median(
            "summarize helpers, direct (no papermill)",
            [py, "-c", DIRECT, str(survey), str(codebook), "summarize"],
            project,
            env,
            rep,
        ),
    ]
    write_empty_notebook(project / "empty.ipynb")
    fixed = measure_median(
        "papermill, empty notebook (a stage's fixed cost)",
        [str(Path(py).parent / "papermill"), "--no-progress-bar", "empty.ipynb", "empty-out.ipynb"],
        project,
        env,
        rep,
    )
    print(
        f"\nsurvey: {rows:,} respondents x {args.questions} questions "
        f"({args.multiple_choice} multiple choice), "
        f"{survey.stat().st_size / 2**20:.0f} MiB CSV ({folder})"
    )
    print(table([gen, *floors.values(), extract, *stages, *direct, fixed], fastest))
    print(
        f"fastest floor: {fastest.label} {fastest.seconds:.2f} s, peak {fastest.peak_mib:.0f} MiB"
    )
    both = Measurement("", sum(m.seconds for m in stages), max(m.peak_mib for m in stages), 0)
    work_only = Measurement("", sum(m.seconds for m in direct), max(m.peak_mib for m in direct), 0)
    print(
        f"clean + summarize stages: {both.seconds:.2f} s = "
        f"{both.seconds / fastest.seconds:.2f} x the fastest floor (target <= 2); peak "
        f"{both.peak_mib:.0f} MiB = {both.peak_mib / fastest.peak_mib:.2f} x its peak "
        f"(target <= 1.5)"
    )
    variable = both.seconds - 2 * fixed.seconds
    print(
        f"clean + summarize stages minus twice the fixed cost of a stage: {variable:.2f} s = "
        f"{variable / fastest.seconds:.2f} x the fastest floor"
    )
    print(
        f"clean + summarize helpers without papermill: {work_only.seconds:.2f} s = "
        f"{work_only.seconds / fastest.seconds:.2f} x the fastest floor; peak "
        f"{work_only.peak_mib:.0f} MiB = {work_only.peak_mib / fastest.peak_mib:.2f} x"
    )
    prov = project / "data" / "processed" / SURVEY / "provenance.json"
    if prov.exists():
        print(f"provenance.json: {prov.stat().st_size / 1024:.0f} KiB for {rows:,} respondents")
    if not args.keep:
        shutil.rmtree(folder)
    return all(m.returncode == 0 for m in [*floors.values(), extract, *stages, *direct])


def main() -> int:
    """Generate, measure, print, for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument(
        "--multiple-choice",
        type=int,
        default=2,
        help="how many of the questions are multiple choice",
    )
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ok = [run_size(rows, args, work) for rows in args.rows]
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
