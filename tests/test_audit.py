"""Audit of the published figures, per-figure provenance and the trace command (issue 3)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from helpers.audit.verdicts import audit_claims, audit_metrics, percent_hypotheses
from helpers.clean.reconcile import reconcile
from helpers.core.codebook import load_codebook
from helpers.core.selection import ANSWERED, MISSING, apply_rule, count, describe
from helpers.core.tables import read_csv
from helpers.extract.claims import extract_claims
from helpers.extract.source_parser import parse_source
from helpers.summarize.provenance import rows_behind
from helpers.tools.trace import ROWS_SHOWN, read_table

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data/raw/oas_cso_survey_2013.txt"
BOOK = load_codebook(ROOT / "codebooks/oas_2013.yaml")


def run_audit(text: str) -> pd.DataFrame:
    parsed = parse_source(text, BOOK, "source.txt")
    claims = extract_claims(parsed.lines, BOOK)
    responses = reconcile(parsed.mentions, BOOK, "source.txt").responses
    return audit_claims(claims, responses, parsed.lines, BOOK, "half_away_from_zero")


@pytest.fixture(scope="module")
def text() -> str:
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def audit(text) -> pd.DataFrame:
    return run_audit(text).set_index("claim_id")


def test_every_claim_gets_exactly_one_verdict(text, audit):
    claims = extract_claims(parse_source(text, BOOK).lines, BOOK)
    assert sorted(audit.index) == sorted(claims["claim_id"])
    assert set(audit["status"]) <= {"match", "rounding", "mismatch", "unverifiable"}
    assert audit["explanation"].str.len().gt(0).all()


def test_stated_registration_counts_do_not_match_the_lists(audit):
    # Line 23: "Four CSOs were registered ... and nine were not"; the lists hold 5 and 10.
    assert audit.loc["L023.2", ["status", "recomputed"]].tolist() == ["mismatch", "5"]
    assert audit.loc["L023.3", ["status", "recomputed"]].tolist() == ["mismatch", "10"]
    total = audit.loc["sum.L023.all.all.by_registration"]
    assert total["status"] == "mismatch" and total["recomputed"] == "13"


def test_truncated_percentages_are_rounding_not_mismatch(audit):
    for cid in ("L170.3", "L170.5"):  # 66.6% and 6.6%: 10/15 and 1/15 truncated
        assert audit.loc[cid, "status"] == "rounding"
        assert audit.loc[cid, "rule"] == "truncate"
    assert audit.loc["L170.7", "status"] == "match"  # 13.3% = 2/15
    assert audit.loc["sum.L170.q2.percent.text", "status"] == "rounding"


def test_q1_percentages_and_chart_labels_mismatch_with_labelled_hypotheses(audit):
    for cid in ("L088.3", "L368.1"):  # 62% for 9/15 = 60%
        row = audit.loc[cid]
        assert row["status"] == "mismatch" and row["recomputed"] == "60"
        assert "Hypotheses (not findings)" in row["explanation"]
        assert "8/13" in row["explanation"]  # 13 = the stated parts of line 23
    assert audit.loc["L140.2", "status"] == "mismatch"


def test_numbers_about_the_invitation_are_unverifiable(audit):
    assert audit.loc["L009.1", "status"] == "unverifiable"
    assert audit.loc["L009.1", "stated"] == "more than 500"
    assert audit.loc["L011.1", "status"] == "match"  # "four occasions": four dates listed


def test_mismatches_come_first():
    table = run_audit(SOURCE.read_text(encoding="utf-8"))
    order = {"mismatch": 0, "rounding": 1, "match": 2, "unverifiable": 3}
    ranks = table["status"].map(order).tolist()
    assert ranks == sorted(ranks)


def test_changing_a_list_in_the_source_changes_the_verdicts(text, audit):
    lines = text.splitlines()
    start = next(i for i, t in enumerate(lines) if t.strip() == "MODERATELY USEFUL:")
    end = next(i for i, t in enumerate(lines) if t.strip() == "USEFUL:")
    moved = [t for t in lines[start + 1 : end] if t.strip() and not t.strip().startswith("Not")]
    very = next(i for i, t in enumerate(lines) if t.strip() == "VERY USEFUL:")
    very_not_reg = next(
        i for i, t in enumerate(lines) if i > very and t.strip().casefold() == "not registered"
    )
    damaged = (
        lines[: very_not_reg + 1]
        + [""]
        + [moved[0], "", moved[1], ""]
        + lines[very_not_reg + 1 : start]
        + lines[end:]
    )
    changed = run_audit("\n".join(damaged)).set_index("claim_id")
    # "ten ... very useful" and "one ... moderately useful" no longer hold; 13.3% still does.
    assert (
        audit.loc["L170.2", "status"] == "match" and changed.loc["L170.2", "status"] == "mismatch"
    )
    assert changed.loc["L170.2", "recomputed"] == "11"
    assert changed.loc["L170.4", "status"] == "mismatch"
    assert changed.loc["L170.3", "status"] == "mismatch"  # 66.6% vs 11/15 = 73.3%
    assert changed.loc["L170.7", "status"] == "match"


def test_changing_a_stated_number_changes_its_verdict(text):
    fixed = text.replace("Four CSOs were registered", "Five CSOs were registered")
    fixed = fixed.replace("nine were not in the Register", "ten were not in the Register")
    verdicts = run_audit(fixed).set_index("claim_id")
    assert verdicts.loc["L023.2", "status"] == "match"
    assert verdicts.loc["L023.3", "status"] == "match"
    assert verdicts.loc["sum.L023.all.all.by_registration", "status"] == "match"


def test_percent_hypotheses_search_small_bases_and_name_the_rule():
    hyps = percent_hypotheses(Decimal(62), 0, [(9, "the count")], [(13, "thirteen")], 30)
    assert hyps[0].startswith("8/13 = 61.54%")
    assert all("%" in h and "—" in h for h in hyps)
    assert percent_hypotheses(Decimal("99.9"), 1, [(1, "one")], [], 3) == []


def test_audit_metrics_count_statuses(audit):
    metrics = audit_metrics(audit.reset_index())
    assert metrics["claims_total"] == len(audit)
    assert sum(v for k, v in metrics.items() if k != "claims_total") == len(audit)


def test_selection_rules():
    table = pd.DataFrame({"a": ["x", "y", None], "b": ["1", "1", "2"]})
    assert count(table, {"a": "x"}) == 1
    assert count(table, {"a": ANSWERED}) == 2
    assert count(table, {"a": MISSING, "b": "2"}) == 1
    assert apply_rule(table, {}).all()
    assert describe({"a": ANSWERED, "b": "1"}) == "a answered and b = 1"
    with pytest.raises(KeyError):
        apply_rule(table, {"zzz": "1"})


# --- provenance of the committed outputs ---------------------------------------------------


@pytest.fixture(scope="module")
def committed():
    prov = json.loads(
        (ROOT / "data/processed/oas_2013/provenance.json").read_text(encoding="utf-8")
    )
    tables = {name: read_table(ROOT / path) for name, path in prov["tables"].items()}
    return prov, tables, read_csv(ROOT / "data/processed/oas_2013/summaries.csv")


def test_every_figure_has_provenance_that_reproduces_its_count(committed):
    prov, tables, summaries = committed
    assert set(prov["figures"]) == set(summaries["figure_id"])
    for _, fig in summaries.iterrows():
        entry = prov["figures"][fig["figure_id"]]
        rows = rows_behind(entry["table"], entry["numerator"], tables)
        assert len(rows) == fig["n"], fig["figure_id"]
        if entry["base"] is not None and pd.notna(fig["base"]):
            assert count(tables[entry["table"]], entry["base"]) == fig["base"]
    assert set(prov["inputs"]) >= {"data/processed/oas_2013/responses.parquet"}
    assert set(prov["tables"].values()) == {
        "data/processed/oas_2013/responses.parquet",
        "data/processed/oas_2013/free_text.parquet",
    }
    assert prov["stage"] == "summarize" and "stats.ci_method" in prov["params"]


def trace(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.tools.trace", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_trace_lists_exactly_the_respondents_and_their_source_lines():
    responses = read_csv(ROOT / "data/processed/oas_2013/responses.csv")
    want = responses[(responses["oas_registered"] == "registered") & (responses["q1"] == "yes")]
    done = trace("q1.oas_registered.registered.yes")
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("    R")]
    assert listed == want["respondent_id"].tolist()
    source = SOURCE.read_text(encoding="utf-8").splitlines()
    for _, r in want.iterrows():
        for col in ("organization_line", "q1_line", "oas_registered_line"):
            n = int(r[col])
            assert f"line {n}: {source[n - 1].strip()[:100]}" in done.stdout
    assert "stage 'summarize'" in done.stdout and "md5" in done.stdout
    assert "n = 3, base = 5, pct = 60.0%" in done.stdout


def test_trace_of_a_claim_and_of_a_base():
    claim = trace("L088.3")
    assert claim.returncode == 0 and "status mismatch" in claim.stdout
    base = trace("q1.all.all.yes", "--base")
    assert base.returncode == 0
    assert sum(1 for line in base.stdout.splitlines() if line.startswith("    R")) == 15


def test_trace_of_an_unknown_id_exits_2_with_close_ids():
    done = trace("q1.all.yes")
    assert done.returncode == 2
    assert "unknown figure or claim id 'q1.all.yes'" in done.stderr
    assert "q1.all.all.yes (survey oas_2013)" in done.stderr
    # every close id is named with its survey: never another survey's ids unsaid
    close = done.stderr.partition("close ids: ")[2].strip().split(", ")
    assert close and all(re.fullmatch(r"\S+ \(survey \w+\)", c) for c in close), close


def test_trace_lists_a_screenful_under_a_header_and_every_row_with_all():
    """A large survey's figure: its header and rule first, 20 rows, then how many more."""
    summaries = read_csv(ROOT / "data/processed/nhanes2/summaries.csv")
    row = summaries[(summaries["group"] == "all") & summaries["n"].gt(ROWS_SHOWN)].iloc[0]
    fid, n = row["figure_id"], int(row["n"])
    short = trace(fid, "--survey", "nhanes2")
    assert short.returncode == 0, short.stderr
    lines = short.stdout.splitlines()
    assert lines[:2] == ["survey nhanes2", f"figure {fid}"]
    assert any(line.startswith("  rows counted: ") for line in lines[:8])

    def rows(out: str) -> list[str]:
        after = out.partition("row(s) counted; source ")[2].splitlines()[1:]
        assert after[0].startswith("    # respondent_id")  # the header naming the columns
        return [line for line in after[1:] if re.match(r"^    [^\s…]", line)]

    assert f"  {n} row(s) counted; source " in short.stdout
    assert len(rows(short.stdout)) == ROWS_SHOWN
    assert lines[-1] == f"    … {n - ROWS_SHOWN:,} more row(s) not listed: add --all"
    every = trace(fid, "--survey", "nhanes2", "--all")
    assert len(rows(every.stdout)) == n and "not listed" not in every.stdout


def test_countries_named_in_prose_are_checked_against_the_lists(text, audit):
    claim = audit.loc["L023.country"]
    assert (claim["kind"], claim["status"], claim["source_line"]) == ("value_list", "match", 23)
    assert claim["recomputed"].split(", ") == sorted(
        {
            "Argentina",
            "Bolivia",
            "Chile",
            "Colombia",
            "Ecuador",
            "El Salvador",
            "Mexico",
            "Paraguay",
            "Peru",
            "Spain",
        }
    )  # the lists' countries, as the parser read them
    changed = run_audit(
        text.replace("El Salvador, Spain, Paraguay", "El Salvador, Brazil, Paraguay")
    ).set_index("claim_id")
    verdict = changed.loc["L023.country"]
    assert verdict["status"] == "mismatch"
    assert "named but in no list: Brazil" in verdict["explanation"]
    assert "in the lists but not named: Spain" in verdict["explanation"]
    accents = run_audit(text.replace("Peru, and Mexico", "Perú and México")).set_index(
        "claim_id"
    )  # names compare without accents or case, like the organizations'
    assert accents.loc["L023.country", "status"] == "match"


def test_key_findings_state_each_mismatch_of_the_source_in_words(text, audit):
    """One sentence per mismatch, from the audit: its line, what it states, what the data
    give (no hypotheses), linked to the line and the claim; none when every claim holds."""
    import html
    import re

    from helpers.core.text import split_lines
    from helpers.report.audit_sections import audit_summary

    audit = audit.reset_index()  # as the report reads audit.csv
    block = str(audit_summary(audit))
    items = re.findall(r"<li>(.*?)</li>", block, re.S)
    wrong = audit[audit["status"] == "mismatch"].sort_values(["source_line", "claim_id"])
    assert len(items) == len(wrong) >= 5  # the registration counts, their sum, Q1's shares
    lines = split_lines(text)
    for (_, claim), item in zip(wrong.iterrows(), items, strict=True):
        plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split())
        n = int(claim["source_line"])
        assert plain.startswith(f"Line {n} states {claim['stated']}, but "), plain
        assert claim["explanation"].split(". Hypotheses")[0].rstrip(".") in plain
        assert "Hypotheses" not in plain and "not findings" not in plain
        if claim["kind"] != "count_sum":  # a sum's parts are stated, its total is computed
            assert str(claim["stated"]) in lines[n - 1]
        assert f'href="#src-L{n}"' in item and f'href="#claim-{claim["claim_id"]}"' in item
    assert "<ul" not in str(audit_summary(audit.assign(status="match")))
    assert "… and 2 more" in str(audit_summary(audit, max_listed=len(wrong) - 2))


def test_rules_in_the_audit_read_in_the_codebook_s_labels(audit):
    """A claim's explanation names its rule (``oas_registered = registered``): the key
    findings and the audit table say it in the codebook's labels."""
    import html
    import re

    from helpers.report.audit_sections import audit_section, audit_summary

    audit = audit.reset_index()
    named = audit[audit["explanation"].str.contains("oas_registered = registered", regex=False)]
    assert len(named), "no explanation names the registration rule"
    codebook = BOOK
    label = next(o.label for o in codebook.group("oas_registered").values if o.code == "registered")
    claims = extract_claims(
        parse_source(SOURCE.read_text(encoding="utf-8"), BOOK, "source.txt").lines, BOOK
    )
    for block in (audit_summary(audit, codebook), audit_section(audit, claims, codebook, [])):
        plain = html.unescape(re.sub(r"<[^>]+>", "", str(block)))
        assert f"with OAS registration “{label}”" in plain
        assert "oas_registered = registered" not in plain
