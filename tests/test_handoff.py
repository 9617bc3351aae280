"""The binary hand-off between stages (helpers.core.handoff): typed, checksummed, stamped.

Invented data: the surveys here come from helpers.tools.synthetic_survey (random, labelled
as invented) and a two-respondent table typed by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
import yaml

from helpers.clean.export import clean_export
from helpers.core import handoff
from helpers.core.codebook import parse_codebook
from helpers.core.errors import SourceError
from helpers.core.sinks import polars_csv_sink
from helpers.core.tables import polars_csv_bytes
from helpers.extract.export import read_export, scan_export
from helpers.tools.synthetic_survey import write_survey

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("handoff")
    codebook, survey = write_survey(
        tmp, n=300, questions=4, seed=11, unknown_codes=3, multiple_choice=1
    )
    book = parse_codebook(yaml.safe_load(codebook.read_text(encoding="utf-8")))
    result, free = clean_export(read_export(survey, book), book, str(survey))
    return tmp, codebook, book, result.responses, free


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_round_trip_keeps_values_and_types(cleaned):
    tmp, codebook, book, responses, free = cleaned
    path = _write(
        tmp / "r.parquet", handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    )
    back = handoff.read_responses(path, book, "respondent_csv", codebook)
    assert back.schema == pl.Schema(handoff.response_types(book, "respondent_csv"))
    assert back.cast(pl.String).equals(responses.select(back.columns).cast(pl.String))
    fpath = _write(tmp / "f.parquet", handoff.free_text_bytes(free, "respondent_csv", codebook))
    assert handoff.read_free_text(fpath, "respondent_csv", codebook).equals(
        handoff.typed(free, handoff.FREE_TEXT_TYPES)
    )


def test_bytes_are_deterministic(cleaned):
    _, codebook, book, responses, _ = cleaned
    one = handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    two = handoff.responses_bytes(responses.clone(), book, "respondent_csv", codebook)
    assert one == two
    # the same rows from pandas give the same file
    three = handoff.responses_bytes(handoff.as_pandas(responses), book, "respondent_csv", codebook)
    assert three == one


def test_rows_kept_once_are_the_hand_off_written_from_them(cleaned, tmp_path):
    """Clean's streamed rows go once into the hand-off (kept_responses): the output is the
    bytes write_handoff makes from the same rows, and responses.csv read from it is the
    CSV of the rows in memory."""
    tmp, codebook, book, responses, _ = cleaned
    survey = tmp / "survey.csv"
    keep, copy = handoff.kept_responses(book, "respondent_csv", codebook, tmp_path / "kept.parquet")
    result, _ = clean_export(scan_export(survey, book), book, str(survey), keep=keep)
    assert isinstance(result.responses, pl.LazyFrame)
    copy(tmp_path / "out.parquet")
    expected = handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    assert (tmp_path / "out.parquet").read_bytes() == expected
    back = handoff.read_responses(tmp_path / "out.parquet", book, "respondent_csv", codebook)
    assert result.responses.collect().equals(back)
    polars_csv_sink(result.responses, tmp_path / "responses.csv")
    assert (tmp_path / "responses.csv").read_bytes() == polars_csv_bytes(responses)


def test_another_codebook_is_refused(cleaned):
    tmp, codebook, book, responses, _ = cleaned
    path = _write(
        tmp / "r2.parquet", handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    )
    edited = tmp / "edited.yaml"
    edited.write_text(codebook.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(SourceError, match="rerun clean") as err:
        handoff.read_responses(path, book, "respondent_csv", edited)
    assert "codebook_sha256" in str(err.value)
    with pytest.raises(SourceError, match="input_kind"):
        handoff.read_responses(path, book, "document", codebook)


def test_corrupted_bytes_are_refused(cleaned):
    """A flipped byte anywhere: refused, or (in bytes that hold no value) the same rows."""
    tmp, codebook, book, responses, _ = cleaned
    good = handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    want = handoff.read_responses(
        _write(tmp / "good.parquet", good), book, "respondent_csv", codebook
    )
    refused = 0
    for at in range(4, len(good) - 4, max(1, len(good) // 60)):
        data = bytearray(good)
        data[at] ^= 0xFF
        path = _write(tmp / "bad.parquet", bytes(data))
        try:
            back = handoff.read_responses(path, book, "respondent_csv", codebook)
        except SourceError:
            refused += 1
        else:
            assert back.equals(want), at
    assert refused >= 40
    truncated = _write(tmp / "short.parquet", good[: len(good) // 2])
    with pytest.raises(SourceError, match="Parquet hand-off"):
        handoff.read_responses(truncated, book, "respondent_csv", codebook)


def test_reordered_or_dropped_rows_are_refused(cleaned):
    """The rows under another table's stamp: what a reordering or lossy writer would leave."""
    tmp, codebook, book, responses, _ = cleaned
    good = _write(
        tmp / "good2.parquet",
        handoff.handoff_bytes(responses, handoff.stamp(codebook, "respondent_csv")),
    )
    stamp = pl.read_parquet_metadata(good)[handoff.STAMP_KEY]
    for name, rows in [
        ("reversed", responses.reverse()),
        ("fewer", responses.head(-1)),
        ("edited", responses.with_columns(pl.col("source_line") + 1)),
    ]:
        path = tmp / f"{name}.parquet"
        rows.write_parquet(path, metadata={handoff.STAMP_KEY: stamp})
        with pytest.raises(SourceError, match="content differs"):
            handoff.read_responses(path, book, "respondent_csv", codebook)


def test_categorical_text_checks_across_processes(tmp_path):
    """A Categorical's codes differ between processes; the checksum hashes its text."""
    path = tmp_path / "cat.parquet"
    code = (
        "import sys, polars as pl\n"
        "from helpers.core import handoff\n"
        "pl.Series(['zz', 'yy', 'xx'], dtype=pl.Categorical())  # other codes first\n"
        "f = pl.DataFrame({'country': ['Perú', 'Chile', None, 'Perú']},"
        " schema={'country': pl.Categorical()})\n"
        "open(sys.argv[1], 'wb').write(handoff.handoff_bytes(f, {'k': 'v'}))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=120)
    pl.Series(["Chile", "a", "b"], dtype=pl.Categorical())
    back = handoff.read_handoff(path, {"country": pl.Categorical()}, {"k": "v"})
    assert back["country"].cast(pl.String).to_list() == ["Perú", "Chile", None, "Perú"]


def test_a_code_outside_the_codebook_is_refused(cleaned):
    tmp, codebook, book, responses, _ = cleaned
    q = book.categorical[0].id
    bad = responses.with_columns(pl.col(q).cast(pl.String))
    bad = bad.with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit("not-a-code"))
        .otherwise(pl.col(q))
        .alias(q)
    )
    data = handoff.handoff_bytes(bad, handoff.stamp(codebook, "respondent_csv"))
    path = _write(tmp / "outside.parquet", data)
    with pytest.raises(SourceError, match="values of the codebook's types") as err:
        handoff.read_responses(path, book, "respondent_csv", codebook)
    assert "not-a-code" in str(err.value)


def test_missing_or_reordered_columns_are_refused(cleaned):
    tmp, codebook, book, responses, _ = cleaned
    cols = list(handoff.response_types(book, "respondent_csv"))
    data = handoff.handoff_bytes(
        responses.select(cols[::-1]), handoff.stamp(codebook, "respondent_csv")
    )
    with pytest.raises(SourceError, match="columns"):
        handoff.read_responses(
            _write(tmp / "order.parquet", data), book, "respondent_csv", codebook
        )


def test_as_pandas_types():
    frame = pl.DataFrame(
        {"code": ["a", None, "b"], "line": [2, None, 4], "text": ["x", "y", None]},
        schema={"code": pl.Enum(["a", "b"]), "line": pl.Int64, "text": pl.String},
    )
    df = handoff.as_pandas(frame)
    assert isinstance(df["code"].dtype, pd.CategoricalDtype)
    assert list(df["code"].cat.categories) == ["a", "b"]
    assert str(df["line"].dtype) == "Int64" and str(df["text"].dtype).startswith("string")
    text = handoff.as_pandas(frame, categorical=False)
    assert str(text["code"].dtype).startswith("string")
    assert text["code"].isna().tolist() == [False, True, False]


def test_the_summarize_stage_imports_neither_pandas_nor_statsmodels():
    """Stage start: summarize's imports (as its notebook makes them) stay off pandas."""
    code = (
        "import sys\n"
        "import helpers.pipeline.session, helpers.core.handoff, helpers.core.codebook\n"
        "import helpers.core.files, helpers.core.tables, helpers.summarize.provenance\n"
        "import helpers.summarize.summaries, helpers.pipeline.staging\n"
        "bad = sorted(m for m in ('pandas', 'pandera', 'statsmodels', 'scipy.stats')"
        " if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == ""
