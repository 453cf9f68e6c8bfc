"""Metadata of photos: date taken, orientation, GPS position, camera."""

from __future__ import annotations

import re
from typing import Any

from PIL import Image

_MAKE, _MODEL, _ORIENTATION, _DATETIME, _SOFTWARE = 0x010F, 0x0110, 0x0112, 0x0132, 0x0131
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATE_ORIGINAL, _DATE_DIGITIZED, _OFFSET_ORIGINAL = 0x9003, 0x9004, 0x9011
_CAMERA_TAGS = {0x829A: "exposure_time", 0x829D: "f_number", 0x8827: "iso", 0x920A: "focal_length"}
_DATE = re.compile(r"^(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _iso_date(value: Any, offset: Any = None) -> str | None:
    text = _text(value)
    m = _DATE.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1900 < y < 2200 and 1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61):
        return None
    out = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    off = _text(offset)
    if off and re.fullmatch(r"[+-]\d{2}:\d{2}", off):
        out += off
    return out


def _number(value: Any) -> float | None:
    try:
        if isinstance(value, tuple) and len(value) == 2:  # a raw (numerator, denominator)
            return float(value[0]) / float(value[1]) if value[1] else None
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _degrees(value: Any) -> float | None:
    """Degrees, minutes, seconds (three rationals) as decimal degrees."""
    if not isinstance(value, (tuple, list)) or not value:
        return _number(value)
    parts = [_number(v) for v in value[:3]]
    if any(p is None for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    deg, minutes, seconds = (float(p) for p in parts)  # type: ignore[arg-type]
    return deg + minutes / 60 + seconds / 3600


def _gps(ifd: dict[int, Any]) -> dict[str, float] | None:
    lat, lon = _degrees(ifd.get(2)), _degrees(ifd.get(4))
    if lat is None or lon is None:
        return None
    if _text(ifd.get(1)) == "S":
        lat = -lat
    if _text(ifd.get(3)) == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    out = {"lat": round(lat, 7), "lon": round(lon, 7)}
    alt = _number(ifd.get(6))
    if alt is not None:
        out["alt"] = round(-alt if ifd.get(5) in (1, b"\x01") else alt, 1)
    return out


def read_photo_metadata(image: Image.Image) -> dict[str, Any]:
    """EXIF facts of a photo, only those present: date_taken (ISO 8601, local time as
    the camera wrote it, with its offset when recorded), orientation (1-8), gps
    {lat, lon[, alt]} in decimal degrees, make, model, software, and camera settings
    (exposure_time, f_number, iso, focal_length) which show the image came from a camera.
    Damaged EXIF yields fewer keys, never an error."""
    try:
        exif = image.getexif()
    except Exception:  # malformed EXIF blocks raise many kinds of errors in Pillow
        return {}
    meta: dict[str, Any] = {}
    try:
        sub = dict(exif.get_ifd(_EXIF_IFD))
    except Exception:
        sub = {}
    try:
        gps_ifd = dict(exif.get_ifd(_GPS_IFD))
    except Exception:
        gps_ifd = {}
    taken = (
        _iso_date(sub.get(_DATE_ORIGINAL), sub.get(_OFFSET_ORIGINAL))
        or _iso_date(sub.get(_DATE_DIGITIZED))
        or _iso_date(exif.get(_DATETIME))
    )
    if taken:
        meta["date_taken"] = taken
    orientation = exif.get(_ORIENTATION)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        meta["orientation"] = orientation
    gps = _gps(gps_ifd) if gps_ifd else None
    if gps:
        meta["gps"] = gps
    for tag, key in ((_MAKE, "make"), (_MODEL, "model"), (_SOFTWARE, "software")):
        value = _text(exif.get(tag))
        if value:
            meta[key] = value
    for tag, key in _CAMERA_TAGS.items():
        number = _number(sub.get(tag))
        if number is not None:
            meta[key] = round(number, 6)
    return meta
