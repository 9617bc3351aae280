"""Write ``reports/index.html``: one entry per survey: its HTML and PDF report, its tables.

Each survey's editions (its languages: ``reports/<survey>/editions/editions.json``)
are listed with their names in their own language. The index's words go through the
message catalog (``locales/<lang>/index.po``); the index itself is written in English.

Usage (the ``index`` stage of dvc.yaml)::

    .venv/bin/python -m helpers.pipeline.index

Each survey's report stage writes ``data/processed/<survey>/report_card.json``
(title, respondents, figures, audit counts); the index lists the surveys in the
order of ``surveys:`` in params.yaml. A survey without a card stops the stage.
"""

from __future__ import annotations

import json
import posixpath
import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from helpers.core import i18n
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
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.filters["number"] = i18n.number
    env.filters["code"] = lambda text: Markup("<code>{}</code>").format(text)
    html = env.get_template("index.html.j2").render(
        cards=cards, input_kinds=KINDS, lang=i18n.language()
    )
    return html


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
        card["editions"] = read_editions(root, survey)
        # The audit's statuses as the audit names them (codes, not translated).
        card["statuses"] = ", ".join(f"{n} {status}" for status, n in card["audit"].items())
        cards.append(card)
    return cards


def read_editions(root: Path, survey: str) -> list[dict[str, Any]]:
    """The survey's editions (editions.json), each file's path relative to the index."""
    path = root / layout.editions_list(survey)
    if not path.is_file():
        raise ConfigError(
            f"{path.relative_to(root)}: expected the list of the report's editions of "
            f"survey {survey!r}; found no file (run its report stage)"
        )
    listed = json.loads(path.read_text(encoding="utf-8"))["editions"]
    folder = posixpath.dirname(layout.editions_list(survey))
    index = posixpath.dirname(layout.INDEX)
    return [
        {
            **edition,
            **{
                kind: posixpath.relpath(posixpath.normpath(f"{folder}/{edition[kind]}"), index)
                for kind in layout.EDITION_FILES
            },
        }
        for edition in listed
    ]


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
