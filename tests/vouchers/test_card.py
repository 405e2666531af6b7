"""The printable recipient card: the QR must scan back to the credential, the text must be there.

No PDF rasterizer is available (no poppler, mupdf or pdfium), so the PDF is read with the small
parser below: enough of the format to pull out fpdf2's text and the QR's vector rectangles, which
are then drawn with Pillow and decoded like a scan.
"""

from __future__ import annotations

import io
import random
import re
import zlib
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from bansos.vouchers import card as card_module
from bansos.vouchers.card import (
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    CardData,
    qr_version,
    render_pdf,
    render_png,
)

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_PT_PER_MM = 72 / 25.4


def _credential(length: int, seed: int = 7) -> str:
    """A credential-like string of exactly ``length`` QR-alphanumeric characters."""
    rng = random.Random(seed)
    return "BS1:" + "".join(rng.choice(_ALPHANUMERIC) for _ in range(length - 4))


def _card(name: str = "Siti Nur'aini", **changes: object) -> CardData:
    fields: dict[str, object] = {
        "qr_text": _credential(300),
        "name": name,
        "masked_nik": "3204********0001",
        "programs": ("Program Sembako", "PKH"),
        "valid_until": date(2027, 11, 28),
        "card_id": "K7Q-2M4X",
        "helpline": "Kemensos 171",
    }
    fields.update(changes)
    return CardData(**fields)  # type: ignore[arg-type]


def _decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image)


# --- PNG --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [200, 300, 600])
def test_png_is_id1_and_its_qr_scans(dpi: int) -> None:
    card = _card()
    image = Image.open(io.BytesIO(render_png(card, dpi)))

    assert abs(image.width - CARD_WIDTH_MM / 25.4 * dpi) <= 1
    assert abs(image.height - CARD_HEIGHT_MM / 25.4 * dpi) <= 1
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    found = _decode(image)
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.QRCode, card.qr_text)]


@pytest.mark.parametrize("dpi", [200, 300, 600])
def test_png_qr_is_large_sharp_and_has_a_clear_quiet_zone(dpi: int) -> None:
    card = _card(name="Raden Ayu Siti Nur'aini Kusumawardhani Prawirodirdjo")
    image = Image.open(io.BytesIO(render_png(card, dpi))).convert("L")
    (found,) = _decode(image)
    left, top = found.position.top_left.x, found.position.top_left.y
    modules = 17 + 4 * qr_version(card.qr_text)
    module_px = round((found.position.top_right.x - left) / modules)
    side = modules * module_px

    assert side / dpi * 25.4 >= 30
    # Whole pixels per module: the symbol holds only pure black and white, no resampling grey.
    assert set(image.crop((left, top, left + side, top + side)).get_flattened_data()) == {0, 255}
    quiet = 4 * module_px
    ring = image.crop((left - quiet, top - quiet, left + side + quiet, top + side + quiet))
    ImageDraw.Draw(ring).rectangle((quiet, quiet, quiet + side - 1, quiet + side - 1), fill=255)
    assert ring.getextrema() == (255, 255), "text or border inside the QR's quiet zone"


def test_png_is_deterministic() -> None:
    assert render_png(_card()) == render_png(_card())


def test_low_dpi_is_refused() -> None:
    with pytest.raises(ValueError, match="dpi"):
        render_png(_card(), dpi=150)


# --- PDF --------------------------------------------------------------------------------------


def _pdf_objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Each object's dictionary and inflated stream, found through the xref table.

    The table gives exact offsets, so compressed stream bytes that happen to look like
    ``endobj`` cannot confuse it.
    """
    start = re.search(rb"startxref\s+(\d+)", pdf)
    assert start
    table = re.compile(rb"xref\s+0 (\d+)\s+").match(pdf, int(start[1]))
    assert table
    objects: dict[int, tuple[bytes, bytes]] = {}
    for number in range(1, int(table[1])):
        entry = pdf[table.end() + 20 * number : table.end() + 20 * number + 20]
        if entry[17:18] != b"n":
            continue
        head = re.compile(rb"\d+ 0 obj\s*").match(pdf, int(entry[:10]))
        assert head
        end = pdf.index(b"endobj", head.end())
        stream_at = pdf.find(b"stream", head.end())
        if not 0 <= stream_at < end:
            objects[number] = (pdf[head.end() : end], b"")
            continue
        header = pdf[head.end() : stream_at]
        length = re.search(rb"/Length (\d+)", header)
        assert length
        data_at = (
            stream_at + len(b"stream") + (2 if pdf[stream_at + 6 : stream_at + 8] == b"\r\n" else 1)
        )
        data = pdf[data_at : data_at + int(length[1])]
        objects[number] = (header, zlib.decompress(data) if b"/FlateDecode" in header else data)
    return objects


def _ref(dictionary: bytes, key: bytes) -> int | None:
    found = re.search(rb"/" + key + rb" (\d+) 0 R", dictionary)
    return int(found[1]) if found else None


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b""}


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match[1]
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.DOTALL)


def _pdf_pages(pdf: bytes) -> list[tuple[list[str], bytes]]:
    """Per page: the strings shown (one per ``Tj``, decoded through each font's ToUnicode map)
    and the raw content stream."""
    objects = _pdf_objects(pdf)
    (pages_dict,) = [d for d, _ in objects.values() if b"/Type /Pages" in d]
    kids = re.search(rb"/Kids \[([^\]]*)\]", pages_dict)
    assert kids
    result = []
    for page_number in map(int, re.findall(rb"(\d+) 0 R", kids[1])):
        page = objects[page_number][0]
        contents, resources = _ref(page, b"Contents"), _ref(page, b"Resources")
        assert contents is not None
        assert resources is not None
        fonts: dict[bytes, dict[int, str] | None] = {}
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", objects[resources][0]):
            cmap_ref = _ref(objects[int(number)][0], b"ToUnicode")
            fonts[name] = None
            if cmap_ref is not None:
                pairs = re.findall(rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>", objects[cmap_ref][1])
                fonts[name] = {
                    int(k, 16): bytes.fromhex(v.decode()).decode("utf-16-be") for k, v in pairs
                }
        content = objects[contents][1]
        shown: list[str] = []
        cmap: dict[int, str] | None = None
        token = rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj"
        for match in re.finditer(token, content, flags=re.DOTALL):
            if match[1]:
                cmap = fonts[match[1]]
                continue
            raw = _unescape(match[2])
            if cmap is None:  # a core font: one Latin-1 byte per character
                shown.append(raw.decode("latin-1"))
            else:  # a Unicode TrueType font: two-byte glyph codes
                shown.append(
                    "".join(cmap[int.from_bytes(raw[i : i + 2])] for i in range(0, len(raw), 2))
                )
        result.append((shown, content))
    return result


def _pdf_qr_image(content: bytes) -> tuple[Image.Image, float]:
    """The QR's filled rectangles drawn at 8 px per module with a quiet zone; and the symbol's
    width in mm."""
    number = rb"(-?\d+(?:\.\d+)?)"
    rects = [tuple(map(float, r)) for r in re.findall(b" ".join([number] * 4) + rb" re\b", content)]
    assert rects, "no vector QR on the page"
    scale = re.search(rb"q " + number + rb" 0 0 -?[\d.]+ [\d.]+ [\d.]+ cm", content)
    assert scale, "the QR path is expected in fpdf2's drawing-context form"
    module = min(h for _, _, _, h in rects)
    x0, y0 = min(r[0] for r in rects), min(r[1] for r in rects)
    modules = round((max(x + w for x, _, w, _ in rects) - x0) / module)
    px = 8
    image = Image.new("L", ((modules + 8) * px, (modules + 8) * px), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in rects:
        left, top = round((x - x0) / module + 4) * px, round((y - y0) / module + 4) * px
        draw.rectangle(
            (left, top, left + round(w / module) * px - 1, top + round(h / module) * px - 1), fill=0
        )
    return image, modules * module * float(scale[1]) / _PT_PER_MM


def test_pdf_is_two_id1_pages_with_the_text_and_a_scannable_qr() -> None:
    card = _card(valid_until=date(2026, 8, 5))
    pdf = render_pdf(card)

    assert pdf.startswith(b"%PDF")
    media = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert media
    assert float(media[1]) == pytest.approx(CARD_WIDTH_MM * _PT_PER_MM, abs=0.01)
    assert float(media[2]) == pytest.approx(CARD_HEIGHT_MM * _PT_PER_MM, abs=0.01)
    (front, content), (back, _) = _pdf_pages(pdf)
    front_text = " ".join(front)
    assert "KARTU BANSOS" in front
    assert card.name in front_text
    assert f"NIK {card.masked_nik}" in front
    assert "Berlaku s.d. 5 Agu 2026" in front
    assert "No. kartu: K7Q-2M4X" in front
    assert "Program Sembako, PKH" in front_text
    assert "Bantuan: Kemensos 171" in front
    assert "Jangan beri tahu PIN Anda kepada siapa pun, termasuk petugas." in " ".join(back)
    assert "Kemensos 171" in back

    image, symbol_mm = _pdf_qr_image(content)
    found = _decode(image)
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.QRCode, card.qr_text)]
    assert symbol_mm >= 30


def test_pdf_is_deterministic() -> None:
    assert render_pdf(_card()) == render_pdf(_card())


# --- names, fonts, text ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Ni Luh Putu Ayu Ṣaraswati", "Siti Nur'aini", "Ñoño Ğül Øster"])
def test_non_ascii_names_print_in_full(name: str) -> None:
    card = _card(name=name)
    (front, _), _back = _pdf_pages(render_pdf(card))
    assert name in " ".join(front)
    (found,) = _decode(Image.open(io.BytesIO(render_png(card))))
    assert found.text == card.qr_text


def test_a_name_typed_with_combining_accents_prints_composed() -> None:
    (front, _), _back = _pdf_pages(render_pdf(_card(name="Ni Luh Putu Ayu S\u0323araswati")))
    assert "Ni Luh Putu Ayu Ṣaraswati" in " ".join(front)


def test_without_dejavu_both_formats_still_render(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(card_module, "_FONT_DIR", tmp_path)
    card = _card(name="Ni Luh Putu Ayu Ṣaraswati")

    (found,) = _decode(Image.open(io.BytesIO(render_png(card))))
    assert found.text == card.qr_text
    (front, content), _back = _pdf_pages(render_pdf(card))
    assert b"/Helvetica" in render_pdf(card)
    assert "Ni Luh Putu Ayu Saraswati" in " ".join(front)  # transliterated for Latin-1
    assert "Berlaku s.d. 28 Nov 2027" in front
    assert _decode(_pdf_qr_image(content)[0])[0].text == card.qr_text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2027, 11, 28), "28 Nov 2027"),
        (date(2026, 5, 1), "1 Mei 2026"),
        (date(2030, 12, 31), "31 Des 2030"),
    ],
)
def test_dates_use_indonesian_month_abbreviations(day: date, text: str) -> None:
    assert card_module._short_date(day) == text


@pytest.mark.parametrize(
    "card",
    [
        _card(),
        _card(
            name="Raden Roro Siti Nur'aini Kusumawardhaningtyasprawirodirdjo Hadiningrat",
            programs=(
                "Program Sembako",
                "PKH",
                "BLT Dana Desa",
                "Program Indonesia Pintar",
                "PBI JKN",
            ),
            card_id="K7Q-2M4X-9PLT",
            helpline="Kemensos 171 / WA 0811-1022-210",
        ),
    ],
    ids=["typical", "crowded"],
)
def test_front_text_stays_on_the_card_and_off_the_qr(card: CardData) -> None:
    """Every line's box, measured with the real font, is inside the card's safe area, outside the
    QR square, and clear of every other line."""
    dpi = 300
    px_per_mm = dpi / 25.4
    fonts = card_module._font_paths()
    assert fonts is not None

    def measure(text: str, size: float, bold: bool) -> float:
        return (
            card_module._pil_font(fonts[bold], round(size * dpi / 72)).getlength(text) / px_per_mm
        )

    modules = 17 + 4 * qr_version(card.qr_text) + 8
    box = 7 * modules / px_per_mm  # 7 px per module at 300 dpi
    lines = card_module._front(card, box, 7 / px_per_mm, measure)
    boxes = []
    for line in lines:
        em = line.size / _PT_PER_MM
        boxes.append(
            (
                line.x,
                line.baseline - 0.93 * em,
                line.x + measure(line.text, line.size, line.bold),
                line.baseline + 0.24 * em,
            )
        )

    # The name is printed whole (a word too long for the column is split between letters).
    assert "".join(card.name.split()) in "".join("".join(line.text.split()) for line in lines)
    assert min(line.size for line in lines) >= 6, "text shrunk below a readable size"
    for left, top, right, bottom in boxes:
        assert (
            left >= 3
            and right <= CARD_WIDTH_MM - 3
            and top >= 1.5
            and bottom <= CARD_HEIGHT_MM - 1.5
        )
        assert left >= 1.5 + box or top >= 1.5 + box, "text inside the QR square"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], "lines overlap"


# --- QR ----------------------------------------------------------------------------------------


def test_a_full_length_credential_fits_qr_version_10() -> None:
    assert qr_version(_credential(300)) <= 10


@pytest.mark.parametrize("text", ["bs1:lowercase", "BS1:É", "X" * 301, ""])
def test_text_a_qr_cannot_hold_compactly_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="qr_text"):
        _card(qr_text=text)
