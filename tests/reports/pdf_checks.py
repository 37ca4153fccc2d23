"""Read a PDF back glyph by glyph and check what every report promises: every glyph inside the
printable area, none drawn over another, every one present in the font that draws it, the text readable again.

`read_pdf(path)` returns plain `Page`s (read once, then checked as often as needed); the checks return lists of
problems described in words (empty: all well), so a failing test names the glyph, page and position. The PDF is
read with PDFium (pypdfium2, which pdfplumber is built on): the same glyph boxes as pdfplumber, six times faster,
which keeps reading some two hundred pages for every script a matter of seconds.

Right-to-left text comes back in drawing order with Arabic letters in their joined presentation forms;
`reading_order(text)` undoes both for a line (NFKC folds the presentation forms back into letters).
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import defaultdict
from dataclasses import astuple, dataclass
from functools import cache, lru_cache
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
from fontTools.ttLib import TTFont

FONTS_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"
MM = 72 / 25.4
PRINTABLE_MARGIN = 5 * MM  # what office printers leave unprinted at most, on every side
FALLBACK = "\ufffd"


@dataclass(frozen=True)
class Glyph:
    text: str
    font: str  # the PostScript name of the embedded font, without the subset prefix
    size: float
    x0: float  # the glyph's box: its advance, and its font's ascent to descent
    x1: float
    top: float  # from the top of the page
    bottom: float
    baseline: float  # from the top of the page
    ink: tuple[float, float, float, float]  # (x0, top, x1, bottom) of what the glyph draws; empty for a space
    order: int = 0  # its place in the page's text, as drawn

    def where(self) -> str:
        return f"{self.text!r} ({self.font}) at x {self.x0:.1f}–{self.x1:.1f}, y {self.top:.1f}–{self.bottom:.1f}"


@dataclass(frozen=True)
class Line:
    """Glyphs on one baseline with no gap wider than a few points between them: one line of one cell."""

    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs if g.text.strip()) if self.text.strip() else self.glyphs[-1].x1

    @property
    def baseline(self) -> float:
        return self.glyphs[0].baseline


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    glyphs: tuple[Glyph, ...]

    def lines(self, gap: float = 4.0) -> list[Line]:
        """The page's lines, top to bottom and left to right; a baseline's glyphs split where more than ``gap``
        points of empty paper lie between two of them (table columns, the header's title and subtitle)."""
        rows: dict[float, list[Glyph]] = defaultdict(list)
        for g in self.glyphs:
            rows[round(g.baseline * 2) / 2].append(g)
        out: list[Line] = []
        for _, row in sorted(rows.items()):
            row.sort(key=lambda g: g.x0)
            current = [row[0]]
            for g in row[1:]:
                if g.x0 - current[-1].x1 > gap:
                    out.append(Line(tuple(current)))
                    current = []
                current.append(g)
            out.append(Line(tuple(current)))
        return out


@cache
def _ligatures(font: str) -> tuple[frozenset[str], dict[str, str]]:
    """Of a shipped font's characters that stand for several (NFKC): every beginning of what they stand for,
    and {what it stands for: the character}."""
    ligatures = {}
    for code in shipped_cmaps().get(font, ()):
        spelled = unicodedata.normalize("NFKC", chr(code))
        if len(spelled) > 1:
            ligatures.setdefault(spelled, chr(code))
    return frozenset(s[:k] for s in ligatures for k in range(1, len(s) + 1)), ligatures


def read_pdf(path: str | Path) -> list[Page]:
    pages = []
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for number, page in enumerate(pdf, 1):
            width, height = page.get_size()
            text_page = page.get_textpage()
            glyphs = []
            spelled = ""  # what PDFium has spelled of the last glyph so far
            name = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            loose = pdfium.FS_RECTF()
            l, r, b, t, ox, oy = (ctypes.c_double() for _ in range(6))
            for i in range(text_page.count_chars()):
                if pdfium.FPDFText_IsGenerated(text_page, i):  # a space or line end PDFium made up
                    continue
                code = pdfium.FPDFText_GetUnicode(text_page, i)
                if 0xDC00 <= code <= 0xDFFF and glyphs and "\ud800" <= glyphs[-1].text <= "\udbff":
                    high = glyphs.pop()  # PDFium counts UTF-16 units: join a surrogate pair into its character
                    text = (high.text + chr(code)).encode("utf-16-be", "surrogatepass").decode("utf-16-be")
                    glyphs.append(Glyph(text, *astuple(high)[1:]))
                    continue
                pdfium.FPDFText_GetFontInfo(text_page, i, name, len(name), flags)
                pdfium.FPDFText_GetLooseCharBox(text_page, i, loose)
                pdfium.FPDFText_GetCharBox(text_page, i, l, r, b, t)
                pdfium.FPDFText_GetCharOrigin(text_page, i, ox, oy)
                font = name.value.decode("latin-1").split("+")[-1]
                last = glyphs[-1] if glyphs else None
                if last and (last.x0, last.x1, last.baseline) == (loose.left, loose.right, height - oy.value):
                    # PDFium spells a ligature glyph (…, ﻻ, ﷲ) as the characters it stands for, in one box: keep
                    # the glyph as the ligature character the font has.
                    prefixes, ligatures = _ligatures(font)
                    if spelled + chr(code) in prefixes:
                        spelled += chr(code)
                        glyphs[-1] = Glyph(ligatures.get(spelled, spelled), *astuple(last)[1:])
                        continue
                spelled = chr(code)
                glyphs.append(Glyph(chr(code), font,
                                    pdfium.FPDFText_GetFontSize(text_page, i), loose.left, loose.right,
                                    height - loose.top, height - loose.bottom, height - oy.value,
                                    (l.value, height - t.value, r.value, height - b.value), len(glyphs)))
            text_page.close()
            pages.append(Page(number, width, height, tuple(glyphs)))
            page.close()
    finally:
        pdf.close()
    return pages


# -- where glyphs are ---------------------------------------------------------------------------------------

def outside(pages: list[Page], box=None, tolerance: float = 0.5) -> list[str]:
    """Glyphs (spaces included: a space past the edge pushed its line there) outside ``box(page)`` = (left,
    top, right, bottom) in points from the top left; by default the printable area, the page less
    `PRINTABLE_MARGIN` on each side."""
    problems = []
    for page in pages:
        left, top, right, bottom = box(page) if box else (PRINTABLE_MARGIN, PRINTABLE_MARGIN,
                                                         page.width - PRINTABLE_MARGIN,
                                                         page.height - PRINTABLE_MARGIN)
        for g in page.glyphs:
            if (g.x0 < left - tolerance or g.x1 > right + tolerance or g.top < top - tolerance
                    or g.bottom > bottom + tolerance):
                problems.append(f"page {page.number}: {g.where()} outside {left:.1f}–{right:.1f} × "
                                f"{top:.1f}–{bottom:.1f}")
    return problems


def overlapping(pages: list[Page], share: float = 0.3) -> list[str]:
    """Pairs of glyphs whose inked boxes share more than ``share`` of the smaller one's area: text drawn over
    text (a cell running into the next, a label over a label). Neighbours in the text on one baseline are let
    be: joined Arabic letters reach into each other by design."""
    problems = []
    cell = 24.0
    for page in pages:
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        inked = [g for g in page.glyphs if g.text.strip() and g.ink[2] - g.ink[0] > 0.2 and g.ink[3] - g.ink[1] > 0.2]
        for i, g in enumerate(inked):
            x0, top, x1, bottom = g.ink
            for gx in range(int(x0 // cell), int(x1 // cell) + 1):
                for gy in range(int(top // cell), int(bottom // cell) + 1):
                    grid[gx, gy].append(i)
        seen = set()
        for members in grid.values():
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1:]:
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    g, h = inked[a], inked[b]
                    if abs(g.order - h.order) <= 2 and abs(g.baseline - h.baseline) < 0.5:
                        continue
                    (gx0, gt, gx1, gb), (hx0, ht, hx1, hb) = g.ink, h.ink
                    w = min(gx1, hx1) - max(gx0, hx0)
                    t = min(gb, hb) - max(gt, ht)
                    if w > 0 and t > 0 and w * t > share * min((gx1 - gx0) * (gb - gt), (hx1 - hx0) * (hb - ht)):
                        problems.append(f"page {page.number}: {g.where()} overlaps {h.where()}")
    return problems


# -- which glyphs ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def shipped_cmaps() -> dict[str, frozenset[int]]:
    """PostScript name -> the code points its font file in resources/fonts has glyphs for."""
    out = {}
    for path in FONTS_DIR.glob("*.ttf"):
        font = TTFont(str(path), lazy=True)
        out[font["name"].getDebugName(6)] = frozenset(font.getBestCmap())
        font.close()
    return out


def missing_glyphs(pages: list[Page]) -> list[str]:
    """Glyphs in a font that is not one of Tandem's, or whose font has no glyph for their character (what a
    viewer draws as an empty box, .notdef)."""
    cmaps = shipped_cmaps()
    problems = []
    for page in pages:
        for g in page.glyphs:
            cmap = cmaps.get(g.font)
            if cmap is None:
                problems.append(f"page {page.number}: {g.where()} in a font Tandem does not ship")
            elif any(ord(ch) not in cmap for ch in g.text if ch != " "):
                problems.append(f"page {page.number}: {g.where()} has no glyph in its font (.notdef)")
    return problems


def fallbacks(pages: list[Page]) -> int:
    return sum(g.text == FALLBACK for page in pages for g in page.glyphs)


# -- reading the text back -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[-./:,]\d+)*")
_MIRROR = dict(zip("()[]{}<>", ")(][}{><"))


def _atoms(line: str) -> list[tuple[str, str]]:
    """``line`` as (kind, text): R right-to-left letters, L left-to-right letters, D numbers, B a bracket, N the
    rest."""
    atoms: list[tuple[str, str]] = []
    pos = 0
    for m in [*_NUMBER.finditer(line), None]:
        for ch in line[pos:m.start() if m else len(line)]:
            cls = unicodedata.bidirectional(ch)
            kind = "R" if cls in ("R", "AL") else "L" if cls == "L" else "B" if ch in _MIRROR else "N"
            if atoms and atoms[-1][0] == kind and kind != "B":
                atoms[-1] = (kind, atoms[-1][1] + ch)
            else:
                atoms.append((kind, ch))
        if m:
            atoms.append(("D", m.group()))
            pos = m.end()
    return atoms


def _runs(atoms: list[tuple[str, str]], ends: str, inner: str) -> list[list[tuple[str, str]]]:
    """Atoms grouped into runs that start and end with a kind in ``ends`` and hold only kinds in ``inner`` and the
    brackets they pair; every other atom a run of its own."""
    pieces: list[list[tuple[str, str]]] = []
    i = 0
    while i < len(atoms):
        if atoms[i][0] in ends:
            j = last = i
            open_at: list[int] = []  # brackets opened in the run and not closed yet
            while j + 1 < len(atoms) and (atoms[j + 1][0] in inner or atoms[j + 1][0] == "B"):
                j += 1
                kind, text = atoms[j]
                if kind == "B":
                    if text in "([{<":
                        open_at.append(j)
                    elif open_at:
                        open_at.pop()
                    else:
                        break  # closes a bracket opened before the run: not the run's
                if kind in ends and not open_at:
                    last = j
            pieces.append(atoms[i:last + 1])
            i = last + 1
        else:
            pieces.append([atoms[i]])
            i += 1
    return pieces


def _turned(kind: str, text: str) -> str:
    return text if kind == "D" else "".join(_MIRROR.get(c, c) for c in reversed(text))


def reading_order(line: str, base: str | None = None) -> str:
    """A line read back in drawing order, in reading order again: right-to-left runs reversed (numbers in them
    kept), and in a right-to-left line the order of everything but left-to-right runs; Arabic presentation forms
    folded into letters (NFKC).

    An inverse for the lines reports print, not a bidi algorithm. ``base``, the line's direction, defaults to
    that of its leftmost letter: give it where the order of the runs matters (a right-to-left line holding Latin
    words)."""
    atoms = _atoms(line)
    if base is None:
        base = next((kind for kind, _ in atoms if kind in "RL"), "L")
    if base == "R":  # everything reversed but the left-to-right runs (Latin words with numbers and spaces)
        pieces = _runs(atoms, "LD", "LDN")
        out = ["".join(t for _, t in piece) if piece[0][0] in "LD" else _turned(*piece[0])
               for piece in reversed(pieces)]
    else:  # each right-to-left run reversed, numbers in it kept as they are
        pieces = _runs(atoms, "R", "RND")
        out = ["".join(_turned(k, t) for k, t in reversed(piece)) if piece[0][0] == "R" else piece[0][1]
               for piece in pieces]
    return unicodedata.normalize("NFKC", "".join(out))


def texts(pages: list[Page]) -> list[str]:
    """Every line of every page in reading order (`reading_order`)."""
    return [reading_order(line.text) for page in pages for line in page.lines()]


def flowing_text(pages: list[Page]) -> str:
    """All lines in reading order joined with single spaces: a name wrapped over lines reads whole again."""
    return " ".join(" ".join(t.split()) for t in texts(pages))
