"""Run a command and report its wall time and peak memory (with its descendants)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """Wall time in seconds and peak resident memory in MiB of one command.

    ``load``: the machine's 1-minute load average when it started and ended (the
    machine is shared: read seconds beside it). ``returncode`` -9: stopped at its
    time limit (the peak is then the largest sampled RSS of its process tree).
    """

    label: str
    seconds: float
    peak_mib: float
    returncode: int
    stderr: str = ""
    load: str = ""


def _tree_rss_mib(root: int) -> float:
    """The summed RSS (MiB) of ``root`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21])  # pages
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sample(pid: int, stop: threading.Event, peak: list[float]) -> None:
    """Record the process tree's largest summed RSS until ``stop`` is set."""
    while not stop.wait(0.5):
        peak[0] = max(peak[0], _tree_rss_mib(pid))


def measure(
    label: str,
    cmd: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    quiet: bool = True,
    limit: float | None = None,
) -> Measurement:
    """Run ``cmd``; peak memory is the largest RSS of the process tree (wait4 rusage).

    ``limit`` (seconds): past it the command's process group is killed; its peak is
    then the largest summed RSS of its tree sampled every half second.
    """
    load = f"{os.getloadavg()[0]:.1f}"
    start = time.perf_counter()
    stop, sampled = threading.Event(), [0.0]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=err if quiet else None,
            start_new_session=True,  # its own process group, to stop it whole
        )
        sampler = threading.Thread(target=_sample, args=(proc.pid, stop, sampled), daemon=True)
        sampler.start()
        timer = threading.Timer(limit, os.killpg, (proc.pid, signal.SIGKILL)) if limit else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        stop.set()
        err.seek(0)
        text = err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and quiet:
        print(text[-2000:])
    peak = usage.ru_maxrss / 1024 if code != -signal.SIGKILL else sampled[0]
    load += f"-{os.getloadavg()[0]:.1f}"
    return Measurement(label, seconds, peak, code, text, load)


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
    lines = [f"{'step':<64} {'wall s':>8} {'peak MiB':>9} {'x floor':>8} {'load':>10}"]
    for m in rows:
        ratio = f"{m.seconds / floor.seconds:8.2f}" if floor else f"{'':8}"
        flag = "" if m.returncode == 0 else f"  (exit {m.returncode})"
        lines.append(f"{m.label:<64} {m.seconds:8.2f} {m.peak_mib:9.0f} {ratio} {m.load:>10}{flag}")
    return "\n".join(lines)


def measure_median(
    label: str,
    cmd: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    repeat: int = 3,
    limit: float | None = None,
) -> Measurement:
    """Run ``cmd`` ``repeat`` times; return the run with the median wall time.

    On a shared 2-core machine single runs vary by seconds; the median of a few
    is robust to one slow outlier. A failed run is returned at once.
    """
    runs = []
    for _ in range(repeat):
        m = measure(label, cmd, cwd, env, limit=limit)
        if m.returncode != 0:
            return m
        runs.append(m)
    runs.sort(key=lambda m: m.seconds)
    mid = runs[len(runs) // 2]
    label = f"{label} [median of {repeat}]" if repeat > 1 else label
    return Measurement(label, mid.seconds, mid.peak_mib, 0, mid.stderr, mid.load)
