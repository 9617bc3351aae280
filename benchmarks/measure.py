"""Run a command and report its wall time and peak memory (with its descendants)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """Wall time in seconds and peak resident memory in MiB of one command."""

    label: str
    seconds: float
    peak_mib: float
    returncode: int
    stderr: str = ""


def measure(
    label: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None, quiet: bool = True
) -> Measurement:
    """Run ``cmd``; peak memory is the largest RSS of the process tree (wait4 rusage)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=err if quiet else None,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and quiet:
        print(text[-2000:])
    return Measurement(label, seconds, usage.ru_maxrss / 1024, code, text)


def write_empty_notebook(path: Path) -> Path:
    """An empty notebook (one ``pass`` cell, python3 kernel): the papermill baseline."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("pass")]
    nbformat.write(nb, path)
    return path


def table(rows: list[Measurement], floor: Measurement | None = None) -> str:
    """A plain-text table of measurements, with the ratio to ``floor`` when given."""
    lines = [f"{'step':<64} {'wall s':>8} {'peak MiB':>9} {'x floor':>8}"]
    for m in rows:
        ratio = f"{m.seconds / floor.seconds:8.2f}" if floor else ""
        flag = "" if m.returncode == 0 else f"  (exit {m.returncode})"
        lines.append(f"{m.label:<64} {m.seconds:8.2f} {m.peak_mib:9.0f} {ratio}{flag}")
    return "\n".join(lines)


def measure_median(
    label: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None, repeat: int = 3
) -> Measurement:
    """Run ``cmd`` ``repeat`` times; return the run with the median wall time.

    On a shared 2-core machine single runs vary by seconds; the median of a few
    is robust to one slow outlier. A failed run is returned at once.
    """
    runs = []
    for _ in range(repeat):
        m = measure(label, cmd, cwd, env)
        if m.returncode != 0:
            return m
        runs.append(m)
    runs.sort(key=lambda m: m.seconds)
    mid = runs[len(runs) // 2]
    return Measurement(f"{label} [median of {repeat}]", mid.seconds, mid.peak_mib, 0, mid.stderr)
