"""Helpers shared by the documents tests: rasterising PDFs and SVGs, decoding QR codes.

Real tools only: poppler's ``pdftoppm`` renders pages, WeasyPrint turns an SVG into a PDF
first, and zxing-cpp decodes.
"""

from __future__ import annotations

import base64
import io
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import weasyprint
import zxingcpp
from PIL import Image


def pdf_page_images(pdf: bytes, *, dpi: int) -> list[Image.Image]:
    """Every page of ``pdf`` as an RGB image rendered by pdftoppm at ``dpi``."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(source), str(Path(tmp) / "page")],
            check=True,
            timeout=60,
        )
        pages = sorted(Path(tmp).glob("page*.png"))
        return [Image.open(io.BytesIO(page.read_bytes())).convert("RGB") for page in pages]


def svg_to_image(svg: str, *, width_mm: float = 60, dpi: int = 150) -> Image.Image:
    """Rasterise an SVG (as an <img> in a one-image page) through WeasyPrint and pdftoppm."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    side = width_mm + 20
    html = (
        f"<style>@page {{ size: {side}mm {side}mm; margin: 10mm }} body {{ margin: 0 }}</style>"
        f'<img src="{uri}" style="width: {width_mm}mm; height: {width_mm}mm">'
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    [page] = pdf_page_images(pdf, dpi=dpi)
    return page


def decode_qr(image: Image.Image) -> list[str]:
    """The texts of every QR code zxing-cpp finds in ``image``."""
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def parse_own_xml(text: str | bytes) -> ET.Element:
    """Parse XML that our own code produced (never untrusted input)."""
    return ET.fromstring(text)  # noqa: S314 - our own output, no DTD possible
