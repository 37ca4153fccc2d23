"""Every script in every PDF: the fonts Tandem ships, which one draws each character, and right-to-left text.

The fonts live in resources/fonts/ (open licences, see the README there) and are embedded (subset) in every PDF:

======================  ==================================================================
family                  draws
======================  ==================================================================
``TandemSans``          Latin (Central European, Turkish, Vietnamese…), Greek, Cyrillic: Noto Sans
``TandemArabic``        Arabic, Persian, Urdu: Noto Sans Arabic
``TandemHebrew``        Hebrew: Noto Sans Hebrew
``TandemCJK``           Chinese, Japanese, Korean: Droid Sans Fallback (one TrueType font for all three)
``TandemSymbols``       symbols, arrows, many emoji in outline: Noto Sans Symbols 2
``TandemEmoji``         the remaining emoji and symbols DejaVu Sans has (a subset of it)
======================  ==================================================================

A character none of them has prints as ``FALLBACK`` (�, from Noto Sans) instead of an empty box.

How text gets there:

- `Paragraph` (use it instead of reportlab's) splits each run of text by the font that has its glyphs, keeping
  bold: a Latin name with Chinese in it prints in two fonts. `layout.para`, `layout.table` and every style do
  this, so reports never name a font.
- `visual(text)` puts right-to-left text (Arabic, Hebrew) in the order it is drawn (Unicode bidi, python-bidi)
  and joins Arabic letters into their contextual forms (arabic-reshaper). `layout.esc` calls it on every piece
  of user text, so Paragraph markup gets it too.
- `draw_string` (canvas: running headers) and `graphic_strings` (charts) do both for a single line, and
  shorten the text with an ellipsis to a maximum width.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import arabic_reshaper
from bidi import get_display
from reportlab.graphics.shapes import String
from reportlab.lib.fonts import addMapping, ps2tt, tt2ps
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph as _ReportlabParagraph

from app.paths import resource_path

BASE, BASE_BOLD = "TandemSans", "TandemSans-Bold"
FALLBACK = "\ufffd"
ELLIPSIS = "…"

#: (family, regular file, bold file or None), in the order they are asked for a glyph.
FAMILIES: tuple[tuple[str, str, str | None], ...] = (
    (BASE, "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("TandemArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("TandemHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    ("TandemCJK", "DroidSansFallbackFull.ttf", None),
    ("TandemSymbols", "NotoSansSymbols2-Regular.ttf", None),
    ("TandemEmoji", "DejaVuSans-Symbols.ttf", None),
)
_RTL_CLASSES = {"R", "AL"}
_registered = False


def register_fonts() -> None:
    """Register every family with reportlab (once), and make TandemSans the canvas and chart default.

    Families without a bold file use the regular face for bold; none has an italic, so italic prints upright.
    """
    global _registered
    if _registered:
        return
    for family, regular, bold in FAMILIES:
        pdfmetrics.registerFont(TTFont(family, str(resource_path("fonts", regular))))
        bold_name = family
        if bold:
            bold_name = f"{family}-Bold"
            pdfmetrics.registerFont(TTFont(bold_name, str(resource_path("fonts", bold))))
        pdfmetrics.registerFontFamily(family, normal=family, bold=bold_name, italic=family, boldItalic=bold_name,
                                      baseFontFor="canvas graphics" if family == BASE else "")
        # registerFontFamily maps each face back to the last style it was named for (italic); map the
        # faces back to plain and bold so `<font name=...>` inside `<b>` keeps the weight it should.
        addMapping(family, 0, 0, family)
        addMapping(family, 1, 0, bold_name)
    _registered = True


def _glyphs(family: str) -> dict[int, int]:
    return pdfmetrics.getFont(family).face.charToGlyph


@lru_cache(maxsize=8192)
def family_for(ch: str) -> str | None:
    """The first family that has a glyph for ``ch``, or None if none has."""
    code = ord(ch)
    for family, _, _ in FAMILIES:
        if code in _glyphs(family):
            return family
    return None


def _neutral(ch: str) -> bool:
    """Spaces, punctuation and marks stay in the font of the text around them when it has them."""
    cat = unicodedata.category(ch)
    return cat[0] in "ZPM" or cat in ("Cc", "Cf")


def clean(text: object) -> str:
    """``text`` as a str without the control characters a PDF cannot show (tabs and newlines become spaces)."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(" " if ch in "\t\n\r\x0b\x0c" else ch for ch in s
                   if ch in "\t\n\r\x0b\x0c" or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn"))


def font_runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """``text`` as (font name, text) runs, each run in the first font that has its characters; a character
    no font has becomes `FALLBACK`. Neighbouring runs of one font are merged."""
    runs: list[tuple[str, str]] = []
    current: str | None = None
    for ch in text:
        if current is not None and _neutral(ch) and ord(ch) in _glyphs(current):
            family = current
        else:
            family = family_for(ch)
            if family is None:
                if _neutral(ch):
                    continue  # an invisible format character no font has: nothing to draw
                family, ch = BASE, FALLBACK
        if runs and family == current:
            runs[-1] = (runs[-1][0], runs[-1][1] + ch)
        else:
            runs.append((family, ch))
            current = family
    face = (lambda fam: tt2ps(fam, 1, 0)) if bold else (lambda fam: fam)
    return [(face(family), s) for family, s in runs]


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text)


_NUMBER = re.compile(r"\d+(?:[-./:,]\d+)*")
_LRI, _RLI, _PDI = "\u2066", "\u2067", "\u2069"
_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def _isolated(text: str) -> tuple[str, str]:
    """``text`` with bidi isolates that keep what the report composed readable, and its base direction.

    Numbers and dates (2026-12-02, 10:30) stay one left-to-right unit even after Arabic letters, which would
    otherwise turn them into Arabic numbers and reverse their parts. In left-to-right text, each right-to-left
    stretch (up to its last right-to-left letter) is isolated, so a date or our own words after an Arabic or
    Hebrew name keep their place.
    """
    tokens = []  # (text, bidi class)
    pos = 0
    for m in _NUMBER.finditer(text):
        tokens += [(ch, unicodedata.bidirectional(ch)) for ch in text[pos:m.start()]]
        tokens.append((_LRI + m.group() + _PDI, "EN"))
        pos = m.end()
    tokens += [(ch, unicodedata.bidirectional(ch)) for ch in text[pos:]]
    first_strong = next((cls for _, cls in tokens if cls in ("L", "R", "AL")), "L")
    if first_strong != "L":
        return "".join(t for t, _ in tokens), "R"
    out, span = [], []  # span: a right-to-left stretch still open, from its first right-to-left letter
    for t, cls in tokens:
        if cls in _RTL_CLASSES:
            span.append(t)
        elif span and cls == "L":
            out += [_RLI, *_trimmed(span), _PDI, *_trailing(span), t]
            span = []
        elif span:
            span.append(t)
        else:
            out.append(t)
    if span:
        out += [_RLI, *_trimmed(span), _PDI, *_trailing(span)]
    return "".join(out), "L"


def _trimmed(span: list[str]) -> list[str]:
    """The span up to and including its last right-to-left letter."""
    last = max(i for i, t in enumerate(span) if len(t) == 1 and unicodedata.bidirectional(t) in _RTL_CLASSES)
    return span[:last + 1]


def _trailing(span: list[str]) -> list[str]:
    return span[len(_trimmed(span)):]


@lru_cache(maxsize=4096)
def visual(text: str) -> str:
    """``text`` in the order it is drawn left to right: right-to-left runs reversed (Unicode bidi, python-bidi;
    the first strong letter sets the direction), Arabic letters in their joined forms. Text without
    right-to-left letters comes back as it is (less control characters).

    One line at a time: a long right-to-left paragraph that wraps is laid out as one line and then cut, so
    its first words may land on its last line; names, titles and table cells are short enough for this not
    to matter.
    """
    text = clean(text)
    if not has_rtl(text):
        return text
    isolated, base = _isolated(arabic_reshaper.reshape(text))
    return get_display(isolated, base_dir=base).translate(_ISOLATES)


def string_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` (already in visual order) at ``size`` points, font by font."""
    return sum(pdfmetrics.stringWidth(s, font, size) for font, s in font_runs(text, bold))


def fit(text: object, size: float, max_width: float | None, bold: bool = False) -> str:
    """``text`` in visual order, shortened with an ellipsis at its logical end so it fits ``max_width``."""
    logical = clean(text)
    shown = visual(logical)
    if max_width is None or string_width(shown, size, bold) <= max_width:
        return shown
    lo, hi = 0, len(logical)  # the longest prefix that fits with the ellipsis
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if string_width(visual(logical[:mid].rstrip() + ELLIPSIS), size, bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return visual(logical[:lo].rstrip() + ELLIPSIS) if lo else ""


def draw_string(canvas, x: float, y: float, text: object, size: float, *, bold: bool = False,
                anchor: str = "start", max_width: float | None = None) -> float:
    """Draw one line of ``text`` on a reportlab canvas at (x, y), anchored at its start, middle or end,
    shortened to ``max_width``; returns the width drawn. The fill colour is the canvas's."""
    shown = fit(text, size, max_width, bold)
    width = string_width(shown, size, bold)
    x -= {"start": 0, "middle": width / 2, "end": width}[anchor]
    for font, s in font_runs(shown, bold):
        canvas.setFont(font, size)
        canvas.drawString(x, y, s)
        x += pdfmetrics.stringWidth(s, font, size)
    return width


def graphic_strings(x: float, y: float, text: object, size: float, *, bold: bool = False,
                    anchor: str = "start", max_width: float | None = None, **attrs) -> list[String]:
    """One line of ``text`` as reportlab graphics Strings (one per font run) to add to a Drawing; the same
    rules as `draw_string`. ``attrs`` go to every String (fillColor...)."""
    shown = fit(text, size, max_width, bold)
    width = string_width(shown, size, bold)
    x -= {"start": 0, "middle": width / 2, "end": width}[anchor]
    out = []
    for font, s in font_runs(shown, bold):
        out.append(String(x, y, s, fontName=font, fontSize=size, **attrs))
        x += pdfmetrics.stringWidth(s, font, size)
    return out


def _split_frag(frag) -> Iterable:
    """One parsed Paragraph fragment as fragments of one font each (keeping bold/italic and colours)."""
    text = getattr(frag, "text", "")
    if not text or getattr(frag, "cbDefn", None) is not None or getattr(frag, "lineBreak", False):
        return [frag]
    try:
        family, bold, italic = ps2tt(frag.fontName)
    except ValueError:  # a font that is not ours: leave it alone
        return [frag]
    runs = font_runs(text)
    if len(runs) == 1 and runs[0][0].lower() == family and runs[0][1] == text:
        return [frag]
    out = []
    for run_family, s in runs:
        piece = copy.copy(frag)
        piece.text = s
        piece.fontName = tt2ps(run_family, bold, italic)
        out.append(piece)
    return out


class Paragraph(_ReportlabParagraph):
    """reportlab's Paragraph, with each run of text set in a font that has its glyphs (see the module doc)."""

    def _setup(self, text, style, bulletText, frags, cleaner):
        parsed = frags is None
        super()._setup(text, style, bulletText, frags, cleaner)
        if parsed:  # split paragraphs are handed fragments already sorted by font
            self.frags = [piece for frag in self.frags for piece in _split_frag(frag)]


register_fonts()
