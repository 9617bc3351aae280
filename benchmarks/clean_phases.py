"""Clean's phases timed one by one on a respondent CSV export, outside papermill.

    .venv/bin/python benchmarks/clean_phases.py FOLDER

``FOLDER`` holds ``survey.csv`` and ``codebook.yaml`` (e.g. a survey that
``benchmarks/scale.py --keep DIR`` generated: ``DIR/rows-N/generated``, INVENTED data).
It runs what notebook 02 runs for an export, phase by phase, and prints each phase's
wall time: the structure pass and the block read to ``raw.parquet``; the mapping
written once into the hand-off (:func:`helpers.core.handoff.kept_responses`); the
invariants; each output (``responses.csv`` read from the hand-off, the hand-off's copy,
the free text). Then a lower bound of clean's work that needs no checks and no
mapping: polars reads the CSV whole, writes it as CSV and as Parquet. Measures and
prints; asserts nothing; the outputs go to a scratch folder removed at the end.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from helpers.clean.export import check_export_responses, clean_export
from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.sinks import polars_csv_sink
from helpers.extract.export import export_columns, work_folder
from helpers.extract.respondents import scan_respondents

KIND = "respondent_csv"


def phases(folder: Path, out: Path) -> list[tuple[str, float]]:
    """Each phase of clean on ``folder``'s survey, its outputs in ``out``: (name, seconds)."""
    survey, codebook = str(folder / "survey.csv"), str(folder / "codebook.yaml")
    book = load_codebook(codebook)
    laps, t = [], time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        laps.append((name, now - t))
        t = now

    raw = scan_respondents(survey, book, KIND, encoding="utf-8")
    lap("structure pass + block read to raw.parquet")
    keep, copy = handoff.kept_responses(
        book, KIND, codebook, Path(work_folder()) / "responses.parquet"
    )
    result, free_text = clean_export(raw, book, survey, 1.0, keep)
    lap("distinct values, mapping into the hand-off, rejects, counts")
    responses = check_export_responses(result.responses, book, str(out / "responses.csv"))
    lap("invariants (ids, lines, multiple choice)")
    polars_csv_sink(responses, out / "responses.csv")
    lap("responses.csv (from the hand-off)")
    copy(out / "responses.parquet")
    lap("responses.parquet (a copy)")
    polars_csv_sink(free_text, out / "free_text.csv")
    handoff.free_text_sink(free_text, KIND, codebook)(out / "free_text.parquet")
    lap("free_text.csv and free_text.parquet")
    return laps


def lower_bound(folder: Path, out: Path) -> list[tuple[str, float]]:
    """The CSV read whole by polars, written as CSV and as Parquet: (name, seconds)."""
    laps, t = [], time.perf_counter()
    cols = export_columns(load_codebook(str(folder / "codebook.yaml")))
    frame = pl.read_csv(folder / "survey.csv", infer_schema=False)
    frame = frame.with_columns(pl.col(*cols.coded).cast(pl.Categorical))
    laps.append(("read the CSV (polars, whole)", time.perf_counter() - t))
    t = time.perf_counter()
    frame.write_csv(out / "bound.csv", line_terminator="\n", quote_style="necessary")
    laps.append(("write it as CSV", time.perf_counter() - t))
    t = time.perf_counter()
    frame.write_parquet(out / "bound.parquet", compression="zstd", statistics=False)
    laps.append(("write it as Parquet", time.perf_counter() - t))
    return laps


def main() -> int:
    """Print clean's phases and the lower bound for the survey in ``sys.argv[1]``."""
    folder = Path(sys.argv[1])
    out = Path(tempfile.mkdtemp(prefix="clean_phases_"))
    try:
        for title, laps in (
            ("clean, phase by phase", phases(folder, out)),
            ("lower bound", lower_bound(folder, out)),
        ):
            print(f"{title}:")
            for name, seconds in laps:
                print(f"  {name:62s} {seconds:7.2f} s")
            print(f"  {'total':62s} {sum(s for _, s in laps):7.2f} s", flush=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
