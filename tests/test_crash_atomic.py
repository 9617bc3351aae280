"""A kill at any instant leaves a stage's outputs all old or all new, and nothing behind.

The fault hook of helpers.pipeline.staging (``crash_point``, inert unless
``HELPERS_KILL_AT`` is set) kills the whole run (runner and kernel) with SIGKILL at
its n-th crash point: after each record in the manifest, each temporary created and
written, the journal written and committed, each rename, the journal removed. The
tests run n = 1, 2, ... until a run completes, so every one of them is hit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
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
from helpers.pipeline.staging import (
    KILL_AT_ENV,
    KILL_COUNTER_ENV,
    STAGING_DIR,
    BusyError,
    Transaction,
    recover,
)

SURVEY = EXPORT_SURVEY


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under the project (the outputs, inputs and any stray file)."""
    skip = (".venv", ".git", ".dvc")
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in skip
    }


def _killed_run(
    args: list[str], cwd: Path, n: int, counter: Path, extra_env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run ``args`` in its own process group with the n-th crash point armed."""
    counter.unlink(missing_ok=True)
    Path(f"{counter}.label").unlink(missing_ok=True)
    run_env = {**env(), KILL_AT_ENV: str(n), KILL_COUNTER_ENV: str(counter), **(extra_env or {})}
    proc = subprocess.run(
        args,
        cwd=cwd,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=240,
        start_new_session=True,
        check=False,
    )
    label = Path(f"{counter}.label")
    return proc.returncode, label.read_text(encoding="utf-8") if label.exists() else ""


# --- the transaction alone: a small script, killed at each of its crash points -------------

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from helpers.pipeline.staging import Transaction
    root, version = Path(sys.argv[1]), sys.argv[2]
    with Transaction(root, "demo@x") as tx:
        tx.scratch("tmp").mkdir()  # the run's own temporary files (a kernel's, say)
        (tx.scratch("tmp") / "kernel.json").write_text("{}")
        tx.stage({root / "out" / f"{name}.csv": f"{name},{version}\\n" for name in "abc"})
        tx.stage({root / "other" / "d.txt": version})
        tx.commit()
""")


def _outputs(root: Path) -> dict[str, str]:
    return {
        n: (root / n).read_text(encoding="utf-8")
        for n in ("out/a.csv", "out/b.csv", "out/c.csv", "other/d.txt")
    }


def test_a_kill_at_any_crash_point_of_a_transaction_leaves_all_old_or_all_new(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT, encoding="utf-8")
    command = [sys.executable, str(script), str(root)]
    subprocess.run([*command, "old"], check=True, env=env())
    old = _outputs(root)
    seen, n = [], 0
    while True:
        n += 1
        code, label = _killed_run([*command, "new"], tmp_path, n, tmp_path / "counter")
        if code == 0:
            break
        assert code == -signal.SIGKILL, f"crash point {n} ({label}) did not kill the run"
        seen.append(label)
        recover(root)
        state = _outputs(root)
        assert state in (old, {k: v.replace("old", "new") for k, v in old.items()}), (
            f"killed at {label!r}: mixed outputs {state}"
        )
        strays = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and (p.name.endswith(".tmp") or STAGING_DIR in p.parts)
        )
        assert strays == [], f"killed at {label!r}: left {strays}"
        (root / "out" / "a.csv").write_text("a,old\n", encoding="utf-8")  # back to all old
        for name in ("b", "c"):
            (root / "out" / f"{name}.csv").write_text(f"{name},old\n", encoding="utf-8")
        (root / "other" / "d.txt").write_text("old", encoding="utf-8")
    # every write and rename was a crash point, in order
    files = ["a.csv", "b.csv", "c.csv", "d.txt"]
    assert seen == [f"{step} {f}" for f in files for step in ("recorded", "created", "wrote")] + [
        "created the journal",
        "wrote the journal",
        "committed the journal",
        *[f"renamed {f}" for f in files],
        "removed the journal",
    ]
    assert _outputs(root) == {k: v.replace("old", "new") for k, v in old.items()}
    assert list((root / STAGING_DIR).iterdir()) == []  # the completed run left nothing


def test_a_second_run_of_the_same_transaction_is_refused_while_the_first_lives(tmp_path):
    with Transaction(tmp_path, "clean@x"):
        with pytest.raises(
            BusyError,
            match=r"clean@x\.manifest: expected no other run of "
            r"clean@x; found one still running",
        ):
            Transaction(tmp_path, "clean@x").__enter__()
        assert recover(tmp_path) == []  # a live run is never settled
    assert list((tmp_path / STAGING_DIR).iterdir()) == []


def test_an_abandoned_transaction_is_rolled_back_or_forward(tmp_path):
    """Recovery of a run killed before its journal (undo) and after it (finish)."""
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    staging = tmp_path / STAGING_DIR
    staging.mkdir()
    tmp = tmp_path / ".out.csv.1.tmp"
    tmp.write_text("new\n", encoding="utf-8")
    (staging / "s@x.manifest").write_text(f'["{tmp}", "{target}"]\n["{tmp_path}/.cut', "utf-8")
    (staging / "s@x.run.ipynb").write_text("{}", encoding="utf-8")
    assert recover(tmp_path) == ["s@x"]
    assert target.read_text(encoding="utf-8") == "old\n" and not tmp.exists()
    tmp.write_text("new\n", encoding="utf-8")
    (staging / "s@x.manifest").write_text(f'["{tmp}", "{target}"]\n', encoding="utf-8")
    (staging / "s@x.journal").write_text(f'["{tmp}", "{target}"]\n', encoding="utf-8")
    assert recover(tmp_path) == ["s@x"]
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [STAGING_DIR, "out.csv"]


# --- a real stage, through the stage runner and through dvc repro --------------------------


@pytest.fixture
def export_project(tmp_path) -> Path:
    """A project copy of the invented export whose extract and clean ran on the old data."""
    return make_export_project(tmp_path / "project")


@pytest.mark.slow
def test_a_kill_at_every_write_and_rename_of_a_stage_leaves_all_old_or_all_new(export_project):
    root = export_project
    outs = [root / p for p in layout.stage_outputs("clean", SURVEY)]
    before = _tree(root)
    old = {p: p.read_bytes() for p in outs}
    drop_last_respondent(root)
    ok(run_stage(root, "clean", SURVEY), "clean", SURVEY)
    new = {p: p.read_bytes() for p in outs}
    assert all(new[p] != old[p] for p in outs if p.suffix == ".csv" and "rejects" not in p.name)
    expected_files = set(_tree(root))
    assert expected_files == set(before)  # same files, no stray one after a clean run

    runner = [sys.executable, "-m", "helpers.pipeline.runner", "clean", SURVEY]
    temp_files = set(Path(tempfile.gettempdir()).iterdir())
    seen, n = [], 0
    while True:
        n += 1
        for p, data in old.items():  # back to the old outputs
            p.write_bytes(data)
        code, label = _killed_run(runner, root, n, root.parent / "counter")
        if code == 0:
            break
        assert code == -signal.SIGKILL, f"crash point {n} ({label}) did not kill the run"
        seen.append(label)
        recover(root)  # what the next run does first
        state = {p: p.read_bytes() for p in outs}
        assert state in (old, new), (
            f"killed at {label!r}: "
            f"{[p.name for p in outs if state[p] != old[p]]} new, "
            f"{[p.name for p in outs if state[p] != new[p]]} old"
        )
        assert set(_tree(root)) == expected_files, (
            f"killed at {label!r}: strays {sorted(set(_tree(root)) - expected_files)}"
        )
        assert list((root / STAGING_DIR).iterdir()) == []
    renames = [label for label in seen if label.startswith("renamed ")]
    assert sorted(renames) == sorted(f"renamed {p.name}" for p in outs)
    assert sorted(label for label in seen if label.startswith("wrote ")) == sorted(
        [f"wrote {p.name}" for p in outs] + ["wrote the journal"]
    )
    assert {p: p.read_bytes() for p in outs} == new  # the completed run
    assert list((root / STAGING_DIR).iterdir()) == []
    # the kernels' connection files went to .staging/<run>.tmp/, not the temporary folder
    assert not [
        p.name
        for p in set(Path(tempfile.gettempdir()).iterdir()) - temp_files
        if p.name.startswith("tmp") and p.suffix == ".json"
    ]


@pytest.mark.slow
def test_a_killed_run_is_settled_by_the_next_run_and_by_dvc_repro(export_project):
    """Killed between two renames (half the outputs new): the next runner finishes them;
    killed inside `dvc repro`, the next `dvc repro` recovers and records the stage."""
    root = export_project
    outs = [root / p for p in layout.stage_outputs("clean", SURVEY)]
    old = {p: p.read_bytes() for p in outs}
    drop_last_respondent(root)
    runner = [sys.executable, "-m", "helpers.pipeline.runner", "clean", SURVEY]
    n, label = 0, ""
    while not label.startswith("renamed "):  # find the first rename's crash point
        n += 1
        recover(root)
        for p, data in old.items():
            p.write_bytes(data)
        code, label = _killed_run(runner, root, n, root.parent / "counter")
        assert code == -signal.SIGKILL
    half = {p for p in outs if p.read_bytes() != old[p]}
    assert len(half) == 1  # one output replaced, the others old: only recovery can fix this
    assert (root / STAGING_DIR / f"clean@{SURVEY}.journal").is_file()
    ok(run_stage(root, "clean", SURVEY), "clean", SURVEY)
    new = {p: p.read_bytes() for p in outs}
    assert list((root / STAGING_DIR).iterdir()) == []

    dvc = [str(REPO_ROOT / ".venv/bin/dvc"), "repro", "--single-item", f"clean@{SURVEY}"]
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    for p, data in old.items():
        p.write_bytes(data)
    code, label = _killed_run(dvc, root, n + 1, root.parent / "counter")  # the 2nd rename
    assert code == -signal.SIGKILL and label.startswith("renamed "), label
    done = subprocess.run(
        dvc, cwd=root, env=env(), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert {p: p.read_bytes() for p in outs} == new
    status = subprocess.run(
        [str(REPO_ROOT / ".venv/bin/dvc"), "status", f"clean@{SURVEY}"],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "up to date" in status.stdout, status.stdout
    assert list((root / STAGING_DIR).iterdir()) == []
    assert not [p for p in root.rglob("*.tmp")]
    assert not os.environ.get(KILL_AT_ENV)
