"""Locate the project and read its parameters, wherever a notebook runs from."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

MARKER = "dvc.yaml"


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding dvc.yaml."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise FileNotFoundError(f"no {MARKER} in {here} or any folder above it")


def load_params(root: Path) -> dict[str, Any]:
    """params.yaml as a mapping."""
    return yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))


def stage_defaults(stage: str, start: str | Path | None = None) -> dict[str, Any]:
    """The params.yaml values of the keys ``stage`` declares in dvc.yaml.

    A notebook's ``parameters`` cell takes its defaults from here, so that
    params.yaml is the one place to change them: run by hand in Jupyter, a
    notebook uses the same values the stage runner injects under DVC.
    """
    from helpers.stage_runner import stage_parameters, stage_spec

    root = project_root(start)
    return stage_parameters(stage_spec(root, stage), load_params(root), stage)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
