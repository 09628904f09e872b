"""The certificate in the language chosen at issuance (issue 14, item 7), and right-to-left
names and text laid out right to left on the page.

The words are read back from the rendered PDF. Right to left is checked where the glyphs
are drawn, not only in the extracted text (extraction returns logical order whichever way
the glyphs run): poppler's ``pdftotext -bbox`` gives each word's box and its glyphs in the
order they are drawn, left to right, so a name laid out right to left reads, left to
right, as its own reversal, and its first word is the rightmost.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from credentials.documents.certificate_model import CertificateCompetency, CertificateData
from credentials.documents.certificate_view import certificate_context
from credentials.documents.certificate_words import catalogue, check_language, long_date
from credentials.documents.pdf import render_certificate_pdf
from credentials.errors import InvalidInputError
from tests.credentials.documents.test_certificate_pdf import (
    CREDENTIAL_JSON,
    HOSTILE,
    NORMAL,
    TEMPLATES,
)

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "microcred" / "translations"
HEBREW_NAME = "שרה לוי"
ARABIC_COMPETENCY = "تصميم متجاوب"
ARABIC_PROJECT = "متجر المخبز"
ARABIC_DESCRIPTION = "يبني واجهات ويب سهلة الوصول"

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (make system-deps) is missing"
)


def _render(data: CertificateData, translations: Path | None = TRANSLATIONS) -> bytes:
    return render_certificate_pdf(
        data,
        credential_json=CREDENTIAL_JSON,
        templates_dir=TEMPLATES,
        translations_dir=translations,
    )


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


SPANISH = dataclasses.replace(NORMAL, language="es")
RTL = dataclasses.replace(
    NORMAL,
    recipient_name=HEBREW_NAME,
    description=ARABIC_DESCRIPTION,
    competencies=[CertificateCompetency(name=ARABIC_COMPETENCY, projects=[ARABIC_PROJECT])],
)


@pytest.fixture(scope="module")
def spanish_pdf() -> bytes:
    return _render(SPANISH)


# --- the language ----------------------------------------------------------------------------


def test_a_spanish_certificate_prints_its_own_words_and_dates_in_spanish(
    spanish_pdf: bytes,
) -> None:
    text = _text(spanish_pdf)
    for words in (
        "Se certifica que",
        "ha demostrado todas las competencias de",
        "Centro de formación",
        "Respaldada por proyectos freelance",
        "Escanee para ver el estado actual",
        "Credencial Open Badges 3.0 firmada, incluida en este PDF.",
        "12 de mayo de 2025",
        "12 de mayo de 2027",
    ):
        assert words.lower() in text.lower(), words
    for english in ("This certifies that", "Training provider", "Scan for", "12 May 2025"):
        assert english.lower() not in text.lower(), english
    # What the provider and the freelancer wrote is printed as written.
    assert "Amara Okafor" in text
    assert "Responsive Web Front-End Development" in text
    assert "Builds accessible, responsive web front-ends from design files." in text


def test_the_default_is_english(spanish_pdf: bytes) -> None:
    text = _text(_render(NORMAL))
    assert "This certifies that" in text
    assert "12 May 2025" in text
    assert "SCAN FOR STATUS" in text
    assert text != _text(spanish_pdf)


def test_the_document_says_its_language() -> None:
    """The metadata a screen reader or a search index reads is in the same language."""
    pdf = _render(SPANISH)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert "Microcertificación otorgada a Amara Okafor" in str(reader.metadata.get("/Subject"))


def test_status_words_and_counts_are_translated() -> None:
    revoked = _text(_render(dataclasses.replace(HOSTILE, language="es")))
    assert "REVOCADA" in revoked
    assert "competencias más" in revoked  # "y 35 competencias más"
    assert "proyectos más" in revoked
    assert "REVOKED" not in revoked
    context = certificate_context(
        dataclasses.replace(HOSTILE, language="es"), words=catalogue(TRANSLATIONS, "es")
    )
    assert context["competencies"][0]["projects"].value.endswith("y 6 más")
    assert context["lead"] == "ha demostrado todas las competencias de"


def test_a_status_label_outside_the_catalogue_is_printed_as_given() -> None:
    context = certificate_context(
        dataclasses.replace(NORMAL, status_label="Withdrawn", language="es"),
        words=catalogue(TRANSLATIONS, "es"),
    )
    assert context["status_label"] == "Withdrawn"


def test_without_catalogues_the_words_stay_english() -> None:
    """A caller that hands no translations directory (or a language without a catalogue
    there) still gets a whole certificate, in English words; the dates follow Babel."""
    text = _text(_render(SPANISH, translations=None))
    assert "This certifies that" in text
    assert "12 de mayo de 2025" in text


@pytest.mark.parametrize("value", ["", "EN", "es-MX", "english", "zz", "e\u0301s", 7, None])
def test_an_unknown_language_is_refused_by_name(value: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        dataclasses.replace(NORMAL, language=value)  # type: ignore[arg-type]
    assert refused.value.field == "language"


def test_check_language_accepts_what_babel_knows() -> None:
    assert check_language("es") == "es"
    assert check_language("ar") == "ar"
    assert long_date(date(2025, 9, 1), "es") == "1 de septiembre de 2025"
    assert long_date(date(2025, 9, 1), "en") == "1 September 2025"


# --- right to left ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str  # its glyphs in drawing order, left to right
    x_min: float
    x_max: float
    y_min: float
    y_max: float


def _words(pdf: bytes, tmp: Path) -> list[Word]:
    path = tmp / "certificate.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    tree = ET.fromstring(out)  # noqa: S314 - poppler's own output for our own PDF
    return [
        Word(
            el.text or "",
            float(el.attrib["xMin"]),
            float(el.attrib["xMax"]),
            float(el.attrib["yMin"]),
            float(el.attrib["yMax"]),
        )
        for el in tree.iter()
        if el.tag.endswith("word")
    ]


#: Half of an A4 landscape page, in points: the certificate's two columns meet there.
_MIDDLE = 842 / 2


def _line_of(words: list[Word], drawn: str, *, column: bool = False) -> list[Word]:
    """The words on the line of the word whose glyphs are ``drawn`` (those that cross the
    middle of its height), left to right; ``column``: only those in its column."""
    [anchor] = [w for w in words if w.text == drawn]
    middle = (anchor.y_min + anchor.y_max) / 2
    left = anchor.x_max < _MIDDLE
    return sorted(
        (
            w
            for w in words
            if w.y_min < middle < w.y_max and (not column or (w.x_max < _MIDDLE) == left)
        ),
        key=lambda w: w.x_min,
    )


def _drawn(logical: str) -> Iterator[str]:
    """Each word of ``logical`` as a right-to-left layout draws it (glyphs reversed)."""
    return (word[::-1] for word in logical.split())


@pytest.fixture(scope="module", params=["en", "es"])
def rtl_words(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[Word]:
    pdf = _render(dataclasses.replace(RTL, language=request.param))
    return _words(pdf, tmp_path_factory.mktemp("rtl"))


def test_a_hebrew_name_is_laid_out_right_to_left(rtl_words: list[Word]) -> None:
    first, last = _drawn(HEBREW_NAME)  # שרה, לוי
    line = _line_of(rtl_words, first)
    assert [w.text for w in line] == [last, first]  # the first name is the rightmost
    # Drawn right to left, the line reads left to right as the name reversed.
    assert " ".join(w.text for w in line)[::-1] == HEBREW_NAME


def test_an_arabic_description_runs_right_to_left(rtl_words: list[Word]) -> None:
    drawn = list(_drawn(ARABIC_DESCRIPTION))
    line = _line_of(rtl_words, drawn[0])
    assert [w.text for w in line] == drawn[::-1]


def test_an_arabic_name_inside_a_left_to_right_line_keeps_both_directions(
    rtl_words: list[Word],
) -> None:
    """ "Shown in متجر المخبز": the label leads on the left, the Arabic run after it reads
    right to left (its first word rightmost)."""
    first, second = _drawn(ARABIC_PROJECT)
    line = _line_of(rtl_words, first, column=True)
    texts = [w.text for w in line]
    assert texts[-2:] == [second, first]
    label = [w for w in line if w.text not in (first, second)]
    assert label, texts
    assert max(w.x_max for w in label) < min(w.x_min for w in line if w.text in (first, second))
