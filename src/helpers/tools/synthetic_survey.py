"""Deterministic invented surveys (codebook + CSV export) for examples, tests and benchmarks.

Nothing here is real data. ``make_survey(n, questions, seed)`` returns a codebook
mapping and writes nothing; ``write_survey`` writes ``codebook.yaml`` and
``survey.csv`` to a folder. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

SCALE = ["Very useful", "Useful", "Somewhat useful", "Not useful"]
REGIONS = ["North", "Centre", "South", "Islands", "Abroad"]
ORG_TYPES = ["Foundation", "Association", "Network", "University centre"]
SERVICES = ["Legal aid", "Shelter", "Health care", "Training", "Advocacy"]
PHRASES = [
    "More training for local staff",
    "Publish the results in Spanish",
    "Shelters near the border",
    "Legal aid for families",
    "Better coordination with consulates",
    "Workshops on labour rights",
]


def make_codebook(
    questions: int, title: str = "Invented migrant-support survey", multiple_choice: int = 0
) -> dict:
    """A codebook for an export with ``questions`` closed questions plus one free text.

    The last ``multiple_choice`` of them are multiple choice (services offered,
    codes joined by ';'); the others alternate yes/no and rating scales.
    """
    qs: list[dict[str, Any]] = []
    for i in range(1, questions + 1):
        if i > questions - multiple_choice:
            answers = [{"code": str(k), "label": lab} for k, lab in enumerate(SERVICES, start=1)]
            qs.append(
                {
                    "id": f"q{i}",
                    "column": f"Q{i}",
                    "type": "multiple_choice",
                    "text": f"Invented question {i}: which services do you offer?",
                    "short": f"Services {i}",
                    "answers": answers,
                    "separator": ";",
                    "missing_codes": ["9"],
                }
            )
        elif i % 3 == 1:
            answers = [{"code": "1", "label": "Yes"}, {"code": "2", "label": "No"}]
            qs.append(
                {
                    "id": f"q{i}",
                    "column": f"Q{i}",
                    "type": "yes_no",
                    "text": f"Invented yes/no question {i}?",
                    "short": f"Yes/no {i}",
                    "answers": answers,
                    "missing_codes": ["9"],
                }
            )
        else:
            answers = [{"code": str(k), "label": lab} for k, lab in enumerate(SCALE, start=1)]
            answers.append({"code": "8", "label": "Don't know"})
            qs.append(
                {
                    "id": f"q{i}",
                    "column": f"Q{i}",
                    "type": "ordinal",
                    "text": f"Invented rating question {i}?",
                    "short": f"Rating {i}",
                    "answers": answers,
                    "neutral": ["8"],
                    "missing_codes": ["9", "99"],
                }
            )
    qs.append(
        {
            "id": "comment",
            "column": "COMMENT",
            "type": "free_text",
            "text": "Any suggestion?",
            "short": "Suggestions",
        }
    )
    return {
        "survey": {
            "id": "invented",
            "title": title,
            "publisher": "nobody (invented data)",
            "respondent_unit": "respondent",
            "respondent_unit_plural": "respondents",
        },
        "input": {"respondent_id": "RESP_ID"},
        "groups": [
            {
                "id": "region",
                "column": "REGION",
                "label": "Region",
                "values": [{"code": str(k), "label": r} for k, r in enumerate(REGIONS, start=1)],
            },
            {
                "id": "org_type",
                "column": "ORG_TYPE",
                "label": "Type of organization",
                "values": "from_source",
            },
        ],
        "questions": qs,
        "breakdowns": {
            "by_group": ["region", "org_type"],
            "crosstabs": [["q2", "q1"]] if questions - multiple_choice >= 2 else [],
        },
    }


def make_export(n: int, book: dict, seed: int = 2025, unknown_codes: int = 0) -> pd.DataFrame:
    """Respondent rows for the codebook: codes, some declared missing, a few unknown."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {"RESP_ID": [f"X{i:07d}" for i in range(1, n + 1)]}
    cols["REGION"] = rng.integers(1, len(REGIONS) + 1, n).astype(str)
    cols["ORG_TYPE"] = np.array(ORG_TYPES)[rng.integers(0, len(ORG_TYPES), n)]
    for q in book["questions"]:
        if q["type"] == "free_text":
            text = np.array(PHRASES, dtype=object)[rng.integers(0, len(PHRASES), n)]
            text[rng.random(n) < 0.7] = ""
            cols[q["column"]] = text
            continue
        if q["type"] == "multiple_choice":
            cols[q["column"]] = _multiple_cells(
                rng, n, [a["code"] for a in q["answers"]], q["separator"], q["missing_codes"][0]
            )
            continue
        codes = np.array([a["code"] for a in q["answers"]] + q["missing_codes"][:1])
        weights = np.linspace(2.0, 1.0, len(codes))
        cols[q["column"]] = codes[rng.choice(len(codes), n, p=weights / weights.sum())]
    df = pd.DataFrame(cols)
    first = next(q["column"] for q in book["questions"] if q["type"] != "free_text")
    for row in rng.choice(n, size=min(unknown_codes, n), replace=False):
        df.loc[row, first] = "7"  # a code the codebook does not define
    return df


def _multiple_cells(
    rng: np.random.Generator, n: int, codes: list[str], separator: str, missing: str
) -> np.ndarray:
    """Cells of a multiple-choice column: each option chosen with its own probability.

    A respondent who chose nothing gets the missing code or a blank cell.
    """
    probs = np.linspace(0.6, 0.15, len(codes))
    chosen = rng.random((n, len(codes))) < probs
    masks = chosen @ (1 << np.arange(len(codes)))
    table = np.array(
        [
            separator.join(c for k, c in enumerate(codes) if m >> k & 1)
            for m in range(1 << len(codes))
        ],
        dtype=object,
    )
    table[0] = missing
    cells = table[masks]
    cells[(masks == 0) & (rng.random(n) < 0.5)] = ""
    return cells


def write_survey(
    folder: Path,
    n: int,
    questions: int,
    seed: int = 2025,
    unknown_codes: int = 0,
    multiple_choice: int = 0,
) -> tuple[Path, Path]:
    """Write codebook.yaml and survey.csv into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    book = make_codebook(questions, multiple_choice=multiple_choice)
    codebook = folder / "codebook.yaml"
    codebook.write_text(
        "# INVENTED survey, generated by helpers.tools.synthetic_survey "
        "(not real data)\n" + yaml.safe_dump(book, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    survey = folder / "survey.csv"
    make_export(n, book, seed, unknown_codes).to_csv(survey, index=False, lineterminator="\n")
    return codebook, survey


def main(argv: list[str] | None = None) -> int:
    """Command line: python -m helpers.tools.synthetic_survey FOLDER --rows N --questions Q ..."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=60)
    parser.add_argument("--questions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--unknown-codes", type=int, default=0)
    parser.add_argument(
        "--multiple-choice",
        type=int,
        default=0,
        help="how many of the questions (the last ones) are multiple choice",
    )
    args = parser.parse_args(argv)
    paths = write_survey(
        args.folder, args.rows, args.questions, args.seed, args.unknown_codes, args.multiple_choice
    )
    print(*paths)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
