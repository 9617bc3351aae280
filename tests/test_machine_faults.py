"""Faults of the machine: a read-only output folder, a full disk, two runs at once.

Each ends in a clear message, loses nothing (every previous output byte-identical, no
temporary file left) and a rerun once the fault is gone recovers. A read-only folder
and a full disk are made for real: as root (who may write anywhere) in a private mount
namespace (``unshare -m``: a read-only bind mount, a small tmpfs), otherwise with file
permissions (read-only only: an unprivileged user cannot mount a small disk here).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from project_copy import (
    EXPORT_SURVEY,
    REPO_ROOT,
    drop_last_respondent,
    env,
    make_export_project,
    ok,
    run_stage,
)

from helpers.pipeline import layout
from helpers.pipeline.staging import STAGING_DIR, Transaction

SURVEY = EXPORT_SURVEY
DVC = str(REPO_ROOT / ".venv/bin/dvc")
ROOT_USER = os.geteuid() == 0
RUNNER = [sys.executable, "-m", "helpers.pipeline.runner"]
FOLDER = f"data/processed/{SURVEY}"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    return make_export_project(tmp_path_factory.mktemp("machine") / "project")


@pytest.fixture
def project(baseline, tmp_path) -> Path:
    """A fresh copy of the baseline (its .venv link kept as a link)."""
    return Path(shutil.copytree(baseline, tmp_path / "project", symlinks=True))


def _outputs(root: Path) -> dict[str, bytes]:
    return {p: (root / p).read_bytes() for p in layout.stage_outputs("clean", SURVEY)}


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _strays(root: Path) -> list[str]:
    found = [p for p in root.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    found += [p for p in (root / STAGING_DIR).glob("*")] if (root / STAGING_DIR).is_dir() else []
    return sorted(str(p.relative_to(root)) for p in found)


def _in_namespace(root: Path, script: str) -> subprocess.CompletedProcess:
    """Run a bash script in a private mount namespace (root only), in the project."""
    return subprocess.run(
        ["unshare", "-m", "bash", "-euo", "pipefail", "-c", script],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_read_only_output_folder_fails_clearly_and_a_rerun_recovers(project):
    drop_last_respondent(project)
    before = _outputs(project)
    command = shlex.join([*RUNNER, "clean", SURVEY])
    if ROOT_USER:
        read_only = f"mount --bind {FOLDER} {FOLDER}; mount -o remount,bind,ro {FOLDER}"
        done = _in_namespace(project, f"{read_only}; {command} || exit $?")
    else:
        (project / FOLDER).chmod(0o555)
        try:
            done = run_stage(project, "clean", SURVEY)
        finally:
            (project / FOLDER).chmod(0o755)
    assert done.returncode == 1, done.stderr
    reason = "Read-only file system (errno 30)" if ROOT_USER else "Permission denied (errno 13)"
    assert (
        f"OutputError: {project / FOLDER}/responses.csv: expected to write this output; "
        f"found {reason}: no output of the stage was replaced, the previous ones are "
        "untouched; make the folder writable and rerun"
    ) in done.stderr, done.stderr
    assert f"[clean@{SURVEY}] FAILED: stage 'clean@{SURVEY}' failed in cell" in done.stderr
    assert "Traceback" not in done.stderr
    assert _outputs(project) == before and _strays(project) == []
    ok(run_stage(project, "clean", SURVEY), "clean", SURVEY)  # writable again
    assert _outputs(project) != before and _strays(project) == []


@pytest.mark.skipif(not ROOT_USER, reason="mounting a small tmpfs needs root")
def test_a_full_disk_fails_clearly_keeps_the_outputs_and_a_rerun_recovers(project, tmp_path):
    drop_last_respondent(project)
    before = _outputs(project)
    folder = project / FOLDER
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)  # the previous outputs, and the stage's inputs (extracted/)
    after_fail, after_rerun = tmp_path / "after_fail", tmp_path / "after_rerun"
    command = shlex.join([*RUNNER, "clean", SURVEY])
    notebook = f"reports/{SURVEY}/notebooks/02_clean.ipynb"
    script = f"""
        mount -t tmpfs -o size=16m tmpfs {FOLDER}
        cp -a {saved}/. {FOLDER}/
        # A disk just the size of what it holds: no new output can be staged.
        mount -o remount,size=$(df -k --output=used {FOLDER} | tail -1 | tr -d ' ')k {FOLDER}
        df -k {FOLDER} | tail -1
        if {command} 2> {tmp_path}/fail.err; then echo "expected a failure"; exit 3; fi
        mkdir {after_fail} && cp -a {FOLDER}/. {after_fail}/
        cp {notebook} {tmp_path}/notebook_after_fail
        find . -name '*.tmp' -o -path './{STAGING_DIR}/*' > {tmp_path}/strays_after_fail
        mount -o remount,size=64m {FOLDER}
        {command} 2> {tmp_path}/rerun.err
        mkdir {after_rerun} && cp -a {FOLDER}/. {after_rerun}/
    """
    done = _in_namespace(project, script)
    failed = (tmp_path / "fail.err").read_text(encoding="utf-8")
    assert done.returncode == 0, done.stdout + done.stderr + failed
    assert (
        "No space left on device (errno 28): no output of the stage was replaced, the "
        "previous ones are untouched; free disk space and rerun" in failed
    ), failed
    assert f"[clean@{SURVEY}] FAILED" in failed and "Traceback" not in failed
    # nothing lost: the full folder holds exactly the previous outputs, no temporary file
    assert _tree(after_fail) == _tree(saved)
    assert (tmp_path / "notebook_after_fail").read_bytes() == before[notebook]
    assert (tmp_path / "strays_after_fail").read_text(encoding="utf-8") == ""
    rerun = (tmp_path / "rerun.err").read_text(encoding="utf-8")
    assert f"[clean@{SURVEY}] done" in rerun, rerun
    new = _tree(after_rerun)
    assert new["responses.csv"] != before[f"{FOLDER}/responses.csv"]
    assert sorted(new) == sorted(_tree(saved))  # no temporary file
    assert _strays(project) == []


def test_a_second_run_of_a_running_stage_is_refused_and_changes_nothing(project):
    before = _outputs(project)
    with Transaction(project, f"clean@{SURVEY}"):  # as a live run of the stage holds it
        done = run_stage(project, "clean", SURVEY)
    assert done.returncode == 1
    assert (
        f"[clean@{SURVEY}] FAILED: {project / STAGING_DIR}/clean@{SURVEY}.manifest: "
        f"expected no other run of clean@{SURVEY}; found one still running (it holds this "
        "file): wait for it to end, then rerun"
    ) in done.stderr, done.stderr
    assert _outputs(project) == before and _strays(project) == []


@pytest.mark.slow
def test_two_dvc_repro_at_once_one_refused_nothing_lost_a_rerun_completes(project):
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, capture_output=True)
    first = subprocess.Popen(
        [DVC, "repro"],
        cwd=project,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list((project / STAGING_DIR).glob("*.manifest")):  # the first is inside a stage
        assert first.poll() is None and time.monotonic() < deadline, "first dvc repro ended"
        time.sleep(0.05)
    second = subprocess.run(
        [DVC, "repro"],
        cwd=project,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out_first, _ = first.communicate(timeout=600)
    assert first.returncode == 0, out_first
    message = second.stdout + second.stderr
    assert second.returncode != 0
    assert "is busy, it is being blocked by:" in message or "Unable to acquire lock" in message
    assert _strays(project) == []
    outputs = _outputs(project)
    again = subprocess.run(
        [DVC, "repro"],
        cwd=project,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    status = subprocess.run(
        [DVC, "status"], cwd=project, env=env(), capture_output=True, text=True, check=True
    )
    assert "up to date" in status.stdout, status.stdout
    assert _outputs(project) == outputs and _strays(project) == []
