import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.pipeline.normalize import (
    dumps,
    normalize,
    outputs_present,
    strip_outputs,
    volatile_fields,
)


@pytest.fixture
def executed():
    """A notebook as papermill leaves it: timings, random ids, versions, outputs."""
    nb = new_notebook()
    nb.metadata.update(
        {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.9", "mimetype": "text/x-python"},
            "papermill": {
                "duration": 2.5,
                "start_time": "2026-01-01T00:00:00",
                "parameters": {"codebook": "x.yaml"},
            },
            "widgets": {"state": {}},
        }
    )
    md = new_markdown_cell("# Title")
    params = new_code_cell("codebook = 'x.yaml'", execution_count=1)
    params.metadata.update(
        {
            "tags": ["parameters"],
            "papermill": {"duration": 0.1},
            "execution": {"iopub.status.busy": "2026-01-01T00:00:00"},
        }
    )
    code = new_code_cell(
        "1 + 1",
        execution_count=2,
        outputs=[new_output("execute_result", {"text/plain": "2"}, execution_count=2)],
    )
    code.metadata.update({"collapsed": False, "scrolled": True})
    nb.cells = [md, params, code]
    for cell, cid in zip(nb.cells, ["a1b2c3", "f00d", "beef42"], strict=True):
        cell["id"] = cid
    return nb


def test_volatile_fields_found(executed):
    found = volatile_fields(executed)
    assert "metadata.papermill" in found
    assert "metadata.widgets" in found
    assert "cells[1].metadata.papermill" in found
    assert "cells[1].metadata.execution" in found
    assert "cells[2].metadata.collapsed" in found
    assert "cells[2].metadata.scrolled" in found
    assert {"cells[0].id", "cells[1].id", "cells[2].id"} <= set(found)
    assert outputs_present(executed) == [1, 2]


def test_normalize_removes_noise_and_sets_positional_ids(executed):
    nb = normalize(executed)
    assert nb is executed
    assert volatile_fields(nb) == []
    assert [c["id"] for c in nb.cells] == ["cell-000", "cell-001", "cell-002"]
    assert nb.metadata["language_info"] == {"name": "python"}
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata
    assert nb.cells[1].metadata == {"tags": ["parameters"]}
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "2"  # outputs are kept
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    nbformat.validate(nb)


def test_normalize_is_idempotent_and_byte_stable(executed):
    first = dumps(normalize(executed))
    assert dumps(normalize(nbformat.reads(first, as_version=4))) == first
    assert first.endswith("}\n") and not first.endswith("\n\n")  # one trailing newline
    assert json.loads(first)["cells"][0]["id"] == "cell-000"


def test_strip_outputs(executed):
    nb = strip_outputs(executed)
    assert outputs_present(nb) == []
    assert all(
        c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code"
    )
    assert "language_info" not in nb.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert volatile_fields(nb) == []
    assert nb.cells[0].source == "# Title"
    nbformat.validate(nb)
