"""The report's front and back in Spanish, French and Portuguese (issue 27).

The title block, contents, key findings, method section (with the disclosure table
and data warnings), audit, and the provenance, claims, source and reproducibility
appendices are rendered from the pipeline's committed inputs (``data/processed/``,
as ``dvc repro`` leaves them) for the 2013 OAS survey (a published document: real
data, public) and the NHANES II extract shipped by ``samplics`` (weighted, with a
design; public domain), inside strict editions: a message the catalog lacks raises
``UntranslatedError``. English renders as the committed reports print it.
"""

from __future__ import annotations

import contextlib
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import Markup

from helpers.core import i18n
from helpers.report import contents as rc
from helpers.report.audit_explanations import explanation_text
from helpers.report.method_section import interval_name
from helpers.report.templating import environment
from helpers.tools import messages

REPO = Path(__file__).resolve().parents[1]
SURVEYS = ("oas_2013", "nhanes2")
LANGUAGES = ("es", "fr", "pt")
# The sections this area builds (the question sections, tables and charts are others')
FRONT = (
    "key-findings",
    "method",
    "audit",
    "appendix-provenance",
    "appendix-claims",
    "appendix-source",
    "appendix",
)
# The files whose messages front.po translates
MINE = re.compile(
    r"^(core/methods\.py|report/(contents|method_section|data_warnings|disclosure|"
    r"audit_sections|audit_explanations|appendix|citing|findings)\.py|report/templates/"
    r"(title_block|toc|method|column_tests_method|data_warnings|disclosure|audit_section|"
    r"audit_summary|appendix|claims_appendix|provenance_appendix|source_appendix|"
    r"key_findings|inputs/document_method|inputs/export_method)\.html)$"
)
NBSP = "\u00a0"
VOID = {"img", "br", "hr", "meta", "link", "input", "col", "source", "wbr"}


@cache
def stage_inputs(survey: str):  # noqa: ANN201 - (Stage, ReportInputs)
    """The report stage of ``survey`` and its inputs, as the pipeline committed them."""
    from helpers.pipeline.session import open_stage
    from helpers.report.inputs import INPUTS, load_inputs

    stage = open_stage("report", survey, outputs="pipeline", start=REPO)
    with contextlib.chdir(REPO):  # the paths the report names, as the pipeline gives them
        paths = {f"{s}.{n}": str(stage.input(s, n)) for s, n in INPUTS}
        return stage, load_inputs(paths, stage.params.as_dict())


def inputs(survey: str):  # noqa: ANN201 - ReportInputs
    return stage_inputs(survey)[1]


def front(survey: str, lang: str) -> dict[str, str]:
    """The front matter and this area's sections of ``survey`` in a strict ``lang`` edition."""
    stage, data = stage_inputs(survey)
    run = rc.Run(survey, stage.report_file("html"))
    with i18n.edition(lang):  # strict: raises UntranslatedError at the block's end
        sections = rc.sections_of(data)
        out = {"front": str(rc.front_matter(data, sections))}
        for s in sections:
            if s.anchor in FRONT and s.build is not None:
                out[s.anchor] = str(s.build(data, run))
    data.chart_log.clear()
    return out


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], dict[str, str]]:
    return {(s, lang): front(s, lang) for s in SURVEYS for lang in ("en", *LANGUAGES)}


class _Tokens(HTMLParser):
    """An HTML text as tokens: tags with their attributes in order, text, entities read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        self.out.append(("<", tag, tuple(sorted(attrs, key=lambda a: a[0]))))

    def handle_endtag(self, tag) -> None:  # noqa: ANN001
        if tag not in VOID:  # <img/> as nbconvert writes it, <img> as the templates do
            self.out.append(("/", tag))

    def handle_data(self, data) -> None:  # noqa: ANN001
        if data.strip():
            self.out.append(("t", data))


def tokens(html: str) -> list[tuple]:
    """``html``'s tokens (the committed report is written again by nbconvert: attributes
    sorted, line breaks between blocks), for comparing markup, not its layout."""
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.out


def contains(whole: list[tuple], part: list[tuple]) -> bool:
    """``part`` is a run of ``whole``."""
    first = part[0]
    return any(whole[i : i + len(part)] == part for i, t in enumerate(whole) if t == first)


def text_of(html: str) -> str:
    """The words of an HTML fragment (tags out, entities as they are)."""
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("survey", SURVEYS)
def test_english_is_the_committed_report(survey, rendered) -> None:
    """Each English section is, tag for tag and word for word, in the committed report."""
    report = tokens((REPO / "reports" / survey / "report.html").read_text(encoding="utf-8"))
    for anchor, html in rendered[survey, "en"].items():
        assert contains(report, tokens(html)), f"{survey}: the English {anchor} differs"


def test_spanish_method_names_the_interval_and_formats_numbers(rendered) -> None:
    es = rendered["oas_2013", "es"]
    method = text_of(es["method"])
    assert f"Cada porcentaje lleva un intervalo de confianza de Wilson al 95{NBSP}%" in method
    assert "α = 0,05" in method  # the decimal comma
    assert "como máximo 10.000.000 tablas" in method  # Spanish grouping
    assert "prueba exacta de Fisher–Freeman–Halton" in method
    assert "método de Holm" in method
    findings = text_of(es["key-findings"])
    assert f"60,0{NBSP}% (9 de 15)" in findings  # a cited percentage: comma, space, "de"
    assert "Comparaciones entre grupos:" in findings
    assert es["front"].count("Hallazgos principales") == 1
    assert "Anexo: reproducibilidad" in es["front"]


def test_spanish_audit_translates_the_sentence_and_quotes_the_source(rendered) -> None:
    es = rendered["oas_2013", "es"]
    audit = text_of(es["audit"] + es["key-findings"])
    # the finding in Spanish, the source's own words ("Four + nine", "62%") verbatim
    assert "pero las partes declaradas Four + nine suman 13, no 15" in audit
    assert f"las listas dan 9/15 = 60,00{NBSP}%, que ningún redondeo habitual" in audit
    assert "La línea 88 declara 62%" in audit
    assert "Hipótesis (no hallazgos)" in audit  # the audit table keeps the hypotheses
    assert "the lists give" not in audit  # no English explanation left


def test_weighted_survey_in_each_language(rendered) -> None:
    es, fr, pt = (rendered["nhanes2", lang] for lang in LANGUAGES)
    assert "intervalo de confianza logit basado en el diseño al 95" in text_of(es["method"])
    assert "Errores estándar por linealización de Taylor" in text_of(es["method"])
    assert "linéarisation de Taylor" in text_of(fr["method"])
    assert "linearização de Taylor" in text_of(pt["method"])
    # an estimated population in each language's grouping (117,023,659 in English)
    assert "117.023.659" in es["appendix-provenance"]
    assert "117\u202f023\u202f659" in fr["appendix-provenance"]
    assert "117.023.659" in pt["appendix-provenance"]
    assert "est. 117,023,659" in rendered["nhanes2", "en"]["appendix-provenance"]


def test_french_and_portuguese_method_and_typography(rendered) -> None:
    fr = text_of(rendered["oas_2013", "fr"]["method"])
    pt = text_of(rendered["oas_2013", "pt"]["method"])
    assert f"intervalle de confiance de Wilson à 95{NBSP}%" in fr
    assert f"Intervalles.{' '}Chaque pourcentage" in fr
    assert "valeur p ajustée est inférieure à α = 0,05" in fr
    assert f"Comparaisons de groupes{NBSP}:" in text_of(rendered["oas_2013", "fr"]["key-findings"])
    assert "intervalo de confiança de Wilson de 95%" in pt
    assert "60,0% (9 de 15)" in text_of(rendered["oas_2013", "pt"]["key-findings"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_english_sentence_is_left(lang, rendered) -> None:
    """Words the English edition writes (not data) do not appear in the other editions."""
    english = ("Key findings", "Each percentage carries", "respondents answered", "Appendix:")
    for survey in SURVEYS:
        words = text_of("".join(rendered[survey, lang].values()))
        left = [w for w in english if w in words]
        assert not left, f"{survey} ({lang}) still writes {left}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_front_catalog_translates_every_message_of_these_files(lang) -> None:
    used = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in messages.extracted()
        if m.id and any(MINE.match(path) for path, _line in m.locations)
    }
    assert len(used) > 300
    gaps = messages.missing(lang, used)
    assert not gaps, f"locales/{lang} lacks {gaps[:10]}"


def test_french_catalog_puts_no_break_spaces_before_double_punctuation() -> None:
    text = (i18n.LOCALES / "fr" / "front.po").read_text(encoding="utf-8")
    strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', text, re.M)
    bad = [s for s in strings if re.search(r" [:;%»]|« ", s.replace("%(", ""))]
    assert not bad, bad[:5]


def test_the_interval_name_follows_the_edition() -> None:
    data = inputs("oas_2013")
    assert interval_name(data.book, data.stats) == "95% Wilson score interval"
    with i18n.edition("es"):
        assert (
            interval_name(data.book, data.stats) == f"intervalo de confianza de Wilson al 95{NBSP}%"
        )


def test_every_audit_explanation_has_a_known_shape() -> None:
    """Each explanation the audit wrote reads back into a message (no English left)."""
    audit = pd.read_csv(REPO / "data" / "processed" / "oas_2013" / "audit.csv")
    for lang in LANGUAGES:
        with i18n.edition(lang):
            said = [explanation_text(str(e)) for e in audit["explanation"]]
        assert not [s for s in said if "the lists give" in s or "Hypotheses" in s], lang
    assert explanation_text(str(audit["explanation"].iloc[0])) == audit["explanation"].iloc[0]


def test_an_explanation_of_unknown_shape_stops_a_strict_edition() -> None:
    with pytest.raises(i18n.UntranslatedError, match="audit explanation"):
        with i18n.edition("es"):
            explanation_text("the moon gives 3 of 4")


def test_template_values_are_escaped_as_every_template_value() -> None:
    """A message's values go through the report's escaping (``&#x27;``), Markup as it is."""
    env = environment()
    out = env.from_string('{{ _("%(a)s and %(b)s", a=x, b=y) }}').render(
        x="O'Neil & <b>", y=Markup("<em>kept</em>")
    )
    assert out == "O&#x27;Neil &amp; &lt;b&gt; and <em>kept</em>"


def test_number_filter_on_a_constant_follows_the_edition() -> None:
    """Jinja folds filters of constants when it compiles; ``number`` must not be folded."""
    template = environment().from_string("{{ 10000000|number }} {{ '60.0'|percent }}")
    assert template.render() == "10,000,000 60.0%"
    with i18n.edition("es"):
        assert template.render() == f"10.000.000 60,0{NBSP}%"
