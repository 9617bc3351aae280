"""The commands of the README and docs/ work as written, and notebooks run by hand leave
git clean.

Both run in a clone of the repository's committed HEAD (what a new user checks out), with
the pipeline's .venv linked in; uncommitted changes are not seen.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# `make` targets are what CI itself runs on a fresh clone (.ci/run): `make report` and
# `make test` there; `make lab` starts a server that does not return.
NOT_RUN_HERE = {"make report", "make test", "make lab", "make test-all"}


# The pages whose ```bash blocks are commands a user types: the README first, then docs/.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def bash_commands(path: Path) -> list[str]:
    """Every command line of a page's ```bash blocks, comments stripped."""
    text = path.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def documented_commands() -> list[str]:
    """Every command of the README's and docs/'s ```bash blocks, in page order."""
    return [command for page in PAGES for command in bash_commands(page)]


def fresh_clone(dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def shell_env() -> dict[str, str]:
    """A new user's shell: no venv on PATH (the commands must name .venv/bin themselves)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "DVC_NO_ANALYTICS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
    }


def test_readme_lists_the_commands_this_test_runs():
    readme = bash_commands(ROOT / "README.md")
    assert readme[:2] == ["make report", "make test"]  # the landing page's first commands
    assert {".venv/bin/dvc repro --force", ".venv/bin/dvc metrics show"} <= set(readme)
    commands = documented_commands()
    assert any(c.startswith(".venv/bin/python -m helpers.tools.trace ") for c in commands)
    assert any("helpers.tools.codebook draft" in c for c in commands)
    assert all(not c.startswith(("dvc ", "python ")) for c in commands), (
        "name the pipeline's interpreter: .venv/bin/..."
    )


@pytest.mark.slow
def test_every_readme_and_docs_command_runs_as_written_in_a_fresh_clone(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    ran = []
    for command in documented_commands():
        if command in NOT_RUN_HERE:
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=clone,
            env=shell_env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        ran.append(command)
    assert ".venv/bin/dvc repro --force" in ran
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert status.stdout == "", f"the documented commands changed committed files:\n{status.stdout}"


@pytest.mark.pipeline
def test_notebooks_run_top_to_bottom_in_jupyter_leave_git_status_clean(tmp_path):
    """As in JupyterLab: the kernel starts in notebooks/, every cell runs with the defaults
    of the parameters cell; the outputs land in scratch/ and git sees no change."""
    from nbclient import NotebookClient

    clone = fresh_clone(tmp_path / "clone")
    for path in sorted((clone / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(
            nb,
            kernel_name="python3",
            timeout=300,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
    scratch = clone / "scratch" / "data" / "processed" / "oas_2013"
    written = {p.relative_to(scratch).as_posix() for p in scratch.rglob("*") if p.is_file()}
    assert {"responses.csv", "summaries.csv", "audit.csv", "report_card.json"} <= written
    # The scratch run computed what the pipeline committed (same inputs, same parameters).
    for name in ("responses.csv", "summaries.csv", "audit.csv"):
        committed = clone / "data" / "processed" / "oas_2013" / name
        assert (scratch / name).read_bytes() == committed.read_bytes(), name


@pytest.mark.slow
def test_a_change_to_one_survey_reruns_only_that_survey(tmp_path):
    """An override for the example survey: its stages rerun, the 2013 survey's files stay
    byte-identical (and DVC does not even run its stages)."""
    clone = fresh_clone(tmp_path / "clone")
    params = clone / "params.yaml"
    text = params.read_text(encoding="utf-8")
    marker = "    overrides: {report: {small_base_rule: merge}}\n"  # invented_example's
    assert text.count(marker) == 1
    params.write_text(
        text.replace(marker, marker.replace("merge}", "merge, small_n: 5}")), encoding="utf-8"
    )
    done = subprocess.run(
        [".venv/bin/dvc", "repro"],
        cwd=clone,
        env=shell_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ran = set(re.findall(r"Running stage '([^']+)'", done.stdout))
    # clean declares the survey's overrides too (a `clean:` override is read there), so it
    # reruns; it writes the same bytes (no data file of the survey changes below)
    assert ran == {
        "clean@invented_example",
        "summarize@invented_example",
        "audit@invented_example",
        "report@invented_example",
        "index",
    }, ran
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    changed = {line[3:] for line in status}
    assert "params.yaml" in changed and "reports/invented_example/report.html" in changed
    assert not [p for p in changed if "oas_2013" in p], changed
    cleaned = [
        f"data/processed/invented_example/{name}"
        for name in (
            "responses.parquet",
            "responses.csv",
            "free_text.parquet",
            "free_text.csv",
            "rejects.csv",
            "reconciliation.csv",
        )
    ]
    assert not set(cleaned) & changed, changed  # clean reran and wrote the same bytes
