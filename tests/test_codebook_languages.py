"""A codebook's texts per language: ``text: {en: ..., es: ...}`` (helpers.core.codebook_texts).

The shipped 2013 codebook (codebooks/oas_2013.yaml, the OAS's public summary) gives
every text a reader sees in English and Spanish; the small codebooks written here are
INVENTED (a question or two, to show one rule each).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from helpers.core.codebook import CodebookError, load_codebook, parse_codebook
from helpers.core.codebook_texts import TEXT_PLACES

ROOT = Path(__file__).resolve().parents[1]
OAS = ROOT / "codebooks" / "oas_2013.yaml"
SHIPPED = sorted(
    {
        ROOT / spec["codebook"]
        for spec in yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))[
            "surveys"
        ].values()
    }
)

# INVENTED: one question with per-language texts, one label given in English only.
INVENTED = """\
survey:
  title: {en: Invented survey, es: Encuesta inventada}
  respondent_unit: {en: respondent, es: encuestado}
groups:
  - id: region
    label: {en: Region, es: Región}
    values:
      - {code: n, label: {en: North, es: Norte}}
      - {code: s, label: South}
questions:
  - id: q1
    type: single_choice
    text:
      en: Do you agree?
      es: ¿Está de acuerdo?
    answers:
      - {code: 1, label: {en: "Yes", es: "Sí"}}
      - {code: 2, label: {en: "No"}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_texts_are_taken_in_the_language_asked(tmp_path):
    path = _write(tmp_path, INVENTED)
    en, es = load_codebook(path), load_codebook(path, "es")
    assert (en.language, es.language) == ("en", "es")
    assert en.survey.title == "Invented survey" and es.survey.title == "Encuesta inventada"
    assert en.question("q1").text == "Do you agree?"
    assert es.question("q1").text == "¿Está de acuerdo?"
    assert [a.label for a in es.question("q1").answers] == ["Sí", "No [en]"]
    assert es.survey.respondent_unit == "encuestado"
    assert es.group("region").label == "Región"
    assert en.fallbacks == ()


def test_a_missing_text_falls_back_marked_and_listed_at_its_line(tmp_path):
    path = _write(tmp_path, INVENTED)
    es = load_codebook(path, "es")
    # The label given per language without Spanish is marked and listed with file:line.
    assert len(es.fallbacks) == 1
    line = _line_of(INVENTED, '{code: 2, label: {en: "No"}}')
    note = es.fallbacks[0]
    assert note.startswith(f"{path}:{line}: questions[0].answers[1].label: no 'es' text"), note
    assert "'No [en]'" in note
    # A plain string is the same in every edition (a name): neither marked nor listed.
    assert es.group("region").values[1].label == "South"
    # French: every text given per language lacks it, each marked with the codebook's code.
    fr = load_codebook(path, "fr")
    assert fr.survey.title == "Invented survey [en]"
    assert len(fr.fallbacks) == 7
    assert all(":" in f.split(": ", 1)[0] for f in fr.fallbacks)  # file:line first


def test_an_unknown_language_key_is_refused_at_its_line(tmp_path):
    text = INVENTED.replace("es: ¿Está de acuerdo?", "de: Stimmen Sie zu?")
    path = _write(tmp_path, text)
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    line = _line_of(text, "de: Stimmen")
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: questions[0].text: expected texts keyed by "), (
        message
    )
    assert "(en, es, fr, pt); found 'de'" in message


def test_a_mapping_must_hold_the_codebooks_own_language(tmp_path):
    text = INVENTED.replace('{en: "Yes", es: "Sí"}', '{es: "Sí"}')
    path = _write(tmp_path, text)
    with pytest.raises(CodebookError, match=r"expected a text in the codebook's language \(en\)"):
        load_codebook(path, "es")


def test_the_codebooks_own_language_is_declared_and_checked(tmp_path):
    text = "survey:\n  language: es\n" + INVENTED.split("\n", 1)[1].replace(
        "  title: {en: Invented survey, es: Encuesta inventada}\n", "  title: Encuesta\n"
    )
    text = text.replace('{code: 2, label: {en: "No"}}', '{code: 2, label: {es: "No"}}')
    path = _write(tmp_path, text)
    book = load_codebook(path)
    assert book.language == "es" and book.survey.title == "Encuesta"
    assert load_codebook(path, "en").question("q1").answers[1].label == "No [es]"
    bad = _write(tmp_path, text.replace("language: es", "language: xx"))
    with pytest.raises(CodebookError, match=r"codebook.yaml:2: survey.language: expected a "):
        load_codebook(bad)


def test_an_edition_language_without_a_catalog_is_refused(tmp_path):
    with pytest.raises(CodebookError, match=r"expected a language with a catalog .*found 'de'"):
        load_codebook(_write(tmp_path, INVENTED), "de")


def test_parse_codebook_leaves_the_callers_mapping_as_it_was():
    data = yaml.safe_load(INVENTED)
    before = copy.deepcopy(data)
    book = parse_codebook(data, "es")
    assert data == before and book.raw == before
    assert book.fallbacks and book.fallbacks[0].startswith("questions[0].answers[1].label:")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_codebook_reads_the_same_in_its_own_language(path):
    """Asking for the codebook's own language changes nothing (the stages ask for none)."""
    own = load_codebook(path)
    assert load_codebook(path, own.language) == own
    assert own.fallbacks == ()


def _reader_texts(book) -> list[str]:
    """Every text of the TEXT_PLACES kinds a report shows: questions, answers, groups."""
    texts = [book.survey.title_or(), book.survey.short, book.survey.publisher]
    for q in book.questions:
        texts += [q.text, q.short, *(o.label for o in (*q.answers, *q.items, *q.nets))]
    for g in book.groups:
        texts += [g.label, *(v.label for v in g.values)]
    return texts


def test_the_2013_codebook_gives_every_reader_text_in_spanish():
    en, es = load_codebook(OAS), load_codebook(OAS, "es")
    assert es.fallbacks == ()
    english, spanish = _reader_texts(en), _reader_texts(es)
    assert len(english) == len(spanish) > 30
    # Each differs from the English, but for words the two languages write alike.
    same = {e for e, s in zip(english, spanish, strict=True) if e == s}
    assert same == {"No"}, same
    assert es.question("q2").answers[0].label == "Muy útil"
    assert "organizaciones de la sociedad civil" in es.question("q3").text
    assert es.survey.disclosure.stated[0][1].text[0].startswith("La Comisión de Asuntos")
    # The source cues stay as the document writes them (extract matches its English).
    assert [a.cues for a in es.question("q2").answers] == [
        a.cues for a in en.question("q2").answers
    ]


def test_every_text_place_can_be_given_per_language():
    """Each place listed in TEXT_PLACES is a key the schema knows (no dead entry)."""
    from helpers.core.codebook_schema import _MODELS, CodebookSpec, SurveySpec

    for path in TEXT_PLACES:
        key = path[-1]
        if path[0] == "survey":
            assert key in SurveySpec.model_fields, path
        elif path[0] == "frame":
            assert key in CodebookSpec.model_fields["frame"].annotation.__args__[0].model_fields
        else:
            model = _MODELS[[p for p in path if p != "*"][-2]]
            assert key in model.model_fields, path
