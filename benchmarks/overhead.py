"""Pipeline overhead: the real pipeline under DVC against the bare minimum of the same work.

    .venv/bin/python benchmarks/overhead.py [--repeat 3]

In a temporary copy of the project (so the repository is not touched), in one run:

* a forced ``dvc repro --force`` of the real pipeline;
* a no-op ``dvc repro`` (nothing changed) and ``dvc status``;
* the bare minimum: one papermill run of an empty notebook per stage, in the
  same environment.

Prints the times and the ratios (targets: forced within 1.3x of the bare
minimum; no-op within 1.5x of dvc status), then where the forced run's time
went per stage (from the stage runner's log: notebook, HTML, PDF) beside the
empty-notebook papermill run of that stage. It asserts nothing.
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

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from measure import Measurement, measure_median, table, write_empty_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COPY = ("dvc.yaml", "dvc.lock", "params.yaml", "notebooks", "codebooks", "data", "src",
        "reports")  # fmt: skip


STEP_LINE = re.compile(r"^\[(?P<stage>[\w-]+)\] done in (?P<total>[\d.]+) s \((?P<steps>[^)]*)\)",
                       re.M)  # fmt: skip


def breakdown(forced: Measurement, bare: dict[str, float]) -> str:
    """Where the forced run's time went, from the stage runner's log lines."""
    lines = [f"{'stage (forced run)':<20} {'stage s':>8} {'notebook':>9} {'html':>6} {'pdf':>6} "
             f"{'bare pm':>8} {'excess':>7}"]  # fmt: skip
    staged = 0.0
    for m in STEP_LINE.finditer(forced.stderr):
        steps = dict(part.rsplit(" ", 2)[:2] for part in m["steps"].split(", "))
        total = float(m["total"])
        staged += total
        base = bare.get(m["stage"], float("nan"))
        lines.append(f"{m['stage']:<20} {total:8.1f} {float(steps.get('notebook', 0)):9.1f} "
                     f"{float(steps.get('html', 0)):6.1f} {float(steps.get('pdf', 0)):6.1f} "
                     f"{base:8.2f} {total - base:7.2f}")  # fmt: skip
    lines.append(f"DVC itself (forced run minus the stages): {forced.seconds - staged:.1f} s")
    return "\n".join(lines)


def empty_pipeline(folder: Path, names: list[str], env: dict[str, str], dvc: str,
                   repeat: int) -> Measurement:  # fmt: skip
    """A forced ``dvc repro`` of as many stages, each only papermill on the empty notebook.

    Same DVC, same papermill, no work: what DVC itself adds to the bare minimum.
    """
    folder.mkdir()
    shutil.copy(folder.parent / "empty.ipynb", folder / "empty.ipynb")
    stages = {name: {"cmd": f"papermill --no-progress-bar empty.ipynb out-{name}.ipynb",
                     "deps": ["empty.ipynb"], "outs": [{f"out-{name}.ipynb": {"cache": False}}]}
              for name in names}  # fmt: skip
    (folder / "dvc.yaml").write_text(yaml.safe_dump({"stages": stages}), encoding="utf-8")
    run = {"cwd": folder, "env": env, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)
    subprocess.run([dvc, "init", "-q"], **run)
    return measure_median(f"dvc repro --force, {len(names)} empty-notebook stages",
                          [dvc, "repro", "--force"], folder, env, repeat)  # fmt: skip


def main() -> int:
    """Copy, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
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
    write_empty_notebook(work / "empty.ipynb")
    dvc = str(bin_dir / "dvc")
    forced = measure_median(f"dvc repro --force ({len(stages)} stages)",
                            [dvc, "repro", "--force"], work, env, args.repeat)  # fmt: skip
    noop = measure_median("dvc repro (no-op)", [dvc, "repro"], work, env, args.repeat)
    status = measure_median("dvc status", [dvc, "status"], work, env, args.repeat)
    bare_runs = [measure_median(f"papermill empty notebook ({name})",
                                [str(bin_dir / "papermill"), "--no-progress-bar", "empty.ipynb",
                                 f"empty-{name}.ipynb"], work, env, args.repeat)
                 for name in stages]  # fmt: skip
    bare = Measurement("bare minimum (sum of the papermill runs)",
                       sum(m.seconds for m in bare_runs), max(m.peak_mib for m in bare_runs), 0)
    shell = empty_pipeline(work / "empty-pipeline", list(stages), env, dvc, args.repeat)
    print(f"project copy: {work}")
    print(table([forced, noop, status, *bare_runs, bare, shell]))
    print(f"forced / bare minimum = {forced.seconds / bare.seconds:.2f} (target <= 1.3)")
    print(f"  the same DVC pipeline with nothing but the empty notebooks: "
          f"{shell.seconds / bare.seconds:.2f} x the bare minimum (DVC's own share)")
    print(f"no-op / dvc status   = {noop.seconds / status.seconds:.2f} (target <= 1.5)")
    print()
    print(breakdown(forced, {m.label.split("(")[1].split(")")[0]: m.seconds for m in bare_runs}))
    shutil.rmtree(work)
    return 0 if forced.returncode == noop.returncode == status.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
