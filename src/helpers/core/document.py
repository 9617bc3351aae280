"""The 2013 published document's own facts: its registration group and its tables' columns.

The document lists its responding organizations under a registration heading
(``Registered`` / ``Not registered``: the codebook group :data:`REGISTRATION`),
then once per question. Everything that names that group or the columns of the
tables rebuilt from the document lives here, so that the rest of the package
(and every export) never spells them: the parser and the claims finder
(``helpers.extract.document``), the reconciliation (``helpers.clean.reconcile``),
the schemas (``helpers.core.schemas``), the hand-off's column order and the
report's respondents table import these names.
"""

from __future__ import annotations

from helpers.core.codebook import Codebook, Option

# The codebook group the document's registration headings set, and the column holding it.
REGISTRATION = "oas_registered"
REGISTRATION_LINE = f"{REGISTRATION}_line"
# How the report's table of respondents heads that column.
REGISTRATION_HEADER = "OAS registration"

# The columns of an organization mention as the extract stage writes it.
MENTION_COLUMNS = [
    "line",
    "list",
    "section",
    "answer",
    "answer_line",
    REGISTRATION,
    REGISTRATION_LINE,
    "country",
    "country_line",
    "organization",
    "acronym",
]


def registration_values(book: Codebook) -> tuple[Option, ...]:
    """The registration group's values, in the codebook's order."""
    return book.group(REGISTRATION).values


def response_columns(book: Codebook) -> list[str]:
    """Column order of a document's responses (respondents rebuilt from its lists)."""
    cols = ["respondent_id", "organization", "acronym", "country", REGISTRATION]
    cols += [q.id for q in book.categorical]
    cols += ["organization_line", "country_line", REGISTRATION_LINE]
    for q in book.categorical:
        cols += [f"{q.id}_line", f"{q.id}_heading_line"]
    return cols
