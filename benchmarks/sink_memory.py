"""Memory of the Parquet hand-off's writer (``helpers.core.sinks.write_parquet``) by row count.

For each size: INVENTED rows with the hand-off schema of the survey ``scale.py``
generates (20 questions, 2 multiple choice; helpers.tools.synthetic_survey's codebook)
are written to a scratch Parquet file laid out as clean's mapping writes its scratch
(lz4, no statistics, row groups of 125,000 rows, as polars' ``sink_parquet`` makes
them); then a fresh process writes the hand-off from it with ``handoff.write_handoff``
(the query clean runs: the scan, each column cast to its stored type) to a scratch
file, sampling its RssAnon (/proc/self/status) every 20 ms. Printed: the peak and the
time. Measures and prints; asserts nothing. (Until 2026-12-07 the writer was pyarrow's,
fed row groups by hand, and this also printed RssAnon at each group; polars' own sink
has no such hook.)

    .venv/bin/python benchmarks/sink_memory.py --rows 3000000 9000000 27000000

``--src`` measures another checkout's ``src`` (e.g. a worktree of an older commit).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GENERATE = """
import sys
import numpy as np, polars as pl, pyarrow.parquet as pq
from helpers.core.codebook import parse_codebook
from helpers.core.handoff import response_types
from helpers.tools.synthetic_survey import make_codebook
rows, path = int(sys.argv[1]), sys.argv[2]
types = response_types(parse_codebook(make_codebook(20, multiple_choice=2)), "respondent_csv")
rng = np.random.default_rng(2025)
def chunk(start, n):
    cols = []
    for c, t in types.items():
        if c == "respondent_id":
            cols.append(pl.Series(c, [f"X{i:09d}" for i in range(start + 1, start + n + 1)]))
        elif c == "source_line":
            cols.append(pl.Series(c, np.arange(start + 2, start + n + 2, dtype=np.int64)))
        else:
            codes = t.categories.to_list() if isinstance(t, pl.Enum) else ["a", "b", "c"]
            picked = np.array(codes + [None], dtype=object)[rng.integers(0, len(codes) + 1, n)]
            cols.append(pl.Series(c, picked.tolist(), dtype=pl.String).cast(t))
    return pl.DataFrame(cols).to_arrow()
step, writer = 1_000_000, None
for s in range(0, rows, step):
    table = chunk(s, min(step, rows - s))
    writer = writer or pq.ParquetWriter(path, table.schema, compression="lz4",
                                        write_statistics=False)
    writer.write_table(table, row_group_size=125_000)
writer.close()
"""

WRITE = """
import json, sys, threading, time
import polars as pl
from helpers.core import handoff
from helpers.core.codebook import parse_codebook
from helpers.tools.synthetic_survey import make_codebook
def anon():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) // 1024 for l in fh if l.startswith("RssAnon"))
book = parse_codebook(make_codebook(20, multiple_choice=2))
types = handoff.response_types(book, "respondent_csv")
peak, done = [anon()], threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], anon())
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
start, t0 = anon(), time.time()
query = pl.scan_parquet(sys.argv[1])
handoff.write_handoff(sys.argv[2], query, types, {"benchmark": "INVENTED"})
done.set()
print(json.dumps({"start": start, "peak": peak[0], "s": time.time() - t0}))
"""


def run(code: str, args: list[str], src: Path) -> str:
    """Run ``code`` in a fresh interpreter with ``src`` first on its path; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def measure(rows: int, folder: Path, src: Path) -> dict:
    """Generate ``rows`` INVENTED rows (once per folder) and measure writing their hand-off."""
    scratch = folder / f"rows_{rows}.parquet"
    if not scratch.exists():
        run(GENERATE, [str(rows), str(scratch)], src)
    out = folder / "handoff.parquet"
    try:
        return json.loads(run(WRITE, [str(scratch), str(out)], src).splitlines()[-1])
    finally:
        out.unlink(missing_ok=True)


def main() -> int:
    """Measure each size in turn and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[3_000_000, 9_000_000])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--keep", type=Path, help="a folder to keep the scratch files in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sink_memory_"))
    folder.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(f"src {args.src}; load {load:.1f}; MiB of RssAnon")
    print("| rows | start | peak | s |")
    print("|---|---|---|---|")
    try:
        for rows in args.rows:
            m = measure(rows, folder, args.src)
            print(f"| {rows:,} | {m['start']} | {m['peak']} | {m['s']:.1f} |", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
