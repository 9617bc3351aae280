"""Under `dvc repro` (not only the stage runner) a failing stage keeps the previous outputs.

DVC deletes a stage's outputs before running it unless they are declared
`persist: true`; this checks dvc.yaml does so and that the behaviour holds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_every_output_persists_and_is_not_cached():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name, stage in stages.items():
        stage = stage.get("do", stage)  # a foreach stage's template
        for entry in stage.get("outs", []) + stage.get("metrics", []):
            path, opts = next(iter(entry.items()))
            assert opts == {"cache": False, "persist": True}, f"{name}: {path}"


@pytest.mark.pipeline
def test_failing_stage_under_dvc_repro_leaves_outputs_and_exits_nonzero(tmp_path):
    for name in ("dvc.yaml", "dvc.lock", "params.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("notebooks", "codebooks", "data", "src"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")  # the stages' commands run .venv/bin/python
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    for cmd in (["git", "init", "-q"], [str(bin_dir / "dvc"), "init", "-q"]):
        subprocess.run(cmd, cwd=tmp_path, env=env, check=True, capture_output=True)
    processed = sorted((tmp_path / "data/processed").rglob("*.*"))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in processed}
    source = tmp_path / "data/raw/oas_cso_survey_2013.txt"
    source.write_text(
        source.read_text(encoding="utf-8").replace("QUESTION 2", "QUESTION 9"), encoding="utf-8"
    )
    done = subprocess.run(
        [str(bin_dir / "dvc"), "repro"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "[extract@oas_2013] FAILED" in done.stderr + done.stdout
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in processed if p.exists()}
    assert after == before
