"""Which answer of a closed question leads: one rule for the key findings and the metrics.

A yes/no question (two answers besides neutral ones, one labelled "yes" in a language the
reports use) leads with its "yes", whichever is larger; any other question with its
largest share, neutral answers ("Don't know") never leading.
"""

from __future__ import annotations

from collections.abc import Iterable

from helpers.core.codebook import Question
from helpers.core.codes import code_key

# Labels read as the "yes" of a yes/no question.
AFFIRMATIVE = frozenset({"yes", "sí", "si", "oui", "sim"})


def affirmative_code(q: Question) -> str | None:
    """The code of a yes/no question's "yes" (two answers besides neutral ones), else None."""
    neutral = {code_key(c) for c in q.neutral}
    options = [o for o in q.answers if code_key(o.code) not in neutral]
    if q.type == "multiple_choice" or len(options) != 2:
        return None
    yes = [o for o in options if o.label.strip(" .!").casefold() in AFFIRMATIVE]
    return code_key(yes[0].code) if len(yes) == 1 else None


def leading_codes(q: Question, shares: Iterable[tuple[str, float]]) -> list[str]:
    """The leading answer code(s) of ``q``, given each answer's (code, share) overall.

    Its "yes" for a yes/no question, else the largest share(s) among non-neutral answers
    (several when tied; none without shares).
    """
    neutral = {code_key(c) for c in q.neutral}
    pairs = [(code_key(c), s) for c, s in shares if code_key(c) not in neutral]
    yes = affirmative_code(q)
    if yes is not None:
        return [c for c, _ in pairs if c == yes][:1]
    top = max((s for _, s in pairs), default=None)
    return [] if top is None else [c for c, s in pairs if s == top]
