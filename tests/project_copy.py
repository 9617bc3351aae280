"""Temporary project copies for tests that run stages: params.yaml with the given surveys."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from helpers.core.params import StatsParams
from helpers.summarize.summaries import STORED_DIGITS

# Summaries store computed floats to STORED_DIGITS significant digits: a stored value
# equals an independent computation to this relative tolerance (rounding's half unit, x2).
STORED_REL = 10.0 ** (1 - STORED_DIGITS)

REPO_ROOT = Path(__file__).resolve().parents[1]
SURVEY = "oas_2013"


def survey_entry(
    source: str,
    codebook: str = "codebooks/oas_2013.yaml",
    input_kind: str = "document",
    encoding: str = "utf-8",
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of `surveys:` in params.yaml."""
    return {
        "input_kind": input_kind,
        "source": source,
        "encoding": encoding,
        "codebook": codebook,
        "engine": "polars",
        "spark_master": "local[2]",
        "languages": ["en"],
        "overrides": overrides or {},
    }


def write_params(root: Path, surveys: dict[str, dict[str, Any]], **sections: Any) -> None:
    """params.yaml of ``root``: the repository's shared values, these surveys."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["surveys"] = surveys
    for section, values in sections.items():
        params[section].update(values)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def make_project(
    dest: Path,
    surveys: dict[str, dict[str, Any]],
    files: dict[str, str | bytes] | None = None,
    dvc: bool = False,
) -> Path:
    """dvc.yaml, params.yaml (these surveys), notebooks, codebooks and the given files.

    ``dvc``: also `dvc init` a git repository there and link the pipeline's .venv, so
    that `dvc repro` runs the stages' commands as written.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "dvc.yaml", dest / "dvc.yaml")
    for folder in ("notebooks", "codebooks"):
        shutil.copytree(REPO_ROOT / folder, dest / folder)
    for rel, content in (files or {}).items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    write_params(dest, surveys)
    if dvc:
        (dest / ".venv").symlink_to(REPO_ROOT / ".venv")
        subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
        subprocess.run(
            [str(REPO_ROOT / ".venv/bin/dvc"), "init", "-q"], cwd=dest, check=True, env=env()
        )
    return dest


def env() -> dict[str, str]:
    """The environment stages run in (as `make` sets it)."""
    out = dict(os.environ)
    out["PATH"] = str(Path(sys.executable).parent) + os.pathsep + out.get("PATH", "")
    out.update(MPLBACKEND="Agg", PYTHONHASHSEED="0", DVC_NO_ANALYTICS="1")
    return out


def run_stage(
    root: Path, stage: str, survey: str = SURVEY, timeout: int = 240
) -> subprocess.CompletedProcess:
    """Run one stage of one survey with the stage runner, as dvc.yaml's command does."""
    return subprocess.run(
        [sys.executable, "-m", "helpers.pipeline.runner", stage, survey],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess, stage: str, survey: str = SURVEY) -> None:
    """Assert a stage run succeeded."""
    assert proc.returncode == 0, f"stage {stage}@{survey} failed:\n{proc.stderr[-3000:]}"
    assert f"[{stage}@{survey}] done" in proc.stderr


def data(root: Path, rel: str, survey: str = SURVEY) -> Path:
    """A survey's data file in a project."""
    return root / "data" / "processed" / survey / rel


def project_stats(**changes: Any) -> StatsParams:
    """params.yaml's stats values (no defaults live in code), with ``changes``."""
    values = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))["stats"]
    return StatsParams(**{**values, **changes})


@dataclass(frozen=True)
class PandasSummaries:
    """summarize()'s output as the report reads it (pandas; decimals stay decimals)."""

    figures: Any
    rules: Any


def summarized(responses: Any, free_text: Any, book: Any, sp: StatsParams) -> PandasSummaries:
    """summarize() on any frame, its polars tables handed back as pandas for assertions."""
    from helpers.core.handoff import as_pandas
    from helpers.summarize.summaries import summarize

    out = summarize(responses, free_text, book, sp)
    return PandasSummaries(
        as_pandas(out.figures, categorical=False), as_pandas(out.rules, categorical=False)
    )


EXPORT_SURVEY = "invented_example"
EXPORT_DIR = "data/examples/invented_survey"


def make_export_project(dest: Path) -> Path:
    """A `dvc repro`-able copy with the INVENTED example export, its extract and clean run.

    The stages' code (``src/``) is copied too, as dvc.yaml lists it as a dependency.
    """
    files = {
        f"{EXPORT_DIR}/{name}": (REPO_ROOT / EXPORT_DIR / name).read_bytes()
        for name in ("survey.csv", "codebook.yaml")
    }
    entry = survey_entry(
        f"{EXPORT_DIR}/survey.csv", f"{EXPORT_DIR}/codebook.yaml", input_kind="respondent_csv"
    )
    make_project(dest, {EXPORT_SURVEY: entry}, files, dvc=True)
    shutil.copytree(
        REPO_ROOT / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for stage in ("extract", "clean"):
        ok(run_stage(dest, stage, EXPORT_SURVEY), stage, EXPORT_SURVEY)
    return dest


def drop_last_respondent(root: Path) -> None:
    """The next round of the example export: the same file without its last line."""
    path = root / EXPORT_DIR / "survey.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
