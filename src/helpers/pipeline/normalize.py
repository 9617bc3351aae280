"""Strip the run-to-run noise from executed notebooks so outputs are byte-stable."""

from __future__ import annotations

import nbformat

VOLATILE_NOTEBOOK_KEYS = ("papermill", "widgets")
VOLATILE_CELL_KEYS = ("papermill", "execution", "collapsed", "scrolled")


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop timings, papermill metadata, random ids and interpreter versions (in place)."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    language = nb.metadata.get("language_info")
    if language:
        nb.metadata["language_info"] = {"name": language.get("name", "python")}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def strip_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs and execution counts (for committed source notebooks), in place."""
    normalize(nb)
    nb.metadata.pop("language_info", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def volatile_fields(nb: nbformat.NotebookNode) -> list[str]:
    """Names of the noisy fields still present (empty when the notebook is clean)."""
    found: list[str] = [f"metadata.{k}" for k in VOLATILE_NOTEBOOK_KEYS if k in nb.metadata]
    for index, cell in enumerate(nb.cells):
        found += [f"cells[{index}].metadata.{k}" for k in VOLATILE_CELL_KEYS if k in cell.metadata]
        if cell.get("id") != f"cell-{index:03d}":
            found.append(f"cells[{index}].id")
    return found


def outputs_present(nb: nbformat.NotebookNode) -> list[int]:
    """Indexes of code cells carrying outputs or execution counts."""
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialize like Jupyter does (1-space indent, sorted keys, trailing newline)."""
    return nbformat.writes(nb) + "\n"
