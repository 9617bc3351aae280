"""The documentation holds together: every relative link and #anchor of README.md,
CHANGELOG.md and docs/*.md resolves, and the README stays a landing page."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 200

FENCE = re.compile(r"^```.*?^```[^\n]*$", flags=re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", flags=re.M)


def prose(text: str) -> str:
    """The page without fenced code blocks and inline code (their brackets are not links)."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, markup and punctuation dropped, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").lower()
    kept = "".join(
        c
        for c in text
        if c in " -_" or unicodedata.category(c)[0] in "LNM"  # letters, digits, marks
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a page (a repeated heading gets -1, -2 ... as on GitHub)."""
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        name, n = base, 0
        while name in found:
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def relative_links(path: Path) -> list[str]:
    links = LINK.findall(prose(path.read_text(encoding="utf-8")))
    return [link for link in links if not re.match(r"^[a-z][a-z0-9+.-]*:", link)]


def test_the_pages_exist_and_link_somewhere():
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    expected = {"outputs", "parameters", "codebook", "designs", "architecture", "performance"}
    assert {f"docs/{n}.md" for n in expected | {"bad-input"}} <= names
    assert len(relative_links(ROOT / "README.md")) >= 10


def broken_links(page: Path) -> list[str]:
    """The page's relative links whose file or heading does not exist."""
    broken = []
    for link in relative_links(page):
        target, _, anchor = link.partition("#")
        file = (page.parent / target).resolve() if target else page
        if not file.exists():
            broken.append(f"{link}: no file {target}")
        elif anchor and file.suffix != ".md":
            broken.append(f"{link}: an anchor into a file that is not a page")
        elif anchor and anchor not in anchors(file):
            broken.append(f"{link}: no heading #{anchor} in {target or page.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_anchor_resolves(page):
    assert not broken_links(page), "\n".join(broken_links(page))


def test_every_page_of_docs_is_linked_from_the_readme():
    readme = relative_links(ROOT / "README.md")
    linked = {link.partition("#")[0] for link in readme}
    for page in (ROOT / "docs").glob("*.md"):
        assert f"docs/{page.name}" in linked, page.name
    assert "CHANGELOG.md" in linked


def test_the_readme_is_a_landing_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < README_MAX_LINES, f"README.md has {len(lines)} lines: move detail to docs/"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[:2] == ["## Two commands", "## Surveys shipped"]


def test_the_link_checker_catches_a_broken_link_and_anchor(tmp_path):
    (tmp_path / "a.md").write_text("# Top: `x` and *y*\n\n## Ça va — oui (2)\n", encoding="utf-8")
    assert anchors(tmp_path / "a.md") == {"top-x-and-y", "ça-va--oui-2"}
    page = tmp_path / "b.md"
    page.write_text(
        "[ok](a.md#ça-va--oui-2) [bad](a.md#nope) [gone](c.md) [web](https://x.org/#q)\n"
        "`[code](z.md)`\n```\n[fenced](z.md)\n```\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["a.md#ça-va--oui-2", "a.md#nope", "c.md"]
    assert broken_links(page) == ["a.md#nope: no heading #nope in a.md", "c.md: no file c.md"]
