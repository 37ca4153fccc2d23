"""The shipped fonts cover every script Tandem promises; right-to-left text is ordered, joined and wrapped as it
is read; the fonts stay within their share of the installer."""

from __future__ import annotations

import unicodedata

import pytest
from fontTools.ttLib import TTFont
from reportlab.platypus import Table

from app.reports.fonts import FALLBACK, FAMILIES, family_for, font_runs, visual
from app.reports.layout import MARGIN, STYLES, Paragraph, build_pdf, esc, para
from tests.reports.pdf_checks import (
    FONTS_DIR,
    MM,
    missing_glyphs,
    outside,
    read_pdf,
    reading_order,
)

FONT_BUDGET = 8 * 1024 * 1024  # resources/fonts, all of it shipped in the installer (7.2 MB with Nanum Square)


def _letters(*ranges: tuple[int, int]) -> str:
    return "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1) if unicodedata.category(chr(c))[0] == "L")


SCRIPT_LETTERS = {
    "Central European and Turkish Latin": "ŘřŠšŽžČčĚěŮůŇňŤťĎďŁłŚśŹźŻżĄąĘęŃńĆćŐőŰűŞşĞğİıÖöÜüÇçÂâ",
    "Latin Extended-A": _letters((0x100, 0x17F)),
    "Greek": _letters((0x386, 0x3CE)),
    "Cyrillic": _letters((0x400, 0x45F)),
    "Arabic": _letters((0x621, 0x64A)) + "پچژگکی",
    "Arabic presentation forms (joined letters)": _letters((0xFE70, 0xFEFC)),
    "Hebrew": _letters((0x5D0, 0x5EA)),
    "Chinese": "深圳精密制造有限公司交货延迟了两天北京上海广州的一是不在人有我他这中大来上国个到说们为子和你地出道也时年",
    "Japanese kana": _letters((0x3041, 0x3094), (0x30A1, 0x30F6)) + "ー",
    "Japanese kanji": "株式会社東京精機納品二日遅日本語漢字",
    "Korean Hangul (every syllable)": _letters((0xAC00, 0xD7A3)),
    "Korean jamo": _letters((0x3131, 0x318E)),
}


@pytest.mark.parametrize("script", SCRIPT_LETTERS)
def test_every_letter_of_the_script_has_a_shipped_font(script):
    files = {family: regular for family, regular, _ in FAMILIES}
    cmaps = {family: TTFont(str(FONTS_DIR / name), lazy=True).getBestCmap() for family, name in files.items()}
    missing = [ch for ch in SCRIPT_LETTERS[script] if family_for(ch) is None]
    assert not missing, f"{len(missing)} letters without a font: {''.join(missing[:40])}"
    wrong = [ch for ch in SCRIPT_LETTERS[script] if ord(ch) not in cmaps[family_for(ch)]]
    assert not wrong  # the font file itself has the glyph, as fontTools reads it


def test_a_korean_word_is_set_in_one_font():
    """Droid Sans Fallback has three Hangul syllables: a word must not mix them with Nanum's."""
    assert font_runs("대한정밀 주식회사 가") == [("TandemKorean", "대한정밀 주식회사 가")]


def test_a_character_no_font_has_prints_as_the_fallback_mark():
    assert font_runs("Rocket 🚀") == [("TandemSans", "Rocket " + FALLBACK)]
    assert family_for(FALLBACK) == "TandemSans"


def test_the_fonts_stay_within_their_share_of_the_installer():
    size = sum(p.stat().st_size for p in FONTS_DIR.iterdir())
    assert size <= FONT_BUDGET, f"resources/fonts is {size / 2**20:.1f} MiB"
    for family, regular, bold in FAMILIES:  # and each has its licence beside it
        assert (FONTS_DIR / regular).exists() and (not bold or (FONTS_DIR / bold).exists())
    for licence in ("Noto", "DroidSansFallback", "Apache-2.0", "Nanum", "DejaVu"):
        assert (FONTS_DIR / f"LICENSE-{licence}.txt").exists()


@pytest.mark.parametrize("logical, drawn", [
    ("abc שלום עולם def", "abc םלוע םולש def"),
    ("Nordwerk (שלום עולם) GmbH", "Nordwerk (םלוע םולש) GmbH"),
    ("Signed by חברת אור (2 of 3) on 2026-12-02.", "Signed by רוא תרבח (2 of 3) on 2026-12-02."),
    ("חברת אור 5 צפון", "ןופצ 5 רוא תרבח"),
    ("שלום (abc) עולם", "םלוע (abc) םולש"),
    ("שלום [abc (def)] x", "x [abc (def)] םולש"),
    ("המשלוח 2026-12-04 יצא", "אצי 2026-12-04 חולשמה"),  # a date stays one left-to-right unit
    ("חברת אור · Q4 review", "Q4 review · רוא תרבח"),
])
def test_lines_are_put_in_drawing_order(logical, drawn):
    assert visual(logical) == drawn


def test_arabic_letters_are_joined_and_dates_kept_whole():
    shown = visual("شركة الخليج (KSA) 2026-12-02")
    assert shown.startswith("2026-12-02 (KSA) ")
    assert all(unicodedata.name(ch).startswith("ARABIC LETTER") and "FORM" in unicodedata.name(ch)
               for ch in shown[17:] if ch != " ")  # contextual forms: initial, medial, final
    assert unicodedata.normalize("NFKC", shown[17:][::-1]) == "شركة الخليج"


RTL_TEXT = {
    "arabic": "تأخر التسليم يومين بسبب نقص المواد الخام في المصنع الرئيسي وسيتم الشحن يوم 2026-12-04 إن شاء الله "
              "للأسف مع فريق الجودة والمشتريات لمراجعة الخطة الشهرية",
    "hebrew": "המשלוח התעכב ביומיים בגלל מחסור בחומרי גלם במפעל הראשי והוא יישלח ביום 2026-12-04 יחד עם צוות האיכות "
              "והרכש לבדיקת התוכנית החודשית",
}


@pytest.mark.parametrize("script", RTL_TEXT)
def test_a_wrapped_right_to_left_paragraph_reads_in_order_line_by_line_and_aligns_right(tmp_path, script):
    text = RTL_TEXT[script]
    words = text.split()
    cell = Table([[para(text, "cell")]], colWidths=[150])  # 8.5 pt, aligned right within its cell
    owner = Paragraph(f"Owner: <b>{esc(text)}</b>", STYLES["small"])  # 8 pt, left to right
    out = build_pdf(tmp_path / "rtl.pdf", "Right to left", [para(text), cell, owner], subtitle=text)
    (page,) = read_pdf(out)
    assert not outside([page]) and not missing_glyphs([page])
    lines = [line for line in page.lines() if 14 * MM < line.baseline < page.height - 14 * MM]
    by_size = {size: [line for line in lines if line.glyphs[0].size == size] for size in (9.5, 8.5, 8)}

    for size, count, right in ((9.5, 2, page.width - MARGIN - 6), (8.5, 3, None)):  # 6: the frame's padding
        group = by_size[size]
        assert len(group) >= count
        read = [reading_order(line.text, "R").split() for line in group]
        assert [w for line in read for w in line] == words  # first words on the first line, in order in each
        assert len({round(line.x1) for line in group}) == 1  # every line ends at the right edge...
        assert right is None or abs(group[0].x1 - right) < 1
        assert group[-1].x0 > group[0].x0 + 5  # ...and the short last line starts further right
        assert any("2026-12-04" in line.text for line in group)  # the date drawn whole, left to right

    # In left-to-right text the right-to-left words keep their reading order too, wrapped over lines.
    group = by_size[8]
    assert len(group) >= 2
    assert " ".join(reading_order(line.text, "L") for line in group).split() == ["Owner:", *words]
    assert abs(group[0].x0 - (MARGIN + 6)) < 1  # aligned left: its first strong letter is Latin

    header = next(line for line in page.lines() if line.baseline < 12 * MM and line.x1 > page.width / 2)
    shown = reading_order(header.text, "R")
    assert shown.endswith("...") and text.startswith(shown[:-3].rstrip())  # shortened at its logical end
