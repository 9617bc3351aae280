"""What each input kind is: the facts every stage asks of it, decided once per kind.

An input is either the published document (``document``: respondents rebuilt from
its lists, its figures audited) or a survey tool's export, one row per respondent
(``respondent_csv``, ``respondent_sav``, ``respondent_dta``). Each stage looks its
adapter up by :attr:`InputKind.family` (``helpers.extract.adapters``,
``helpers.clean.adapters``, ``helpers.report.adapters``) instead of comparing
``input_kind`` itself; the facts below are what they share.

To add an input kind: a row of :data:`KINDS` (and of ``params.INPUT_KINDS``), and an
adapter of each stage if it is a new family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

Family = Literal["document", "export"]


@dataclass(frozen=True)
class InputKind:
    """One value of ``surveys.<id>.input_kind`` and what it implies."""

    name: str
    family: Family
    # What a source_line number counts: a "line" of a text file or a "case" of a data file.
    record_unit: str
    # The number of the first respondent's record: line 2 of a CSV, case 1 of a data file.
    first_record: int
    # A data file with value labels (SPSS, Stata): read by helpers.extract.labelled.
    labelled: bool = False

    @property
    def description(self) -> str:
        """How the index page names the input."""
        return DESCRIPTIONS[self.family]


DESCRIPTIONS: dict[str, str] = {
    "document": "published document",
    "export": "respondent-level export",
}

KINDS: dict[str, InputKind] = {
    kind.name: kind
    for kind in (
        InputKind("document", "document", record_unit="line", first_record=1),
        InputKind("respondent_csv", "export", record_unit="line", first_record=2),
        InputKind("respondent_sav", "export", record_unit="case", first_record=1, labelled=True),
        InputKind("respondent_dta", "export", record_unit="case", first_record=1, labelled=True),
    )
}


def input_kind(name: str) -> InputKind:
    """The facts of input kind ``name`` (a value params.yaml allows)."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"input_kind must be one of {tuple(KINDS)}, not {name!r}") from None


class StageView(Protocol):
    """What a stage adapter reads of its stage (``helpers.pipeline.session.Stage``)."""

    def get(self, key: str) -> Any:
        """A declared parameter (``input_kind``, ``source``, ``clean.max_field_bytes`` ...)."""
        ...

    def input(self, stage: str, name: str) -> str:
        """The path of an upstream output the stage declares."""
        ...

    def output(self, name: str) -> str:
        """Where the stage writes its output ``name``."""
        ...
