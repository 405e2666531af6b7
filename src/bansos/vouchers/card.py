"""The printable recipient card: the QR credential on paper, for a recipient without a phone.

Many recipients are elderly or own only a feature phone, so the card in her wallet *is* her
credential: the e-warong scans its QR, and the printed lines tell her (and the helpdesk) whose
card it is. The QR carries no name and no NIK (DESIGN rule 4); the card prints her name in full,
because it is hers, and only the masked NIK.

Why these sizes:

- ID-1 (ISO/IEC 7810, 85.60 x 53.98 mm), like a bank card or KTP: it fits a wallet and the card
  printers agencies already have; the PDF page is exactly that size, so nothing gets rescaled.
- The QR, with its 4-module quiet zone (the minimum ISO/IEC 18004 asks for), takes a ~40 mm
  square at the top left. A 300-character credential is version 10 at level M (57 modules), so a
  module is ~0.6 mm and the symbol stays >= 30 mm: easy for a cheap phone camera, and it still
  reads once the card is worn, laminated or photocopied. Level M (15 % recovery) without
  segno's error boost keeps the version a function of the length alone, so the layout never
  meets a surprise size.
- In the PNG a module is a whole number of pixels, because a resampled QR has blurred edges that
  scanners misread. Where rounding down would push the symbol under 30 mm (low dpi) the module is
  rounded up instead and the text column gives way; below 200 dpi that square would grow past
  ~41 mm and squeeze the text into unreadable sizes, so lower resolutions are refused.
- Text is DejaVu Sans (it covers names such as "Ṣaraswati"), 7.5-11 pt on the front; when a long
  name or many programs do not fit, the whole block shrinks in steps rather than cutting
  anything. Line breaking and fitting live here rather than in fpdf2's multi_cell, so the PNG
  and the PDF break at the same words from one layout.
- The PDF's QR is vector (one filled path): sharp at any printer resolution, and a single path
  leaves no hairline seams between modules in viewers.
- The PDF has a back page repeating the guidance at 10-16 pt: at 7.5 pt the front's help line is
  hard to read for ageing eyes. The front is complete by itself, so single-sided printing (and
  the PNG, which is the front) still makes a working card.
"""

from __future__ import annotations

import functools
import io
import math
import string
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "CARD_HEIGHT_MM",
    "CARD_WIDTH_MM",
    "MAX_QR_TEXT",
    "CardData",
    "qr_version",
    "render_pdf",
    "render_png",
]

CARD_WIDTH_MM = 85.60
CARD_HEIGHT_MM = 53.98
#: The credential format's upper bound; the QR square was sized for it (version 10 at level M).
MAX_QR_TEXT = 300

_QR_CHARSET = frozenset(string.digits + string.ascii_uppercase + " $%*+-./:")
_QUIET_MODULES = 4
_MIN_SYMBOL_MM = 30.0
#: Where the QR square (quiet zone included) starts, and its size. The quiet zone doubles as
#: the margin on that side, so only 1.5 mm of card edge is spent beyond it.
_QR_EDGE_MM = 1.5
_QR_BOX_MM = 40.0
#: Text keeps this far from the card edge: printers and cutters drift by about a millimetre.
_MARGIN_MM = 3.0
_CORNER_RADIUS_MM = 3.18  # ID-1 corner radius
_MIN_DPI = 200

_MM_PER_PT = 25.4 / 72
_MM_PER_INCH = 25.4
#: Line box and baseline offset in ems: DejaVu's ascender (with accents) is ~0.93 em and its
#: descender ~0.24 em, so 1.2 em lines never touch.
_LINE_PITCH = 1.2
_ASCENT = 0.93
#: Font scales tried in turn until a text block fits; the last one is used even if it does not,
#: so rendering never fails.
_SCALES = (1.0, 0.94, 0.88, 0.82, 0.76, 0.7, 0.64)

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_PDF_FAMILY = "DejaVu"
#: A fixed creation date so the same card always gives the same bytes (comparable, cacheable,
#: hashable); the wall-clock time of a render says nothing about the card.
_PDF_CREATED = datetime(2000, 1, 1, tzinfo=UTC)

#: Indonesian month abbreviations; six strings do not justify Babel as a dependency.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
#: Short sentences in plain Bahasa Indonesia: many recipients read slowly or not at all, and a
#: relative reads the card to them.
_HELP = (
    "Tunjukkan kartu ini di e-warong.",
    "Jangan beri tahu PIN Anda kepada siapa pun, termasuk petugas.",
)

_BLACK = 0
_CUT_LINE_GREY = 160


@dataclass(frozen=True)
class CardData:
    """What one card shows; built by the voucher service, never from raw registry rows."""

    qr_text: str
    name: str
    masked_nik: str
    programs: tuple[str, ...]
    valid_until: date
    card_id: str
    helpline: str

    def __post_init__(self) -> None:
        # Checked here, not deep inside segno, so a bad credential fails with a clear message
        # before any card is printed.
        if not 0 < len(self.qr_text) <= MAX_QR_TEXT:
            raise ValueError(f"qr_text must be 1..{MAX_QR_TEXT} characters")
        if not set(self.qr_text) <= _QR_CHARSET:
            raise ValueError("qr_text must use only the QR alphanumeric characters")


def qr_version(text: str) -> int:
    """The QR version the card uses for ``text`` (level M, alphanumeric mode)."""
    return _version(_make_qr(text))


def render_png(card: CardData, dpi: int = 300) -> bytes:
    """The card's front as a greyscale PNG of ID-1 size at ``dpi``, tagged with that dpi."""
    if dpi < _MIN_DPI:
        raise ValueError(f"dpi must be at least {_MIN_DPI}")
    px_per_mm = dpi / _MM_PER_INCH
    qr = _make_qr(card.qr_text)
    modules = len(qr.matrix) + 2 * _QUIET_MODULES
    module_px = math.floor(_QR_BOX_MM * px_per_mm / modules)
    if module_px * len(qr.matrix) < _MIN_SYMBOL_MM * px_per_mm:
        module_px = math.ceil(_MIN_SYMBOL_MM * px_per_mm / len(qr.matrix))
    box_mm = module_px * modules / px_per_mm

    size = (round(CARD_WIDTH_MM * px_per_mm), round(CARD_HEIGHT_MM * px_per_mm))
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1),
        radius=round(_CORNER_RADIUS_MM * px_per_mm),
        outline=_CUT_LINE_GREY,
        width=max(1, round(0.2 * px_per_mm)),
    )
    symbol = _qr_image(qr, module_px)
    offset = round(_QR_EDGE_MM * px_per_mm) + _QUIET_MODULES * module_px
    image.paste(symbol, (offset, offset))

    fonts = _font_paths()

    def font(size_pt: float, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return _pil_font(fonts[bold] if fonts else None, round(size_pt * dpi / 72))

    def measure(text: str, size_pt: float, bold: bool) -> float:
        return font(size_pt, bold).getlength(text) / px_per_mm

    for line in _front(card, box_mm, module_px / px_per_mm, measure):
        face = font(line.size, line.bold)
        x, y = round(line.x * px_per_mm), round(line.baseline * px_per_mm)
        if isinstance(face, ImageFont.FreeTypeFont):
            draw.text((x, y), line.text, font=face, fill=_BLACK, anchor="ls")
        else:  # Pillow without FreeType: a bitmap font knows no baseline anchor
            draw.text((x, y - round(line.size * dpi / 72)), line.text, font=face, fill=_BLACK)

    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def render_pdf(card: CardData) -> bytes:
    """A two-page ID-1 PDF, front and back, with vector text and a vector QR."""
    # A (width, height) format is taken as given in portrait; "L" would swap it to 54 x 86 mm.
    pdf = FPDF(orientation="P", unit="mm", format=(CARD_WIDTH_MM, CARD_HEIGHT_MM))
    pdf.set_creation_date(_PDF_CREATED)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margin(0)
    fonts = _font_paths()
    if fonts:
        pdf.add_font(_PDF_FAMILY, "", str(fonts[False]))
        pdf.add_font(_PDF_FAMILY, "B", str(fonts[True]))
        family, clean = _PDF_FAMILY, _nfc
    else:  # core Helvetica knows only Latin-1
        family, clean = "Helvetica", _latin1

    def measure(text: str, size_pt: float, bold: bool) -> float:
        pdf.set_font(family, "B" if bold else "", size_pt)
        return pdf.get_string_width(clean(text))

    def page(lines: Sequence[_Line]) -> None:
        pdf.add_page()
        pdf.set_draw_color(_CUT_LINE_GREY)
        pdf.set_line_width(0.2)
        pdf.rect(
            0.1,
            0.1,
            CARD_WIDTH_MM - 0.2,
            CARD_HEIGHT_MM - 0.2,
            style="D",
            round_corners=True,
            corner_radius=_CORNER_RADIUS_MM,
        )
        pdf.set_text_color(_BLACK)
        for line in lines:
            pdf.set_font(family, "B" if line.bold else "", line.size)
            pdf.text(line.x, line.baseline, clean(line.text))

    qr = _make_qr(card.qr_text)
    module = _QR_BOX_MM / (len(qr.matrix) + 2 * _QUIET_MODULES)
    page(_front(card, _QR_BOX_MM, module, measure))
    origin = _QR_EDGE_MM + _QUIET_MODULES * module
    with pdf.new_path() as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for row, col, run in _dark_runs(qr):
            path.rectangle(origin + col * module, origin + row * module, run * module, module)
    page(_back(card, measure))
    return bytes(pdf.output())


# --- layout: positions in mm from the top-left corner, shared by both renderers -------------


_Measure = Callable[[str, float, bool], float]
"""Width in mm of a text at a size in points, bold or not, in the renderer's own font."""


@dataclass(frozen=True)
class _Line:
    text: str
    x: float
    baseline: float
    size: float
    bold: bool


@dataclass(frozen=True)
class _Block:
    text: str
    size: float
    bold: bool = False
    space_before: float = 0.0


def _front(card: CardData, qr_box_mm: float, qr_module_mm: float, measure: _Measure) -> list[_Line]:
    """QR at the top left, who and what to its right, the help line across the bottom.

    The help line starts where the QR symbol starts and keeps the same margin on the right, so
    the card reads as one aligned block.
    """
    margin = max(_MARGIN_MM, _QR_EDGE_MM + _QUIET_MODULES * qr_module_mm)
    column_x = _QR_EDGE_MM + qr_box_mm + 0.5
    column = [
        _Block("KARTU BANSOS", 11, bold=True),
        _Block(card.name, 10, bold=True, space_before=1.2),
        _Block(f"NIK {card.masked_nik}", 8, space_before=0.8),
        _Block(", ".join(card.programs), 8, space_before=0.8),
        _Block(f"Berlaku s.d. {_short_date(card.valid_until)}", 8, bold=True, space_before=0.8),
        _Block(f"No. kartu: {card.card_id}", 8, space_before=0.8),
    ]
    qr_bottom = _QR_EDGE_MM + qr_box_mm
    lines = _fit(
        column,
        x=column_x,
        top=_MARGIN_MM,
        width=CARD_WIDTH_MM - margin - column_x,
        bottom=qr_bottom,
        measure=measure,
    )
    text_bottom = max(
        (line.baseline + (_LINE_PITCH - _ASCENT) * line.size * _MM_PER_PT for line in lines),
        default=0.0,
    )
    help_block = [_Block(" ".join(_HELP), 7.5), _Block(f"Bantuan: {card.helpline}", 7.5, True)]
    return lines + _fit(
        help_block,
        x=margin,
        top=max(qr_bottom, text_bottom) + 0.3,
        width=CARD_WIDTH_MM - 2 * margin,
        bottom=CARD_HEIGHT_MM - _MARGIN_MM + 0.5,
        measure=measure,
    )


def _back(card: CardData, measure: _Measure) -> list[_Line]:
    """The same guidance in large print, and who to call with which card number."""
    margin = _MARGIN_MM + 1
    blocks = [
        _Block(_HELP[0], 12),
        _Block(_HELP[1], 12, bold=True, space_before=1.5),
        _Block("Ada masalah atau kartu hilang? Hubungi:", 10, space_before=2.5),
        _Block(card.helpline, 16, bold=True, space_before=0.5),
        _Block(f"No. kartu: {card.card_id}", 10, space_before=1.0),
    ]
    return _fit(
        blocks,
        x=margin,
        top=margin,
        width=CARD_WIDTH_MM - 2 * margin,
        bottom=CARD_HEIGHT_MM - margin,
        measure=measure,
    )


def _fit(
    blocks: Sequence[_Block],
    *,
    x: float,
    top: float,
    width: float,
    bottom: float,
    measure: _Measure,
) -> list[_Line]:
    """Wrap ``blocks`` into the box, shrinking them together until they fit.

    Shrinking all blocks by one factor keeps their hierarchy (title over name over details);
    nothing is ever cut, since a card with half a name is worse than one with small print.
    """
    lines: list[_Line] = []
    for scale in _SCALES:
        lines = []
        y = top
        for block in blocks:
            size = block.size * scale
            em = size * _MM_PER_PT
            y += block.space_before * scale
            for text in _wrap(block.text, width, functools.partial(_at, measure, size, block.bold)):
                lines.append(_Line(text, x, y + _ASCENT * em, size, block.bold))
                y += _LINE_PITCH * em
        if y <= bottom:
            break
    return lines


def _at(measure: _Measure, size: float, bold: bool, text: str) -> float:
    return measure(text, size, bold)


def _wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap; a single word wider than the line is split between letters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and measure(current + char) > width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def _short_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


# --- QR and fonts ----------------------------------------------------------------------------


def _make_qr(text: str) -> segno.QRCode:
    return segno.make(text, error="m", mode="alphanumeric", micro=False, boost_error=False)


def _version(qr: segno.QRCode) -> int:
    version = qr.version
    assert isinstance(version, int)  # micro=False: never a Micro QR's "M1".."M4"
    return version


def _qr_image(qr: segno.QRCode, module_px: int) -> Image.Image:
    """The symbol without quiet zone, scaled by a whole factor (nearest neighbour: no blur)."""
    n = len(qr.matrix)
    data = bytes(0 if dark else 255 for row in qr.matrix for dark in row)
    small = Image.frombytes("L", (n, n), data)
    return small.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)


def _dark_runs(qr: segno.QRCode) -> list[tuple[int, int, int]]:
    """(row, column, length) of each horizontal run of dark modules: ~15x fewer rectangles."""
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(qr.matrix):
        start = None
        for c, dark in enumerate((*row, 0)):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                runs.append((r, start, c - start))
                start = None
    return runs


def _font_paths() -> dict[bool, Path] | None:
    """Regular and bold DejaVu Sans keyed by ``bold``, or None if either file is missing."""
    paths = {bold: _FONT_DIR / name for bold, name in zip((False, True), _FONT_FILES, strict=True)}
    return paths if all(p.is_file() for p in paths.values()) else None


@functools.lru_cache(maxsize=64)
def _pil_font(path: Path | None, size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A cached font; Pillow's built-in one when DejaVu is absent, so a card still prints."""
    if path is None:
        return ImageFont.load_default(size=size_px)
    return ImageFont.truetype(str(path), size_px)


def _nfc(text: str) -> str:
    # A name typed with combining accents would print the accent beside its letter.
    return unicodedata.normalize("NFC", text)


def _latin1(text: str) -> str:
    """Text for a Latin-1 core font: letters outside it lose their accents ("Ṣ" -> "S")."""
    out = []
    for char in _nfc(text):
        if ord(char) < 256:
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) < 256)
        out.append(base or "?")
    return "".join(out)
