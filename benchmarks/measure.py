"""Run a command and report its wall time and peak memory (with its descendants)."""

from __future__ import annotations

import os
import subprocess
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


def measure(label: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
            quiet: bool = True) -> Measurement:  # fmt: skip
    """Run ``cmd``; peak memory is the largest RSS of the process tree (wait4 rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL if quiet else None,
                            stderr=subprocess.PIPE if quiet else None)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and quiet and proc.stderr is not None:
        print(proc.stderr.read().decode(errors="replace")[-2000:])
    return Measurement(label, seconds, usage.ru_maxrss / 1024, code)


def table(rows: list[Measurement], floor: Measurement | None = None) -> str:
    """A plain-text table of measurements, with the ratio to ``floor`` when given."""
    lines = [f"{'step':<48} {'wall s':>8} {'peak MiB':>9} {'x floor':>8}"]
    for m in rows:
        ratio = f"{m.seconds / floor.seconds:8.2f}" if floor else ""
        flag = "" if m.returncode == 0 else f"  (exit {m.returncode})"
        lines.append(f"{m.label:<48} {m.seconds:8.2f} {m.peak_mib:9.0f} {ratio}{flag}")
    return "\n".join(lines)
