"""Shared fixtures: the repository, its codebook, the real source and an invented mini survey."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.core.codebook import Codebook, load_codebook
from helpers.extract.source_parser import ParsedSource, parse_source

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCE_REL = "data/raw/oas_cso_survey_2013.txt"
CODEBOOK_REL = "codebooks/oas_2013.yaml"
MINI_NAME = "mini_survey.txt"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pipeline: runs pipeline stages (papermill kernels) in a temporary project copy; "
        "part of the default run (deselect with -m 'not pipeline')",
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project root (the folder holding dvc.yaml)."""
    assert (REPO_ROOT / "dvc.yaml").is_file()
    return REPO_ROOT


@pytest.fixture(scope="session")
def codebook(repo_root: Path) -> Codebook:
    """The project's codebook, loaded by helpers.codebook."""
    return load_codebook(repo_root / CODEBOOK_REL)


@pytest.fixture(scope="session")
def source_path(repo_root: Path) -> Path:
    return repo_root / SOURCE_REL


@pytest.fixture(scope="session")
def source_text(source_path: Path) -> str:
    """The verbatim published document."""
    return source_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def source_lines(source_text: str) -> list[str]:
    """The real document's lines (index 0 is line 1)."""
    return source_text.splitlines()


@pytest.fixture(scope="session")
def parsed_source(source_text: str, codebook: Codebook) -> ParsedSource:
    return parse_source(source_text, codebook, path=SOURCE_REL)


@pytest.fixture(scope="session")
def mini_path() -> Path:
    """The invented mini survey (see tests/fixtures/README.md)."""
    return FIXTURES / MINI_NAME


@pytest.fixture(scope="session")
def mini_text(mini_path: Path) -> str:
    return mini_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def mini_lines(mini_text: str) -> list[str]:
    return mini_text.splitlines()


@pytest.fixture(scope="session")
def parsed_mini(mini_text: str, codebook: Codebook) -> ParsedSource:
    return parse_source(mini_text, codebook, path=MINI_NAME)
