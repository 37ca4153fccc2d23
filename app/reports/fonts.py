"""Every script in every PDF: the fonts Tandem ships, which one draws each character, and right-to-left text.

The fonts live in resources/fonts/ (open licences, see the README there) and are embedded (subset) in every PDF:

======================  ==================================================================
family                  draws
======================  ==================================================================
``TandemSans``          Latin (Central European, Turkish, Vietnamese…), Greek, Cyrillic: Noto Sans
``TandemArabic``        Arabic, Persian, Urdu: Noto Sans Arabic
``TandemHebrew``        Hebrew: Noto Sans Hebrew
``TandemCJK``           Chinese, Japanese and Korean Hanja: Droid Sans Fallback (one TrueType font for all three)
``TandemKorean``        Hangul: Nanum Square (Droid Sans Fallback has almost none); asked first for Hangul
``TandemSymbols``       symbols, arrows, many emoji in outline: Noto Sans Symbols 2
``TandemEmoji``         the remaining emoji and symbols DejaVu Sans has (a subset of it)
======================  ==================================================================

A character none of them has prints as ``FALLBACK`` (�, from Noto Sans) instead of an empty box.

How text gets there:

- `Paragraph` (use it instead of reportlab's) splits each run of text by the font that has its glyphs, keeping
  bold: a Latin name with Chinese in it prints in two fonts. It joins Arabic letters into their contextual forms
  (arabic-reshaper) before the text is measured, breaks the lines in logical (reading) order, and puts each line
  in drawing order (Unicode bidi, `bidi_order`) only when it is drawn: a wrapped Arabic or Hebrew paragraph
  keeps its first words on its first line, and is aligned right. `layout.para`, `layout.table` and every style
  use it, so reports never name a font; `layout.esc` only cleans and escapes user text for its markup.
- `visual(text)` does the same for one line: `draw_string` (canvas: running headers) and `graphic_strings`
  (charts) use it, and shorten the text with an ellipsis to a maximum width (`fit`).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import arabic_reshaper
from bidi import algorithm as bidi_algorithm
from reportlab.graphics.shapes import String
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.fonts import addMapping, ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics, ttfonts
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
    ("TandemKorean", "NanumSquareR.ttf", None),
    ("TandemSymbols", "NotoSansSymbols2-Regular.ttf", None),
    ("TandemEmoji", "DejaVuSans-Symbols.ttf", None),
)
_RTL_CLASSES = {"R", "AL"}
_registered = False


def _to_unicode_cmap(fontname: str, subset) -> str:
    """reportlab's ToUnicode CMap of a font subset, with characters beyond U+FFFF (emoji, rare CJK) written as
    UTF-16 surrogate pairs as the PDF format wants: reportlab writes their code point as hex, which readers take
    for another character, so copying or searching 👍 in the PDF found "ὄ"."""
    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange", "<00> <%02X>" % (len(subset) - 1),
        "endcodespacerange", f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(code)}>" for i, code in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


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


#: Code point ranges drawn by one family before the others are asked: Hangul in the Korean font, so that a Korean
#: word never mixes the few syllables Droid Sans Fallback has with Nanum's.
PREFERRED: tuple[tuple[int, int, str], ...] = tuple(
    (lo, hi, "TandemKorean") for lo, hi in ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F),
                                             (0xAC00, 0xD7FF), (0xFFA0, 0xFFDC)))


@lru_cache(maxsize=8192)
def family_for(ch: str) -> str | None:
    """The family that draws ``ch``: its preferred one (`PREFERRED`) if that has it, else the first family that has
    a glyph for it, or None if none has."""
    code = ord(ch)
    for lo, hi, family in PREFERRED:
        if lo <= code <= hi and code in _glyphs(family):
            return family
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
# python-bidi's pure-Python algorithm (bidi.algorithm) tells where each character goes, which a paragraph needs to
# keep every character in its own font and style. It knows embeddings, not isolates (Unicode 6.3), so the isolates
# of user text are read as the embeddings nearest to them, and `_keep_composed` stands in for the isolating a
# report would otherwise need.
_AS_EMBEDDING = {"\u2066": "\u202a", "\u2067": "\u202b", "\u2068": "\u202a", "\u2069": "\u202c"}


def base_direction(text: str) -> str:
    """"R" if the first strong letter of ``text`` is right-to-left (Arabic, Hebrew), else "L"."""
    for ch in text:
        cls = unicodedata.bidirectional(ch)
        if cls in _RTL_CLASSES:
            return "R"
        if cls == "L":
            return "L"
    return "L"


def _keep_composed(chars: list[dict], text: str, base_level: int) -> None:
    """Levels that keep what a report composes readable, set on the resolved ``chars`` before they are reordered.

    - A stretch of the other direction (an Arabic name in English text, Latin letters in Arabic text) ends at its
      last letter: the spaces, punctuation and numbers after it, up to the next letter of the text's own
      direction, belong to the text around it, as if the stretch were isolated. So "Signed by <Hebrew name>
      (2 of 3)" keeps its brackets and numbers where they were written, and "<Arabic name> (KSA) 2026-12-02"
      keeps its brackets around KSA.
    - Numbers and dates (2026-12-02, 10:30) stay one left-to-right unit, even after Arabic letters, which would
      otherwise reverse their parts.
    """
    other = {"R", "AL"} if base_level == 0 else {"L"}
    own = {"L"} if base_level == 0 else {"R", "AL"}
    after_other: list[dict] = []  # characters since the last letter of the other direction
    in_other = False
    for ch in chars:
        cls = ch["orig"]
        if cls in other:
            in_other, after_other = True, []
        elif cls in own:
            for c in after_other:
                c["level"] = base_level
            in_other, after_other = False, []
        elif in_other:
            after_other.append(ch)
    for c in after_other:
        c["level"] = base_level
    at = {ch["index"]: ch for ch in chars}
    for m in _NUMBER.finditer(text):
        unit = [at[i] for i in range(m.start(), m.end()) if i in at]
        levels = {c["level"] for c in unit}
        top = max(levels)
        top += top % 2  # numbers read left to right: an even level
        if levels != {top}:
            for c in unit:
                c["level"] = top


_OPENING = dict(zip("([{（［｛⁅〈", ")]}）］｝⁆〉"))
_CLOSING = set(_OPENING.values())


def _strong(entry: dict) -> str | None:
    cls = entry["type"]
    return "L" if cls == "L" else "R" if cls in ("R", "AL", "EN", "AN") else None


def _pair_brackets(chars: list[dict], base_level: int) -> None:
    """Rule N0 of the bidi algorithm (Unicode 6.3, which bidi.algorithm predates): a pair of brackets takes the
    direction of what it encloses, so "<Arabic name> (KSA)" keeps "(KSA)" whole. Run after the weak types are
    resolved; sets the brackets' types for the neutral rules."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for pos, entry in enumerate(chars):
        if entry["type"] != "ON":
            continue
        if entry["ch"] in _OPENING:
            if len(stack) == 63:
                break
            stack.append((_OPENING[entry["ch"]], pos))
        elif entry["ch"] in _CLOSING:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == entry["ch"]:
                    pairs.append((stack[k][1], pos))
                    del stack[k:]
                    break
    for opening, closing in sorted(pairs):
        own = "R" if chars[opening]["level"] % 2 else "L"
        inside = {_strong(e) for e in chars[opening + 1:closing]} - {None}
        if not inside:
            continue
        if own not in inside:  # only the other direction inside: it wins if it also comes before the brackets
            before = next((d for e in reversed(chars[:opening]) if (d := _strong(e))), "R" if base_level else "L")
            own = before if before != own else own
        chars[opening]["type"] = chars[closing]["type"] = own


def bidi_order(text: str, base: str | None = None) -> list[tuple[int, str]]:
    """One line of ``text`` (logical order) in the order it is drawn left to right, as (index in ``text``,
    character drawn): the Unicode bidi algorithm with ``base`` direction ("L", "R" or None: from the first strong
    letter), bracket pairs (`_pair_brackets`) and the rules of `_keep_composed`, brackets mirrored in right-to-left
    runs. Characters the algorithm drops (embedding controls, joiners) are left out."""
    base = base or base_direction(text)
    storage = bidi_algorithm.get_empty_storage()
    storage["base_level"] = level = 0 if base == "L" else 1
    storage["base_dir"] = base
    bidi_algorithm.get_embedding_levels("".join(_AS_EMBEDDING.get(ch, ch) for ch in text), storage)
    for i, entry in enumerate(storage["chars"]):
        entry["index"] = i
    bidi_algorithm.explicit_embed_and_overrides(storage, False)
    bidi_algorithm.resolve_weak_types(storage, False)
    _pair_brackets(storage["chars"], level)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    _keep_composed(storage["chars"], text, level)
    bidi_algorithm.reorder_resolved_levels(storage, False)
    bidi_algorithm.apply_mirroring(storage, False)
    return [(entry["index"], entry["ch"]) for entry in storage["chars"]]


def shape(text: object) -> str:
    """``text`` (less control characters) with Arabic letters in their joined forms, still in logical order."""
    s = clean(text)
    return arabic_reshaper.reshape(s) if has_rtl(s) else s


@lru_cache(maxsize=4096)
def visual(text: str, base: str | None = None) -> str:
    """One line of ``text`` in the order it is drawn left to right: Arabic letters joined (arabic-reshaper),
    right-to-left runs reversed (`bidi_order`). Text without right-to-left letters comes back as it is (less
    control characters). Paragraphs do this line by line after wrapping (`Paragraph`)."""
    shaped = shape(text)
    if not has_rtl(shaped):
        return shaped
    return "".join(ch for _, ch in bidi_order(shaped, base))


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
    """One parsed Paragraph fragment, Arabic letters joined, as fragments of one font each (keeping bold/italic
    and colours)."""
    text = getattr(frag, "text", "")
    if not text or getattr(frag, "cbDefn", None) is not None or getattr(frag, "lineBreak", False):
        return [frag]
    try:
        family, bold, italic = ps2tt(frag.fontName)
    except ValueError:  # a font that is not ours: leave it alone
        return [frag]
    text = shape(text)
    runs = font_runs(text)
    if len(runs) == 1 and runs[0][0].lower() == family and runs[0][1] == text:
        frag.text = text
        return [frag]
    out = []
    for run_family, s in runs:
        piece = copy.copy(frag)
        piece.text = s
        piece.fontName = tt2ps(run_family, bold, italic)
        out.append(piece)
    return out


def _visual_words(words: list, base: str) -> list:
    """One wrapped line of a many-fragment paragraph (fragments in logical order) as fragments in drawing order:
    each character keeps its fragment's font and style."""
    chars: list[str] = []
    owners: list[int] = []
    tail = []  # a line break ends the line whatever the direction
    for n, w in enumerate(words):
        if getattr(w, "cbDefn", None) is not None:
            chars.append("\ufffc")  # an inline object moves like a neutral character
            owners.append(n)
        elif getattr(w, "text", ""):
            chars += w.text
            owners += [n] * len(w.text)
        else:
            tail.append(w)
    text = "".join(chars)
    if not has_rtl(text):
        return words
    groups: list[tuple[int, list[str]]] = []
    for i, ch in bidi_order(text, base):
        if groups and groups[-1][0] == owners[i]:
            groups[-1][1].append(ch)
        else:
            groups.append((owners[i], [ch]))
    out = []
    for n, cs in groups:
        w = words[n]
        out.append(w if getattr(w, "cbDefn", None) is not None else w.clone(text="".join(cs)))
    return out + tail


def _visual_lines(bl_para, base: str):
    """The lines reportlab broke a paragraph into (logical order) in drawing order, line by line."""
    lines = []
    for line in bl_para.lines:
        if isinstance(line, tuple):  # one-fragment paragraph: (unused width, words)
            extra, words = line
            text = " ".join(words)
            if has_rtl(text):
                words = "".join(ch for _, ch in bidi_order(text, base)).split(" ")
            lines.append((extra, words))
        else:
            lines.append(line.clone(words=_visual_words(line.words, base)))
    return bl_para.clone(lines=lines)


class Paragraph(_ReportlabParagraph):
    """reportlab's Paragraph, with each run of text set in a font that has its glyphs, Arabic letters joined, and
    right-to-left text (Arabic, Hebrew) wrapped in reading order: the lines are broken in logical order and each
    line is then put in drawing order (`bidi_order`), so a wrapped Arabic name's first words are on its first
    line. A paragraph whose first strong letter is right-to-left is aligned right where its style says left."""

    _base: str | None = None  # "L" or "R" when the paragraph holds right-to-left text

    def _setup(self, text, style, bulletText, frags, cleaner):
        parsed = frags is None
        super()._setup(text, style, bulletText, frags, cleaner)
        if parsed:  # split paragraphs are handed fragments already shaped and sorted by font
            self.frags = [piece for frag in self.frags for piece in _split_frag(frag)]
            plain = "".join(getattr(f, "text", "") for f in self.frags)
            if has_rtl(plain):
                self._base = base_direction(plain)

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for part in parts:
            if part is not self:
                part._base = self._base  # the direction of the whole paragraph, not of what is left of it
        return parts

    def drawPara(self, debug=0):
        if self._base is None or not hasattr(self, "blPara"):
            return super().drawPara(debug)
        bl_para, style = self.blPara, self.style
        self.blPara = _visual_lines(bl_para, self._base)
        if self._base == "R" and style.alignment == TA_LEFT:
            self.style = _right_aligned(style)
        try:
            return super().drawPara(debug)
        finally:
            self.blPara, self.style = bl_para, style


@lru_cache(maxsize=64)
def _right_aligned(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)


register_fonts()
