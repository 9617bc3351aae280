"""Peak memory of the extract and clean stages on an SPSS .sav export (issue 26, item 1).

    nice -n 19 .venv/bin/python benchmarks/labelled_memory.py [--cases N [N ...]]
        [--variables V] [--compress none|bytecode] [--before SRC] [--work DIR]

For each size (default 1,000,000 and 4,000,000 cases) it writes an INVENTED .sav of
``V`` variables (default 20: an id, ``V - 2`` closed questions coded 1 to 5, a
comment; pyreadstat.write_sav) with its codebook, in a project copy under ``DIR``
(default: a temporary folder under /tmp, removed at the end), then runs the extract
and clean stages as the pipeline runs them (``python -m helpers.pipeline.runner``)
under ``/usr/bin/time -v``, and prints each stage's wall time and "Maximum resident
set size". ``--before SRC``: also run them with another copy of the package (e.g.
/work/main/src, the code before the change) first, for a side-by-side table. It
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import yaml

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "labelled"
STAGES = ("extract", "clean")


def codebook(variables: int) -> dict:
    """The INVENTED survey's codebook: RESP_ID, Q1.. (codes 1 to 5), COMMENT."""
    answers = [{"code": str(c), "label": f"Answer {c}"} for c in range(1, 6)]
    questions = [
        {
            "id": f"q{j}",
            "column": f"Q{j}",
            "type": "single_choice",
            "text": f"Question {j}?",
            "short": f"Q{j}",
            "answers": [dict(a) for a in answers],
            "breakdowns": [],
        }
        for j in range(1, variables - 1)
    ]
    questions.append(
        {"id": "comment", "column": "COMMENT", "type": "free_text", "text": "Anything?"}
    )
    return {
        "survey": {
            "id": SURVEY,
            "title": "Labelled memory benchmark (INVENTED)",
            "publisher": "nobody (invented data)",
            "respondent_unit": "respondent",
            "respondent_unit_plural": "respondents",
        },
        "input": {"respondent_id": "RESP_ID"},
        "groups": [],
        "questions": questions,
        "breakdowns": {"by_group": [], "crosstabs": []},
    }


def write_sav(path: Path, cases: int, variables: int, compress: str) -> None:
    """The INVENTED cases (seeded): ids, codes 1 to 5, a comment on one case in ten."""
    rng = np.random.default_rng(26)
    columns: dict[str, object] = {"RESP_ID": [f"R{i:09d}" for i in range(1, cases + 1)]}
    for j in range(1, variables - 1):
        columns[f"Q{j}"] = rng.integers(1, 6, cases).astype(float)
    columns["COMMENT"] = np.where(rng.random(cases) < 0.1, "an invented comment", "")
    pyreadstat.write_sav(pd.DataFrame(columns), str(path), row_compress=compress == "bytecode")


def project(dest: Path, cases: int, variables: int, compress: str) -> None:
    """A project copy whose one survey is the INVENTED .sav."""
    for name in ("dvc.yaml", "notebooks", "codebooks"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    raw = dest / "data" / "raw"
    raw.mkdir(parents=True)
    write_sav(raw / "survey.sav", cases, variables, compress)
    (raw / "codebook.yaml").write_text(yaml.safe_dump(codebook(variables)), encoding="utf-8")
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    entry = {
        "input_kind": "respondent_sav",
        "source": "data/raw/survey.sav",
        "encoding": "utf-8",
        "codebook": "data/raw/codebook.yaml",
        "overrides": {},
        "engine": "polars",
        "spark_master": "local[2]",
        "languages": ["en"],
    }
    params["surveys"] = {SURVEY: entry}
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def timed(stage: str, cwd: Path, src: Path) -> tuple[float, float, int]:
    """Wall seconds, maximum RSS (MiB) and exit code of one stage under /usr/bin/time -v."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "helpers.pipeline.runner", stage, SURVEY]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr)
    seconds = sum(float(p) * 60**i for i, p in enumerate(reversed(wall.group(1).split(":"))))
    if done.returncode:
        print(done.stderr[-1500:], file=sys.stderr)
    return seconds, int(rss.group(1)) / 1024, done.returncode


def main() -> int:
    """Measure each size, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--variables", type=int, default=20)
    parser.add_argument("--compress", choices=("none", "bytecode"), default="bytecode")
    parser.add_argument("--before", type=Path, help="another src folder to measure first")
    parser.add_argument("--work", type=Path, help="scratch folder (default: temporary)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="labelled-memory-", dir="/tmp"))
    sources = ([("before", args.before)] if args.before else []) + [("after", ROOT / "src")]
    print("| cases | code | stage | seconds | peak RSS (MiB) | exit |")
    print("|---:|---|---|---:|---:|---:|")
    try:
        for cases in args.cases:
            dest = work / f"cases-{cases}"
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            project(dest, cases, args.variables, args.compress)
            for label, src in sources:
                for stage in STAGES:
                    seconds, mib, code = timed(stage, dest, src)
                    row = f"| {cases:,} | {label} | {stage} | {seconds:.1f} | {mib:,.0f} | {code} |"
                    print(row, flush=True)
            shutil.rmtree(dest)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
