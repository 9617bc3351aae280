"""The report's editions: one per language of ``surveys.<id>.languages`` (issue 27).

Checks params.yaml's refusals, the editions folder and editions.json of every survey,
the Spanish edition of the 2013 survey (its language, title, PDF metadata, links,
Spanish codebook texts and numbers), that rendering is byte-identical, that the index
lists the editions, that a dropped language's files go with the next commit, and the
fallback of a codebook text a language lacks. The committed outputs are those
`dvc repro` wrote (the 2013 survey: the OAS's public summary); codebooks written here
are INVENTED.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pypdf
import pytest
import yaml

from helpers.core import i18n
from helpers.core.codebook import load_codebook, parse_codebook
from helpers.pipeline import layout
from helpers.pipeline.config import ConfigError, load_params, parse_params
from helpers.pipeline.edition_outputs import edition_outputs, editions_json
from helpers.pipeline.index import read_cards, render_index
from helpers.pipeline.render import edition_notebook, editions_in, render_html
from helpers.pipeline.staging import Transaction
from helpers.report import editions

ROOT = Path(__file__).resolve().parents[1]
PARAMS = load_params(ROOT)
SURVEYS = list(PARAMS.surveys)
OAS = "oas_2013"
ES = {name: ROOT / path for name, path in layout.edition_files(OAS, "es", default=False).items()}
EXECUTED = ROOT / layout.notebook_output("report", OAS)


# ------------------------------------------------------------------ params.yaml


def _params_with(new: str) -> str:
    text = (ROOT / "params.yaml").read_text(encoding="utf-8")
    assert "    languages: [en, es]\n" in text
    return text.replace("    languages: [en, es]\n", f"    {new}\n", 1)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "languages: [en, de]",
            "surveys.oas_2013.languages: expected languages with a catalog "
            "(en, es, fr, pt); found 'de'",
        ),
        (
            "languages: [en, es, en]",
            "surveys.oas_2013.languages: expected each language once; ['en'] written twice",
        ),
        ("languages: []", "surveys.oas_2013.languages: expected at least one language"),
        ("languages: en", "surveys.oas_2013.languages: expected a valid list; found 'en'"),
    ],
)
def test_params_refuse_bad_languages_naming_the_line(line, expected):
    text = _params_with(line)
    with pytest.raises(ConfigError) as err:
        parse_params(text)
    message = str(err.value)
    assert message.startswith(f"params.yaml:{_line(text, line)}: {expected}"), message


def test_a_missing_languages_key_is_an_error_not_a_hidden_default():
    with pytest.raises(ConfigError, match=r"surveys.oas_2013.languages: expected this key"):
        parse_params(_params_with("# no languages"))


def test_the_first_language_is_the_default_edition():
    assert PARAMS.surveys[OAS].languages == ["en", "es"]
    assert all(PARAMS.surveys[s].languages == ["en"] for s in SURVEYS if s != OAS)
    assert parse_params(_params_with("languages: [es, en]")).surveys[OAS].languages == [
        "es",
        "en",
    ]


def test_the_report_stage_declares_the_languages_and_the_editions_folder():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    report = stages["report"]["do"]
    assert "surveys.${key}.languages" in report["params"]
    assert "src/helpers/locales" in report["deps"]
    (out,) = [o for o in report["outs"] if "reports/${key}/editions" in o]
    assert out["reports/${key}/editions"] == {"cache": False, "persist": True}


# ------------------------------------------------------------------ the committed editions


@pytest.mark.parametrize("survey", SURVEYS)
def test_every_survey_lists_its_editions(survey):
    path = ROOT / layout.editions_list(survey)
    listed = json.loads(path.read_text(encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == editions_json(
        survey, PARAMS.surveys[survey].languages
    )
    langs = [e["language"] for e in listed["editions"]]
    assert langs == PARAMS.surveys[survey].languages
    assert [e["default"] for e in listed["editions"]] == [True] + [False] * (len(langs) - 1)
    for edition in listed["editions"]:
        assert edition["name"] == i18n.language_name(edition["language"])
        for kind in ("html", "pdf", "tables"):
            assert (path.parent / edition[kind]).is_file(), (survey, edition[kind])
    # The folder holds exactly the other editions' files and the list.
    expected = {layout.EDITIONS_LIST} | {
        Path(p).name
        for lang in langs[1:]
        for p in layout.edition_files(survey, lang, default=False).values()
    }
    assert {p.name for p in path.parent.iterdir()} == expected


def test_the_spanish_edition_names_its_language_and_title():
    html = ES["html"].read_text(encoding="utf-8")
    title = load_codebook(ROOT / PARAMS.surveys[OAS].codebook, "es").survey.title_or()
    assert re.search(r'<html lang="es"', html)
    assert f"<title>{title}</title>" in html
    assert title.startswith("Perspectivas de la sociedad civil sobre el Programa Interamericano")
    english = (ROOT / layout.report_outputs(OAS)["html"]).read_text(encoding="utf-8")
    assert '<html lang="en"' in english


def test_the_spanish_edition_is_written_in_spanish():
    html = ES["html"].read_text(encoding="utf-8")
    # Codebook texts: question, answer and group labels; Spanish number formats (CLDR).
    for text in ("Utilidad del programa", "Muy útil", "Registrada ante la OEA", "60,0\u00a0%"):
        assert text in html, text
    for english in ("Usefulness of the program", "Very useful", "Registered with the OAS"):
        assert english not in html, english
    # Its spreadsheet is its own (Spanish labels), beside the English one.
    assert ES["tables"].read_bytes() != (ROOT / f"reports/{OAS}/tables.xlsx").read_bytes()


def test_the_pdfs_carry_their_language_and_title():
    for path, lang in ((ES["pdf"], "es"), (ROOT / f"reports/{OAS}/report.pdf", "en")):
        reader = pypdf.PdfReader(path)
        assert reader.trailer["/Root"]["/Lang"] == lang, path
        title = load_codebook(ROOT / PARAMS.surveys[OAS].codebook, lang).survey.title_or()
        assert reader.metadata.title == title


def _local_links(html: str) -> set[str]:
    found = set(re.findall(r'(?:href|src)="([^"#][^"]*)"', html))
    return {h for h in found if not re.match(r"^(https?:|data:|mailto:)", h)}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_links_to_files_resolve_from_the_editions_own_folder(lang):
    html_path = ROOT / layout.edition_files(OAS, lang, default=lang == "en")["html"]
    links = _local_links(html_path.read_text(encoding="utf-8"))
    assert links, "the report links its spreadsheet"
    for link in links:
        assert (html_path.parent / link.split("#")[0]).exists(), (lang, link)
    if lang == "es":
        assert "tables.es.xlsx" in links


def test_each_edition_renders_only_its_own_outputs():
    nb = nbformat.read(EXECUTED, as_version=4)
    assert editions_in(nb) == ["en", "es"]
    es = edition_notebook(nb, "es")
    kept = [o for c in es.cells for o in c.get("outputs", [])]
    assert all(o.get("metadata", {}).get("edition") in (None, "es") for o in kept)
    assert any(o.get("metadata", {}).get("edition") == "es" for o in kept)
    with pytest.raises(ValueError, match=r"expected outputs of the 'fr' edition"):
        edition_notebook(nb, "fr")


@pytest.mark.slow  # a whole report stage's editions rendered again (CI's forced run checks too)
def test_rendering_is_byte_identical_to_the_committed_editions():
    """The editions rendered again from the executed notebook equal the committed files."""
    nb = nbformat.read(EXECUTED, as_version=4)
    laps: list[str] = []
    survey = PARAMS.surveys[OAS]
    outputs = edition_outputs(nb, ROOT, OAS, ROOT / survey.codebook, survey.languages, laps.append)
    assert laps == ["html", "pdf", "html es", "pdf es"]
    for path, content in outputs.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        assert data == path.read_bytes(), path
    again = render_html(edition_notebook(nb, "es"), title="t", lang="es")
    assert again == render_html(edition_notebook(nb, "es"), title="t", lang="es")


# ------------------------------------------------------------------ the index


def test_the_index_lists_the_spanish_edition():
    cards = read_cards(ROOT, SURVEYS)
    html = render_index(cards)
    assert html == (ROOT / layout.INDEX).read_text(encoding="utf-8")
    assert '<span lang="es">Español</span>' in html
    for kind in ("html", "pdf", "tables"):
        link = os.path.relpath(ES[kind], ROOT / "reports")
        assert f'href="{link}" hreflang="es"' in html
        assert (ROOT / "reports" / link).is_file()
    # A survey with one edition gets no editions line.
    assert html.count("Editions:") == sum(len(PARAMS.surveys[s].languages) > 1 for s in SURVEYS)


@pytest.mark.parametrize("lang", ["es", "fr", "pt"])
def test_the_index_words_are_translated(lang):
    cards = read_cards(ROOT, SURVEYS)
    with i18n.edition(lang, strict=True):  # every index message has its translation
        html = render_index(cards)
    assert f'<html lang="{lang}">' in html
    assert {"es": "Informes de las encuestas", "fr": "Rapports d'enquête"}.get(
        lang, "Relatórios das pesquisas"
    ) in html


# ------------------------------------------------------------------ staging: a dropped language


def test_a_dropped_languages_files_go_with_the_commit_not_before(tmp_path):
    folder = tmp_path / "reports" / "s" / "editions"
    folder.mkdir(parents=True)
    for name in ("report.fr.html", "report.fr.pdf", "editions.json"):
        (folder / name).write_text("old", encoding="utf-8")
    # A run that fails keeps every file.
    with pytest.raises(RuntimeError), Transaction(tmp_path, "report@s") as tx:
        tx.prune(folder)
        tx.stage({folder / "editions.json": "new"})
        raise RuntimeError("the notebook failed")
    assert sorted(p.name for p in folder.iterdir()) == [
        "editions.json",
        "report.fr.html",
        "report.fr.pdf",
    ]
    assert (folder / "editions.json").read_text(encoding="utf-8") == "old"
    # A run that commits leaves exactly what it wrote.
    with Transaction(tmp_path, "report@s") as tx:
        tx.prune(folder)
        tx.stage({folder / "editions.json": "new", folder / "report.es.html": "es"})
        written = tx.commit()
    assert sorted(p.name for p in folder.iterdir()) == ["editions.json", "report.es.html"]
    assert sorted(p.name for p in written) == ["editions.json", "report.es.html"]
    assert not list((tmp_path / ".staging").iterdir())


# ------------------------------------------------------------------ codebook fallbacks, labels

# INVENTED: a codebook whose second answer has no Spanish label.
INVENTED = {
    "questions": [
        {
            "id": "q1",
            "type": "single_choice",
            "text": {"en": "Agree?", "es": "¿De acuerdo?"},
            "answers": [
                {"code": 1, "label": {"en": "Yes", "es": "Sí"}},
                {"code": 2, "label": {"en": "No"}},
            ],
        }
    ],
    "groups": [{"id": "g", "values": [{"code": "a", "label": {"en": "Group A", "es": "Grupo A"}}]}],
}


def test_a_fallback_is_noted_in_the_edition_and_printed():
    book = parse_codebook(INVENTED, "es")
    with i18n.edition("es", strict=True):  # the note's message is translated
        (note,) = editions.fallback_note(book)
    assert "1 texto del libro de códigos" in note and "inglés" in note
    built = editions.Built("es", [], b"", (), book.fallbacks)
    (line,) = editions.console_lines(built)
    assert line.startswith("es: codebook text not in es: questions[0].answers[1].label:")
    assert "'No [en]'" in line
    assert editions.fallback_note(parse_codebook(INVENTED, "en")) == []


def test_summary_labels_are_replaced_by_the_editions_labels_of_the_same_codes():
    en, es = parse_codebook(INVENTED), parse_codebook(INVENTED, "es")
    rows = pd.DataFrame(
        {
            "question": ["q1", "q1", "q1"],
            "answer_code": ["1", "2", "1"],
            "answer": ["Yes", "No", "Yes"],
            "group": ["all", "g", "g"],
            "group_code": ["all", "a", "other"],
            "group_value": ["all", "Group A", "Other"],  # "Other": pooled by summarize
        }
    )
    out = editions.relabelled(rows, en, es)
    assert out["answer"].tolist() == ["Sí", "No [en]", "Sí"]
    assert out["group_value"].tolist() == ["all", "Grupo A", "Other"]
    assert rows["answer"].tolist() == ["Yes", "No", "Yes"]  # the input is not changed


def test_the_notebook_writes_only_declared_editions(tmp_path):
    from helpers.pipeline.session import open_stage

    stage = open_stage("report", OAS, outputs="scratch", start=ROOT)
    assert [lang for lang, _ in stage.editions()] == ["en", "es"]
    assert stage.editions()[1][1]["tables"] == f"reports/{OAS}/editions/tables.es.xlsx"
    with pytest.raises(ConfigError, match=r"expected editions of the languages .*found 'fr'"):
        stage.write({}, editions={"fr": {"tables": b""}})
    with pytest.raises(ConfigError, match=r"expected an edition's file .*found 'html'"):
        stage.write({}, editions={"es": {"html": ""}})
