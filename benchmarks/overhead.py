"""Pipeline overhead: the real pipeline under DVC against the bare minimum of the same work.

    .venv/bin/python benchmarks/overhead.py

In a temporary copy of the project (so the repository is not touched), in one run:

* a cold forced ``dvc repro --force`` of the real pipeline;
* a no-op ``dvc repro`` (nothing changed) and ``dvc status``;
* the bare minimum: one papermill run of an empty notebook per stage, in the
  same environment.

Prints the times and the ratios (targets: forced within 1.3x of the bare
minimum; no-op within 1.5x of dvc status). It asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from measure import Measurement, measure, table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COPY = ("dvc.yaml", "dvc.lock", "params.yaml", "notebooks", "codebooks", "data", "src",
        "reports")  # fmt: skip


def main() -> int:
    """Copy, measure, print."""
    work = Path(tempfile.mkdtemp(prefix="overhead-bench-"))
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1",
           "PYTHONHASHSEED": "0"}  # fmt: skip
    run = {"cwd": work, "env": env, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)
    subprocess.run([str(bin_dir / "dvc"), "init", "-q", "--force"], **run)
    subprocess.run([str(bin_dir / "dvc"), "config", "core.analytics", "false"], **run)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    empty = nbformat.v4.new_notebook()
    empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}  # fmt: skip
    empty.cells = [nbformat.v4.new_code_cell("pass")]
    nbformat.write(empty, work / "empty.ipynb")
    dvc = str(bin_dir / "dvc")
    forced = measure(f"dvc repro --force ({len(stages)} stages, cold)", [dvc, "repro", "--force"],
                     work, env)  # fmt: skip
    noop = measure("dvc repro (no-op)", [dvc, "repro"], work, env)
    status = measure("dvc status", [dvc, "status"], work, env)
    bare_runs = [measure(f"papermill empty notebook ({name})",
                         [str(bin_dir / "papermill"), "--no-progress-bar", "empty.ipynb",
                          f"empty-{name}.ipynb"], work, env)
                 for name in stages]  # fmt: skip
    bare = Measurement("bare minimum (sum of the papermill runs)",
                       sum(m.seconds for m in bare_runs), max(m.peak_mib for m in bare_runs), 0)
    print(f"project copy: {work}")
    print(table([forced, noop, status, *bare_runs, bare]))
    print(f"forced / bare minimum = {forced.seconds / bare.seconds:.2f} (target <= 1.3)")
    print(f"no-op / dvc status   = {noop.seconds / status.seconds:.2f} (target <= 1.5)")
    shutil.rmtree(work)
    return 0 if forced.returncode == noop.returncode == status.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
