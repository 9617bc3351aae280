"""The report's editions as files: each language's HTML and PDF, and ``editions.json``.

The report notebook builds every edition of ``surveys.<id>.languages`` and marks each
output with its edition (helpers.pipeline.render.EDITION_KEY); here each edition is
rendered from its own outputs, with ``<html lang>`` and the title in its language.
The default edition (the first language) keeps the names of a one-language report;
the others go to ``reports/<survey>/editions/`` with ``editions.json``, which lists
every edition (written for one language too: the folder, a DVC output, is never empty).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from helpers.core.i18n import language_name
from helpers.pipeline import layout


def edition_paths(survey: str, languages: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """Each edition's language and files (html, pdf, tables) from the project root."""
    return [
        (lang, layout.edition_files(survey, lang, default=i == 0))
        for i, lang in enumerate(languages)
    ]


def editions_json(survey: str, languages: Sequence[str]) -> str:
    """``editions.json``: each edition's language, its name in itself and its three files.

    Paths are relative to the folder of editions.json (``../report.html`` for the default).
    """
    folder = layout.editions_folder(survey)
    entries = [
        {
            "language": lang,
            "name": language_name(lang),
            "default": i == 0,
            **{kind: posixpath.relpath(path, folder) for kind, path in files.items()},
        }
        for i, (lang, files) in enumerate(edition_paths(survey, languages))
    ]
    return json.dumps({"survey": survey, "editions": entries}, ensure_ascii=False, indent=2) + "\n"


def report_title(codebook: Path, lang: str | None = None) -> str:
    """The survey's title, from its codebook, in ``lang`` (None: the codebook's own)."""
    from helpers.core.codebook import load_codebook

    return load_codebook(codebook, lang).survey.title_or()


def edition_outputs(
    nb: Any,
    root: Path,
    survey: str,
    codebook: Path,
    languages: Sequence[str],
    lap: Callable[[str], None],
) -> dict[Path, str | bytes]:
    """Every edition's HTML and PDF, and editions.json, by target path.

    ``lap(step)`` is called after each rendering (the runner's timings: ``html``,
    ``pdf`` for the default edition, ``html es``, ``pdf es`` for the others).
    """
    from helpers.pipeline.render import edition_notebook, render_html, render_pdf

    outputs: dict[Path, str | bytes] = {}
    for i, (lang, files) in enumerate(edition_paths(survey, languages)):
        suffix = "" if i == 0 else f" {lang}"
        html = render_html(
            edition_notebook(nb, lang), title=report_title(codebook, lang), lang=lang
        )
        lap(f"html{suffix}")
        outputs[root / files["html"]] = html
        outputs[root / files["pdf"]] = render_pdf(html, base_url=str(root))
        lap(f"pdf{suffix}")
    outputs[root / layout.editions_list(survey)] = editions_json(survey, languages)
    return outputs
