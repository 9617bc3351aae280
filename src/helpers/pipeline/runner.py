"""Run one DVC stage for one survey: execute its notebook, normalise it, render reports.

Usage (the ``cmd`` of every stage in dvc.yaml, a ``foreach`` over the surveys)::

    .venv/bin/python -m helpers.pipeline.runner STAGE SURVEY

Everything about the stage comes from dvc.yaml (helpers.pipeline.config), so
nothing is said twice:

* the notebook is the stage's dependency under ``notebooks/``;
* the executed notebook goes to its output ``reports/<survey>/notebooks/*.ipynb``;
* an output ending in ``.html`` or ``.pdf`` is rendered from that notebook; the
  report's, one per language of ``surveys.<id>.languages``, each from the outputs of its
  edition, the other languages' in ``reports/<survey>/editions/`` with ``editions.json``
  (helpers.pipeline.edition_outputs); a file there of a language no longer declared is
  removed with the commit (``Transaction.prune``);
* what the notebook's cells tagged ``console`` print is printed, each line
  prefixed ``[stage@survey]``, before the runner's ``done`` line (the clean stage:
  the answers set aside per question), so ``dvc repro`` shows it;
* the notebook gets two parameters, ``survey`` and ``outputs="pipeline"``; it
  reads its parameter values through ``open_stage``, which allows exactly the
  keys the stage declares in ``params:``.

Outputs (the notebook's data, the executed notebook, the reports) are replaced
together, only when the whole stage succeeded. A failing notebook is kept
under ``reports/_failed/<survey>/`` for inspection and the runner exits 1
with the stage, the cell and the error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core.params import Params
from helpers.pipeline import layout
from helpers.pipeline.config import (
    ConfigError,
    StageSpec,
    load_params,
    project_root,
    stage_spec,
)

if TYPE_CHECKING:
    from helpers.pipeline.staging import Transaction

CONSOLE_TAG = "console"  # a notebook cell whose printed output the runner shows
FAILED_DIR = Path("reports/_failed")  # + <survey>/<notebook>.ipynb (ignored by git)
TEMP_ENV = "TMPDIR"  # the run's temporary files (the kernel's connection file, ...)


class StageError(RuntimeError):
    """A stage could not run or its notebook failed."""


def check_declared(notebook: str, parameters: dict[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (papermill only warns)."""
    import papermill

    declared = set(papermill.inspect_notebook(notebook))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise StageError(
            f"{notebook}: parameters {unknown} are not declared in its "
            f"'parameters' cell (declared: {sorted(declared)})"
        )


def execute(
    notebook: str, parameters: dict[str, Any], stage: str, root: Path, survey: str, scratch: Path
) -> Any:
    """Run the notebook with papermill in the project root; return the normalised notebook.

    The executing notebook is written to ``scratch`` (in the run's transaction, so a
    killed run leaves nothing behind).
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from helpers.pipeline.normalize import normalize

    tmp = str(scratch)
    try:
        papermill.execute_notebook(
            notebook,
            tmp,
            parameters=parameters,
            cwd=str(root),
            kernel_name="python3",
            progress_bar=sys.stderr.isatty(),
            log_output=False,
            # The kernel's own log (e.g. its shutdown noise under load) is not the
            # stage's result: cell errors still reach papermill and fail the stage.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # Every cell has run and replied (its files are written and closed) when
            # nbclient shuts the kernel down: stopping it at once instead of asking it
            # to exit saves 0.2-0.3 s per stage (benchmarks/overhead.py).
            shutdown_kernel="immediate",
        )
    except PapermillExecutionError as exc:
        failed = root / FAILED_DIR / survey / Path(notebook).name
        try:
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(tmp, failed)
            kept = f"executed notebook kept at {failed.relative_to(root)}"
        except OSError as move_error:  # a full disk, say: the cell's error matters more
            kept = f"executed notebook not kept ({move_error.strerror}: {failed})"
        message = "\n    ".join(str(exc.evalue).strip().splitlines()[:20])
        raise StageError(
            f"stage {stage!r} failed in cell {exc.exec_count} of {notebook}:\n"
            f"  {exc.ename}: {message}\n"
            f"  {kept}"
        ) from None
    nb = nbformat.read(tmp, as_version=4)
    Path(tmp).unlink()
    return normalize(nb)


def console_lines(nb: Any) -> list[str]:
    """The lines printed (stdout) by the notebook's cells tagged ``console``, in order."""
    lines: list[str] = []
    for cell in nb.cells:
        if CONSOLE_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        printed = "".join(
            "".join(out.get("text", ""))
            for out in cell.get("outputs", [])
            if out.get("output_type") == "stream" and out.get("name") == "stdout"
        )
        lines += [line for line in printed.splitlines() if line.strip()]
    return lines


def run(
    stage: str,
    survey: str,
    root: Path,
    timings: dict[str, float] | None = None,
    console: list[str] | None = None,
) -> list[Path]:
    """Run a stage of one survey end to end and return the files it wrote.

    All or nothing, even if killed (helpers.pipeline.staging): the data the notebook
    writes joins the run's transaction (``DEFER_ENV``) and is replaced together with
    the executed notebook and reports once everything has succeeded; on any failure
    every output keeps its previous content and the run's temporary files are removed.
    A run killed earlier is settled first.

    ``timings``, when given, receives the seconds spent on each step (notebook,
    html, pdf), which the runner's log line reports; ``console``, the lines the
    notebook's cells tagged ``console`` printed (:func:`console_lines`).
    """
    from helpers.pipeline import staging

    saved = {k: os.environ.get(k) for k in (staging.DEFER_ENV, TEMP_ENV)}
    if os.environ.get(staging.KILL_AT_ENV):  # fault injection (tests): kill this whole group
        os.environ.setdefault(staging.KILL_GROUP_ENV, str(os.getpgid(0)))
    try:
        with staging.Transaction(root, f"{stage}@{survey}") as tx:
            os.environ[staging.DEFER_ENV] = str(tx.manifest)  # inherited by the kernel
            temp = tx.scratch("tmp")  # deleted with the transaction, even after a kill
            temp.mkdir()
            os.environ[TEMP_ENV] = str(temp)
            tempfile.tempdir = None  # re-read from TMPDIR
            params = load_params(root)
            _run_staged(
                stage_spec(root, stage, survey, params),
                root,
                params,
                {} if timings is None else timings,
                tx,
                [] if console is None else console,
            )
            return tx.commit()
    except (staging.BusyError, staging.OutputError) as exc:
        raise StageError(str(exc)) from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tempfile.tempdir = None


def _run_staged(
    spec: StageSpec,
    root: Path,
    params: Params,
    timings: dict[str, float],
    tx: Transaction,
    console: list[str],
) -> None:
    """Execute and render a stage, staging every output in ``tx`` (see :func:`run`)."""
    from helpers.pipeline.normalize import dumps

    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = now - clock
        clock = now

    parameters = {"survey": spec.survey, "outputs": "pipeline"}
    check_declared(str(root / spec.notebook), parameters)
    nb = execute(
        str(root / spec.notebook),
        parameters,
        f"{spec.name}@{spec.survey}",
        root,
        spec.survey,
        tx.scratch("run.ipynb"),
    )
    lap("notebook")
    console += console_lines(nb)
    outputs: dict[Path, str | bytes] = {root / spec.executed: dumps(nb)}
    editions = layout.editions_folder(spec.survey)
    if editions in spec.outs:  # the report: one HTML and PDF per language, editions.json
        from helpers.pipeline.edition_outputs import edition_outputs

        survey = params.surveys[spec.survey]
        outputs.update(
            edition_outputs(nb, root, spec.survey, root / survey.codebook, survey.languages, lap)
        )
        tx.prune(root / editions)  # a language no longer declared: its files go
        tx.stage(outputs)
        return
    html_out = [o for o in spec.outs if o.endswith(".html")]
    pdf_out = [o for o in spec.outs if o.endswith(".pdf")]
    if html_out or pdf_out:
        from helpers.pipeline.render import render_html, render_pdf

        html = render_html(nb, title=report_title(root / params.surveys[spec.survey].codebook))
        lap("html")
        for out in html_out:
            outputs[root / out] = html
        for out in pdf_out:
            outputs[root / out] = render_pdf(html, base_url=str(root))
            lap("pdf")
    tx.stage(outputs)


def report_title(codebook: Path) -> str:
    """The survey's title, from its codebook (in the codebook's own language)."""
    from helpers.pipeline.edition_outputs import report_title as titled

    return titled(codebook)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", help="stage name in dvc.yaml")
    parser.add_argument("survey", help="survey id (a key of `surveys:` in params.yaml)")
    args = parser.parse_args(argv)
    root = project_root()
    started = time.perf_counter()
    name = f"{args.stage}@{args.survey}"
    print(f"[{name}] running", file=sys.stderr, flush=True)
    timings: dict[str, float] = {}
    console: list[str] = []
    try:
        written = run(args.stage, args.survey, root, timings, console)
    except (StageError, ConfigError) as exc:
        print(f"[{name}] FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # unexpected: keep the traceback, but end on the message
        traceback.print_exc(file=sys.stderr)
        print(f"[{name}] FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for line in console:
        print(f"[{name}] {line}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    names = ", ".join(os.path.relpath(p, root) for p in written)
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())
    print(f"[{name}] done in {elapsed:.1f} s ({steps}): {names}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
