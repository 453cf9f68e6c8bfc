"""The resolution a page image records, carried from one prepared image to the next."""

from __future__ import annotations

from PIL import Image


def recorded_dpi(image: Image.Image) -> float | None:
    """The horizontal resolution the file records, or None when it records none (or one
    that is not a number)."""
    dpi = image.info.get("dpi")
    try:
        return float(dpi[0]) if dpi else None
    except (TypeError, ValueError, IndexError):
        return None


def keep_dpi(new: Image.Image, old: Image.Image) -> Image.Image:
    """`new` with the resolution recorded on `old`, from which it was made."""
    if "dpi" in old.info:
        new.info["dpi"] = old.info["dpi"]
    return new
