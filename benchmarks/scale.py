"""Scale benchmark: every stage on 1M, 10M (and, on request, 100M) respondents x 20 questions.

    .venv/bin/python benchmarks/scale.py [--rows N [N ...]] [--questions Q]
                                         [--multiple-choice M] [--repeat R] [--keep DIR]
                                         [--stages S [S ...]] [--no-floors] [--limit SECONDS]

For each size (default: 1,000,000 and 10,000,000 respondents) it generates an
INVENTED survey deterministically, in chunks of ``CHUNK`` rows
(helpers.tools.synthetic_survey's codebook and rows; ids renumbered so they stay
unique), so that 100,000,000 rows are written without holding them. It first
checks that the disk holds the CSV and what the stages write (an estimate,
``BYTES_PER_ROW`` per copy). Then it measures, each in its own process (wall
time, peak RSS of the process tree), in the same run so that ratios compare like
with like on a noisy machine:

* the floors of issue 26, a bare script that only counts every answer column's values
  (not the id, free text or source line: no figure counts them; until 2026-12-07 the
  id was counted too):
  DuckDB with one scan (``GROUP BY GROUPING SETS``) and polars' streaming engine,
  over the export CSV (what clean reads) and over the Parquet hand-off (what
  summarize reads); up to ``EAGER_MAX`` rows also polars eager and pyarrow over
  the CSV (they hold the whole file: 8.8 GiB at 10M);
* each stage as the pipeline runs it (stage runner: papermill + kernel +
  notebook + helpers + outputs): extract, clean, summarize, audit, report;
* papermill on an empty notebook: the fixed cost every stage pays.

Each measurement prints the machine's load average at its start and end (the machine
may be shared). ``--limit S`` stops a stage after S seconds (its process group
killed; its peak is then the largest summed RSS of its tree, sampled every half
second); the stages after it are not run. ``--keep DIR`` keeps each generated survey
in ``DIR/rows-N/generated`` and uses it again in a later run with the same arguments.

It prints one table per size and the ratio of clean + summarize to the fastest
floor (target: within 2x). It asserts nothing: read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from helpers.core.codebook import load_codebook
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, export_columns

sys.path.insert(0, str(Path(__file__).parent))
from measure import Measurement, measure, table, write_empty_notebook  # noqa: E402
from measure import measure_median as _measure_median  # noqa: E402
from scale_scripts import FLOORS_CSV, FLOORS_EAGER, FLOORS_PARQUET, GENERATE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "scale"  # the one survey of the project copy (a key of `surveys:`)
CHUNK = 2_000_000  # rows generated at a time
EAGER_MAX = 10_000_000  # eager floors (whole file in memory) up to this size
BYTES_PER_ROW = 80  # the export CSV at 20 questions; the stages write about 3 copies more
STAGES = ("extract", "clean", "summarize", "audit", "report")


def measure_median(*args: object) -> Measurement:
    """measure.measure_median, its line printed as soon as it is measured (long runs)."""
    m = _measure_median(*args)  # type: ignore[arg-type]
    print(table([m]).splitlines()[1], flush=True)
    return m


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
            "engine": "polars",
            "spark_master": "local[2]",
            "languages": ["en"],
        }
    }
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def disk_ok(folder: Path, rows: int) -> bool:
    """Whether the disk under ``folder`` holds the CSV and the stages' files (printed)."""
    need = rows * BYTES_PER_ROW * 4
    free = shutil.disk_usage(folder).free
    print(f"disk: {free / 2**30:.1f} GiB free under {folder}, about {need / 2**30:.1f} GiB needed")
    return free > need


def floors(
    kind: str,
    codes: dict[str, str],
    path: Path,
    skip: list[str],
    cwd: Path,
    env: dict,
    rep: int,
    limit: float | None = None,
) -> list:
    """Each floor script run on ``path`` without ``skip``'s columns (stopped after ``limit`` s)."""
    return [
        measure_median(
            f"floor, {kind}: {name}",
            [sys.executable, "-c", code, str(path), ",".join(skip)],
            cwd,
            env,
            rep,
            limit,
        )
        for name, code in codes.items()
    ]


def not_counted(codebook: Path) -> list[str]:
    """The export's columns no figure counts: the id and the free-text answers."""
    book = load_codebook(str(codebook))
    cols = export_columns(book)
    return [*([cols.ids] if cols.ids else []), *cols.free_text.values()]


def run_size(rows: int, args: argparse.Namespace, work: Path) -> bool:
    """Generate one survey of ``rows`` respondents, measure, print; True if all ran."""
    py, rep = sys.executable, args.repeat
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    folder = work / f"rows-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    if not disk_ok(folder, rows):
        print(f"{rows:,} rows: not enough disk; skipped")
        return False
    project = folder / "project"
    shutil.rmtree(project, ignore_errors=True)
    data = project / "data" / "raw"  # inside the project: DVC records the source's path
    data.mkdir(parents=True)
    gen = generated(folder / "generated", rows, args, env)
    for name in ("survey.csv", "codebook.yaml"):  # a second name, not a copy
        os.link(folder / "generated" / name, data / name)
    survey, codebook = data / "survey.csv", data / "codebook.yaml"
    project_copy(project, survey.relative_to(project), codebook.relative_to(project))
    limit = args.limit
    runner = [py, "-m", "helpers.pipeline.runner"]
    stages: list[Measurement] = []
    for stage in args.stages:
        if stages and stages[-1].returncode != 0:
            break  # a later stage reads what the failed one did not write
        stages.append(
            measure_median(
                f"{stage} stage (stage runner, papermill)",
                [*runner, stage, SURVEY],
                project,
                env,
                rep if stage in ("clean", "summarize") else 1,
                args.limit,
            )
        )
    # The floors after the stages (a run stopped late still has the stages' figures).
    skip = not_counted(codebook)
    csv_floors = (
        floors("CSV", FLOORS_CSV, survey, skip, project, env, rep, limit) if args.floors else []
    )
    if rows <= EAGER_MAX and args.floors:
        csv_floors += floors("CSV", FLOORS_EAGER, survey, skip, project, env, rep, limit)
    handoff = project / "data" / "processed" / SURVEY / "responses.parquet"
    pq_skip = [ID_COLUMN, SOURCE_LINE]
    pq_floors = (
        floors("hand-off Parquet", FLOORS_PARQUET, handoff, pq_skip, project, env, rep, limit)
        if args.floors and handoff.exists()
        else []
    )
    write_empty_notebook(project / "empty.ipynb")
    fixed = measure_median(
        "papermill, empty notebook (a stage's fixed cost)",
        [str(Path(py).parent / "papermill"), "--no-progress-bar", "empty.ipynb", "empty-out.ipynb"],
        project,
        env,
        rep,
    )
    report(rows, args, survey, gen, csv_floors, stages, pq_floors, fixed)
    if not args.keep:
        shutil.rmtree(folder)
    else:
        shutil.rmtree(project)  # the stages' files; the generated survey stays for --keep
    return all(m.returncode == 0 for m in [gen, *csv_floors, *stages, *pq_floors])


def generated(folder: Path, rows: int, args: argparse.Namespace, env: dict) -> Measurement:
    """The survey of ``rows`` respondents generated in ``folder`` (kept there by ``--keep``).

    With ``--keep``, a survey generated there before with the same arguments is used
    again (its measurement then says so): generating 100M rows takes longer than a stage.
    """
    stamp = folder / "generated.txt"
    wanted = f"{rows} {args.questions} {args.multiple_choice} {CHUNK}\n"
    if args.keep and stamp.exists() and stamp.read_text() == wanted:
        return Measurement("generate survey: generated before, used again", 0.0, 0.0, 0)
    shutil.rmtree(folder, ignore_errors=True)
    gen = measure(
        "generate survey (not part of the comparison)",
        [sys.executable, "-c", GENERATE, str(folder), str(rows), str(args.questions)]
        + [str(args.multiple_choice), str(CHUNK)],
        ROOT,
        env,
    )
    if gen.returncode == 0:
        stamp.write_text(wanted)
    return gen


def report(
    rows: int,
    args: argparse.Namespace,
    survey: Path,
    gen: Measurement,
    csv_floors: list[Measurement],
    stages: list[Measurement],
    pq_floors: list[Measurement],
    fixed: Measurement,
) -> None:
    """Print the table of one size and the ratios to the fastest floor."""
    print(
        f"\nsurvey: {rows:,} respondents x {args.questions} questions "
        f"({args.multiple_choice} multiple choice), "
        f"{survey.stat().st_size / 2**20 if survey.exists() else 0:.0f} MiB CSV"
    )
    if not csv_floors:
        print(table([gen, *stages, fixed]))
        return
    done = [m for m in csv_floors if m.returncode == 0]
    if not done:
        print(table([gen, *csv_floors, *stages, *pq_floors, fixed]))
        return
    fastest = min(done, key=lambda m: m.seconds)
    print(table([gen, *csv_floors, *stages, *pq_floors, fixed], fastest))
    print(f"fastest CSV floor: {fastest.label} {fastest.seconds:.2f} s, {fastest.peak_mib:.0f} MiB")
    if not stages or any(m.returncode for m in stages):
        return
    both = [m for m in stages if m.label.startswith(("clean", "summarize"))]
    seconds = sum(m.seconds for m in both)
    print(
        f"clean + summarize stages: {seconds:.2f} s = {seconds / fastest.seconds:.2f} x the "
        f"fastest floor (target <= 2); minus twice a stage's fixed cost "
        f"({fixed.seconds:.2f} s): {(seconds - 2 * fixed.seconds) / fastest.seconds:.2f} x"
    )
    print(f"peak memory of any stage: {max(m.peak_mib for m in stages):.0f} MiB (target <= 8192)")


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
    parser.add_argument(
        "--keep",
        type=Path,
        help="work folder whose generated surveys are kept and used again (default: temporary)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument(
        "--limit",
        type=float,
        help="seconds after which a stage is stopped (its time and sampled peak printed)",
    )
    parser.add_argument(
        "--stages", nargs="+", default=list(STAGES), choices=STAGES, help="stages to run, in order"
    )
    parser.add_argument(
        "--no-floors", dest="floors", action="store_false", help="measure the stages only"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ok = [run_size(rows, args, work) for rows in args.rows]
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
