"""Write ``reports/index.html``: one entry per survey: its HTML and PDF report, its tables.

Usage (the ``index`` stage of dvc.yaml)::

    .venv/bin/python -m helpers.pipeline.index

Each survey's report stage writes ``data/processed/<survey>/report_card.json``
(title, respondents, figures, audit counts); the index lists the surveys in the
order of ``surveys:`` in params.yaml. A survey without a card stops the stage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from helpers.core.inputs import KINDS
from helpers.pipeline import layout
from helpers.pipeline.config import ConfigError, load_params, project_root
from helpers.pipeline.staging import BusyError, OutputError, write_outputs

TEMPLATES = Path(__file__).parent / "templates" / "index"


def render_index(cards: list[dict[str, Any]]) -> str:
    """The index page for these report cards (autoescaped Jinja2)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("index.html.j2").render(cards=cards, input_kinds=KINDS)


def read_cards(root: Path, surveys: list[str]) -> list[dict[str, Any]]:
    """Each survey's report card, in the order given."""
    cards = []
    for survey in surveys:
        path = root / layout.data_outputs("report", survey)["card"]
        if not path.is_file():
            raise ConfigError(
                f"{path.relative_to(root)}: expected the report card of survey "
                f"{survey!r}; found no file (run its report stage)"
            )
        card = json.loads(path.read_text(encoding="utf-8"))
        # Links relative to reports/index.html, from the layout (the one place they are named).
        reports = {**layout.report_outputs(survey), "tables": card_tables(survey)}
        for kind, report in reports.items():
            card[kind] = str(Path(report).relative_to(Path(layout.INDEX).parent))
        cards.append(card)
    return cards


def card_tables(survey: str) -> str:
    """The survey's tables as a spreadsheet (written by its report stage)."""
    return layout.data_outputs("report", survey)["tables"]


def main() -> int:
    """Build the index from params.yaml's surveys."""
    root = project_root()
    try:
        cards = read_cards(root, list(load_params(root).surveys))
    except ConfigError as exc:
        print(f"[index] FAILED: {exc}", file=sys.stderr)
        return 1
    try:
        write_outputs({root / layout.INDEX: render_index(cards)}, root=root)
    except (OutputError, BusyError) as exc:
        print(f"[index] FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"[index] done: {layout.INDEX} ({len(cards)} surveys)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
