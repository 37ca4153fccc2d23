"""Sizes as people write them on the command line ("512M", "1G", "1.5GB") and as the hub says them back.

Units are binary (K = 1,024 bytes, M = 1,024 K, G = 1,024 M), as proxies count them (nginx's
``client_max_body_size 1g``); a plain number is bytes. `tandem hub serve --max-push` reads them, the hub
and the laptop say them back (a push over the hub's limit).
"""

from __future__ import annotations

import re

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``"512M"`` -> 536870912; ValueError (saying what is expected) for anything else or for zero."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size: give one such as 512M, 1G or 800000 (bytes)")
    size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if size <= 0:
        raise ValueError(f"{text!r} is not a size the hub can take: give one above zero, such as 512M")
    return size


def size_text(size: int) -> str:
    """536870912 -> "512 MB"; 1610612736 -> "1.5 GB" (the units `parse_size` reads)."""
    for unit, factor in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) or value >= 100 else f"{value:.1f} {unit}"
    return f"{size} bytes"
