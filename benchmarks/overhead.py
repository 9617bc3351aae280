"""Pipeline overhead: the real pipeline under DVC against the bare minimum of the same work.

    .venv/bin/python benchmarks/overhead.py [--repeat 3]

In a temporary copy of the project (so the repository is not touched) whose
params.yaml holds only the 2013 survey (``oas_2013``: the five stages of one
survey, comparable with the figures from before the surveys were side by side),
in one run:

* a forced ``dvc repro --force`` of the real pipeline: the five ``stage@oas_2013``
  stages and the ``index`` stage;
* a no-op ``dvc repro`` (nothing changed) and ``dvc status``;
* the bare minimum: one papermill run of an empty notebook per stage the stage
  runner runs, in the same environment, plus the ``index`` stage's own command
  run alone (it runs no notebook: its work is its bare minimum), plus the same
  PDF engine (``helpers.pipeline.render.render_pdf``: WeasyPrint) printing the
  same report HTML in a process of its own (the PDF is a product, not overhead);
* the same DVC pipeline shape (``foreach`` over the same ``surveys:``, then
  ``index``) with nothing but those empty notebooks and the index command.

Prints the times and the ratios (targets: forced within 1.3x of the bare
minimum; no-op within 1.5x of dvc status), then where the forced run's time
went per stage (from the stage runner's log: notebook, HTML, PDF) beside the
empty-notebook papermill run of that stage. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from measure import Measurement, measure_median, table, write_empty_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "oas_2013"  # the one survey of the copy
COPY = ("dvc.yaml", "dvc.lock", "params.yaml", "notebooks", "codebooks", "data", "src", "reports")
RUNNER = "helpers.pipeline.runner"  # stages whose command runs a notebook with papermill
PRINT_PDF = """
import sys
from pathlib import Path
from helpers.pipeline.render import render_pdf
html = Path(sys.argv[1]).read_text(encoding="utf-8")
Path(sys.argv[2]).write_bytes(render_pdf(html, base_url=sys.argv[3]))
"""


STEP_LINE = re.compile(
    r"^\[(?P<stage>[\w-]+@[\w-]+)\] done in (?P<total>[\d.]+) s "
    r"\((?P<steps>[^)]*)\)",
    re.M,
)


def breakdown(forced: Measurement, bare: dict[str, float], alone: dict[str, float]) -> str:
    """Where the forced run's time went, from the stage runner's log lines.

    ``alone``: stages that run no notebook (``index``), timed on their own (their
    log line has no time), shown on their own line and subtracted from DVC's share.
    """
    lines = [
        f"{'stage (forced run)':<20} {'stage s':>8} {'notebook':>9} {'html':>6} {'pdf':>6} "
        f"{'bare':>8} {'excess':>7}"
    ]
    staged = 0.0
    for m in STEP_LINE.finditer(forced.stderr):
        steps = dict(part.rsplit(" ", 2)[:2] for part in m["steps"].split(", "))
        total = float(m["total"])
        staged += total
        base = bare.get(m["stage"], float("nan"))
        lines.append(
            f"{m['stage']:<20} {total:8.1f} {float(steps.get('notebook', 0)):9.1f} "
            f"{float(steps.get('html', 0)):6.1f} {float(steps.get('pdf', 0)):6.1f} "
            f"{base:8.2f} {total - base:7.2f}"
        )
    for name, seconds in alone.items():
        staged += seconds
        lines.append(
            f"{name + ' (run alone)':<20} {seconds:8.1f} {'-':>9} {'-':>6} {'-':>6} "
            f"{seconds:8.2f} {'-':>7}"
        )
    lines.append(f"DVC itself (forced run minus the stages): {forced.seconds - staged:.1f} s")
    return "\n".join(lines)


def resolved_stages(root: Path) -> tuple[list[str], dict[str, str]]:
    """The stage runner's stages as DVC names them (``extract@oas_2013``, ...), and the others.

    Returns (runner stages in dvc.yaml order, {other stage: its command}).
    """
    stages = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    surveys = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))["surveys"]
    runner: list[str] = []
    others: dict[str, str] = {}
    for name, stage in stages.items():
        if "foreach" in stage:
            if stage["foreach"] != "${surveys}" or RUNNER not in stage["do"]["cmd"]:
                raise SystemExit(
                    f"dvc.yaml: stage {name!r}: expected a foreach over ${{surveys}} "
                    f"running {RUNNER}; found {stage}"
                )
            runner += [f"{name}@{key}" for key in surveys]
        elif RUNNER in stage["cmd"]:
            runner.append(name)
        else:
            others[name] = stage["cmd"]
    return runner, others


def git_dvc_init(folder: Path, env: dict[str, str], dvc: str) -> None:
    """A git repository with DVC initialised (analytics off), as ``dvc repro`` needs."""
    run = {"cwd": folder, "env": env, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)
    subprocess.run([dvc, "init", "-q", "--force"], **run)
    subprocess.run([dvc, "config", "core.analytics", "false"], **run)


def empty_pipeline(
    folder: Path, work: Path, env: dict[str, str], dvc: str, repeat: int
) -> Measurement:
    """A forced ``dvc repro`` of the same pipeline shape, each stage only its bare minimum.

    Every stage of ``work``'s dvc.yaml that runs a notebook becomes papermill on the
    empty notebook, with the same ``foreach: ${surveys}`` over the same params.yaml
    (so DVC resolves the same stage names); every other stage (``index``) keeps its
    command, deps, params and outs. Same DVC, same papermill, no work: what DVC
    itself adds to the bare minimum.
    """
    folder.mkdir()
    shutil.copy(work / "empty.ipynb", folder / "empty.ipynb")
    shutil.copy(work / "params.yaml", folder / "params.yaml")
    (folder / ".venv").symlink_to(ROOT / ".venv")
    real = yaml.safe_load((work / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    surveys = yaml.safe_load((work / "params.yaml").read_text(encoding="utf-8"))["surveys"]
    stages: dict[str, dict] = {}
    for name, stage in real.items():
        if "foreach" in stage:
            out = f"out-{name}-${{key}}.ipynb"
            stages[name] = {
                "foreach": "${surveys}",
                "do": {
                    "cmd": f"papermill --no-progress-bar empty.ipynb {out}",
                    "deps": ["empty.ipynb"],
                    "outs": [{out: {"cache": False}}],
                },
            }
        else:
            # The same stage; what it reads (the report cards) copied from the real run.
            stages[name] = stage
            for dep in stage.get("deps", []):
                src, dest = work / dep, folder / dep
                if src.exists() and not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    (shutil.copytree if src.is_dir() else shutil.copy)(src, dest)
    for survey in surveys:  # the index reads each survey's report card only
        card = Path("data/processed") / survey / "report_card.json"
        (folder / card).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / card, folder / card)
    (folder / "dvc.yaml").write_text(
        yaml.safe_dump({"stages": stages}, sort_keys=False), encoding="utf-8"
    )
    git_dvc_init(folder, env, dvc)
    count = sum(len(surveys) if "foreach" in stage else 1 for stage in stages.values())
    return measure_median(
        f"dvc repro --force, same {count} stages, empty notebooks",
        [dvc, "repro", "--force"],
        folder,
        env,
        repeat,
    )


def project_copy(work: Path) -> None:
    """The project in ``work`` with only the survey ``SURVEY`` (its params, data, reports)."""
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    (work / ".venv").symlink_to(ROOT / ".venv")  # dvc.yaml's commands run .venv/bin/python
    params = yaml.safe_load((work / "params.yaml").read_text(encoding="utf-8"))
    for other in [s for s in params["surveys"] if s != SURVEY]:
        del params["surveys"][other]
        shutil.rmtree(work / "data" / "processed" / other, ignore_errors=True)
        shutil.rmtree(work / "reports" / other, ignore_errors=True)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def main() -> int:
    """Copy, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="overhead-bench-"))
    project_copy(work)
    bin_dir = Path(sys.executable).parent
    # The copy's own src first: the stages import the code copied with it, whatever
    # is being edited in the repository meanwhile.
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(work / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    dvc = str(bin_dir / "dvc")
    git_dvc_init(work, env, dvc)
    runner_stages, others = resolved_stages(work)
    write_empty_notebook(work / "empty.ipynb")
    names = len(runner_stages) + len(others)
    forced = measure_median(
        f"dvc repro --force ({names} stages: {len(runner_stages)} of "
        f"{SURVEY} + {', '.join(others)})",
        [dvc, "repro", "--force"],
        work,
        env,
        args.repeat,
    )
    noop = measure_median("dvc repro (no-op)", [dvc, "repro"], work, env, args.repeat)
    status = measure_median("dvc status", [dvc, "status"], work, env, args.repeat)
    bare_runs = {
        name: measure_median(
            f"papermill empty notebook ({name})",
            [str(bin_dir / "papermill"), "--no-progress-bar", "empty.ipynb", f"empty-{name}.ipynb"],
            work,
            env,
            args.repeat,
        )
        for name in runner_stages
    }
    # A stage without a notebook (index): its own command, alone (same output, same bytes).
    alone_runs = {
        name: measure_median(
            f"{name} stage alone (its command, no notebook)",
            shlex.split(cmd),
            work,
            env,
            args.repeat,
        )
        for name, cmd in others.items()
    }
    # The same PDF engine printing the same HTML (the report stage's PDF), alone.
    html = work / "reports" / SURVEY / "report.html"
    pdf = measure_median(
        "the same PDF engine printing the same report HTML",
        [sys.executable, "-c", PRINT_PDF, str(html), str(work / "bare.pdf"), str(work)],
        work,
        env,
        args.repeat,
    )
    runs = [*bare_runs.values(), *alone_runs.values(), pdf]
    label = f"bare minimum (sum of the papermill runs + {', '.join(others)} + pdf)"
    bare = Measurement(label, sum(m.seconds for m in runs), max(m.peak_mib for m in runs), 0)
    bare_pm = sum(m.seconds for m in bare_runs.values())
    alone = sum(m.seconds for m in alone_runs.values())
    shell = empty_pipeline(work / "empty-pipeline", work, env, dvc, args.repeat)
    print(f"project copy: {work}")
    print(table([forced, noop, status, *runs, bare, shell]))
    print(f"forced / bare minimum = {forced.seconds / bare.seconds:.2f} (target <= 1.3)")
    print(
        f"  without the {', '.join(others)} stage (the {len(runner_stages)} stages of {SURVEY} "
        f"against their empty notebooks + the PDF): "
        f"{(forced.seconds - alone) / (bare_pm + pdf.seconds):.2f}"
    )
    print(
        f"  the same DVC pipeline with nothing but the empty notebooks, plus the PDF: "
        f"{(shell.seconds + pdf.seconds) / bare.seconds:.2f} x the bare minimum "
        f"(DVC's own share)"
    )
    print(f"no-op / dvc status   = {noop.seconds / status.seconds:.2f} (target <= 1.5)")
    print()
    # the report stage's bare minimum is its empty notebook plus the same PDF
    per_stage = {
        name: m.seconds + (pdf.seconds if name.startswith("report@") else 0.0)
        for name, m in bare_runs.items()
    }
    print(breakdown(forced, per_stage, {name: m.seconds for name, m in alone_runs.items()}))
    shutil.rmtree(work)
    ok = [forced, noop, status, shell, pdf, *alone_runs.values()]
    return 0 if all(m.returncode == 0 for m in ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
