"""The order in which routing is judged: each question after the variables it is asked on."""

from __future__ import annotations

import heapq

from helpers.core.codebook_model import Codebook
from helpers.core.codebook_parts import Question
from helpers.core.errors import CodebookError

Edges = dict[str, list[tuple[str, str]]]  # variable -> [(how, the variable it waits on)]


def _edges(book: Codebook) -> Edges:
    """Each variable's dependencies: its source if derived, the variables of its ``asked_if``."""
    edges: Edges = {}
    for item in book.derived:
        edges.setdefault(item.id, []).append(("derived from", item.derived_from))
    for q in book.questions:
        edges.setdefault(q.id, []).extend(("asked_if", var) for var, _ in q.asked_if)
    return edges


def _topological(edges: Edges, position: dict[str, int]) -> tuple[list[str], dict[str, set[str]]]:
    """(variables in dependency order, earliest in the codebook first; those left waiting)."""
    waiting = {v: {d for _, d in out} for v, out in edges.items()}
    for deps in list(waiting.values()):  # a variable waited on that waits on nothing (a
        for d in deps:  # group read from its own column) is ready from the start
            waiting.setdefault(d, set())
    users: dict[str, list[str]] = {}
    for v, deps in waiting.items():
        for d in deps:
            users.setdefault(d, []).append(v)
    ready = sorted((position.get(v, -1), v) for v, deps in waiting.items() if not deps)
    order: list[str] = []
    while ready:
        _, v = heapq.heappop(ready)
        order.append(v)
        for user in users.get(v, []):
            waiting[user].discard(v)
            if not waiting[user]:
                heapq.heappush(ready, (position.get(user, -1), user))
    return order, {v: deps for v, deps in waiting.items() if deps}


def _cycle_error(
    book: Codebook, edges: Edges, left: dict[str, set[str]], position: dict[str, int]
) -> CodebookError:
    """The refusal of routing in a cycle, naming the cycle from its first variable."""
    node, path = min(left, key=lambda v: position.get(v, -1)), []
    while node not in path:  # each variable left waits on another left: a cycle
        path.append(node)
        node = min(left[node], key=lambda v: position.get(v, -1))
    cycle = path[path.index(node) :]
    start = min(range(len(cycle)), key=lambda k: position.get(cycle[k], -1))
    cycle = cycle[start:] + cycle[:start]
    steps = []
    for k, v in enumerate(cycle):
        nxt = cycle[(k + 1) % len(cycle)]
        how = next(h for h, d in edges[v] if d == nxt)
        steps.append(f"{v} {how} {nxt}")
    first_how = steps[0].split(" ")[1] if steps[0].split(" ")[1] == "asked_if" else "derived_from"
    return CodebookError(
        f"{cycle[0]}: {first_how}: expected routing on variables answered "
        f"before {cycle[0]} (no cycle); found a cycle of "
        f"{len(cycle)}: {', '.join(steps)}",
        (*book.places[cycle[0]], first_how),
    )


def routing_order(book: Codebook) -> tuple[Question, ...]:
    """The routed questions, each after every variable its ``asked_if`` reads.

    A variable depends on those its ``asked_if`` names and, if derived, on its
    source; cleaning judges each question's routing on the values the ones before
    it left (a set-aside answer routes no one). Routing in a cycle (``q2`` asked
    if ``q3``, ``q3`` asked if ``q2``; a question asked if its own recode) has no
    such order: refused, naming the variables of the cycle.
    """
    edges = _edges(book)
    position = {
        vid: k
        for k, vid in enumerate([*[q.id for q in book.questions], *[g.id for g in book.groups]])
    }
    order, left = _topological(edges, position)
    if left:
        raise _cycle_error(book, edges, left, position)
    routed = {q.id: q for q in book.summarized if q.asked_if}
    return tuple(routed[v] for v in order if v in routed)
