"""The parsed codebook: its questions and groups, and the views the stages take of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpers.core.codebook_design import Design, Frame
from helpers.core.codebook_parts import Banner, Group, Inputs, Question, Source, Survey


@dataclass(frozen=True)
class Codebook:
    """The parsed codebook."""

    survey: Survey
    source: Source
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]
    by_group: tuple[str, ...]
    crosstabs: tuple[tuple[str, str], ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    input: Inputs = field(default_factory=Inputs)
    design: Design | None = None  # None: every respondent counts once (no weights)
    frame: Frame | None = None  # what is known of the population (codebook ``frame:``)
    banners: tuple[Banner, ...] = ()  # banner tables: breakdowns side by side
    # The language its texts are in (``load_codebook(path, language)``), and each text
    # that language lacks, shown in the codebook's own language with a mark
    # (helpers.core.codebook_texts): "file:line: ..." once read from a file.
    language: str = "en"
    fallbacks: tuple[str, ...] = ()
    missing: tuple[Any, ...] = field(repr=False, default=())  # their codebook_texts.Fallback

    def question(self, qid: str) -> Question:
        """The question with this id."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"no question {qid!r} in the codebook")

    def group(self, gid: str) -> Group:
        """The group with this id, or a single-answer question used as one (its answers)."""
        for g in self.groups:
            if g.id == gid:
                return g
        for q in self.categorical:
            if q.id == gid:
                return Group(
                    id=q.id,
                    label=q.short,
                    values=q.answers,
                    column=q.source_column,
                    of_question=True,
                )
        raise KeyError(f"no group or single-answer question {gid!r} in the codebook")

    def same_variable(self, qid: str, gid: str) -> bool:
        """True when group ``gid`` is question ``qid`` itself: its column, or recoded from it.

        Its breakdown is a recode table, not a comparison of groups: it is not tested.
        """
        if gid == qid:
            return True
        try:
            g, q = self.group(gid), self.question(qid)
        except KeyError:
            return False
        return g.derived_from == qid or (bool(g.column) and g.column == q.source_column)

    @property
    def places(self) -> dict[str, tuple[Any, ...]]:
        """Each question's and group's key path in the file (``("questions", 3)``)."""
        where: dict[str, tuple[Any, ...]] = {
            q.id: ("questions", i) for i, q in enumerate(self.questions)
        }
        return where | {g.id: ("groups", i) for i, g in enumerate(self.groups)}

    @property
    def derived(self) -> tuple[Question | Group, ...]:
        """Variables recoded from another (groups first), in codebook order."""
        return (
            *[g for g in self.groups if g.derived_from],
            *[q for q in self.questions if q.derived_from],
        )

    @property
    def categorical(self) -> tuple[Question, ...]:
        """Questions with a closed answer list, in codebook order."""
        return tuple(q for q in self.questions if q.categorical)

    @property
    def multiple_choice(self) -> tuple[Question, ...]:
        """Multiple-choice questions, in codebook order."""
        return tuple(q for q in self.questions if q.type == "multiple_choice")

    @property
    def closed(self) -> tuple[Question, ...]:
        """Questions answered from the codebook's options (single or multiple), in order."""
        return tuple(q for q in self.questions if q.closed)

    @property
    def summarized(self) -> tuple[Question, ...]:
        """Questions with figures of their own (closed and numeric), in codebook order."""
        return tuple(q for q in self.questions if q.closed or q.type == "numeric")

    @property
    def numeric(self) -> tuple[Question, ...]:
        """Numeric questions (a number per respondent), in codebook order."""
        return tuple(q for q in self.questions if q.type == "numeric")

    @property
    def free_text(self) -> tuple[Question, ...]:
        """Free-text questions, in codebook order."""
        return tuple(q for q in self.questions if q.type == "free_text")

    @property
    def breakdown_groups(self) -> tuple[str, ...]:
        """Every group some question is broken down by: ``by_group``, then the others."""
        own = [g for q in self.questions for g in (q.by or ())]
        return tuple(dict.fromkeys([*self.by_group, *own]))

    def breakdowns_of(self, q: Question) -> tuple[str, ...]:
        """The groups ``q`` is broken down by: its own ``breakdowns``, else ``by_group``.

        A question used as a group is not a breakdown of itself.
        """
        return tuple(g for g in (self.by_group if q.by is None else q.by) if g != q.id)

    def in_section(self, section: int) -> tuple[Question, ...]:
        """Questions the document reports under 'QUESTION <section>'."""
        return tuple(q for q in self.questions if q.section == section)


def check_banners(book: Codebook) -> None:
    """Each banner has its own id and names breakdowns the figures are made for, once each.

    A banner's ``by`` entry must be a group (or a single-answer question used as one) that
    some question is broken down by (``by_group`` or a question's ``breakdowns``): the
    banner shows figures the summaries make, it makes none.
    """
    from helpers.core.errors import CodebookError

    seen: dict[str, int] = {}
    made = book.breakdown_groups
    for i, banner in enumerate(book.banners):
        where = f"banners[{i}] ({banner.id})"
        if banner.id in seen:
            raise CodebookError(
                f"{where}.id: expected an id no other banner has; found {banner.id!r}, "
                f"also banners[{seen[banner.id]}]'s",
                ("banners", i, "id"),
            )
        seen[banner.id] = i
        for j, gid in enumerate(banner.by):
            place = ("banners", i, "by", j)
            try:
                book.group(gid)
            except KeyError:
                raise CodebookError(
                    f"{where}.by[{j}]: expected a group or single-answer question of the "
                    f"codebook; found {gid!r} (groups: {[g.id for g in book.groups]})",
                    place,
                ) from None
            if gid not in made:
                raise CodebookError(
                    f"{where}.by[{j}]: expected a breakdown some question is broken down by "
                    f"(breakdowns.by_group or a question's breakdowns: {list(made)}); found "
                    f"{gid!r}, which no question is, so it has no figures to show",
                    place,
                )
            if gid in banner.by[:j]:
                raise CodebookError(
                    f"{where}.by[{j}]: expected each breakdown once; found {gid!r} twice",
                    place,
                )
