"""Photo metadata from EXIF: date taken, orientation, GPS, camera."""

from __future__ import annotations

import io

from PIL import Image

from dangan.ingest.exif import read_photo_metadata
from tests.pages import encode


def _photo(exif: Image.Exif) -> Image.Image:
    data = encode(Image.new("RGB", (64, 48), "gray"), "JPEG", exif=exif)
    return Image.open(io.BytesIO(data))


def camera_exif(
    lat: tuple[float, float, float] = (28.0, 12.0, 30.0), lat_ref: str = "N"
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "ELE-AL00"
    exif[0x0112] = 6
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2019:05:01 10:20:30"
    sub[0x9011] = "+08:00"
    sub[0x829A] = 0.01
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = lat_ref, lat
    gps[3], gps[4] = "E", (112.0, 58.0, 45.0)
    return exif


def test_camera_photo_metadata() -> None:
    meta = read_photo_metadata(_photo(camera_exif()))
    assert meta["date_taken"] == "2019-05-01T10:20:30+08:00"
    assert meta["orientation"] == 6
    assert meta["gps"] == {"lat": 28.2083333, "lon": 112.9791667}
    assert meta["make"] == "HUAWEI" and meta["model"] == "ELE-AL00"
    assert meta["exposure_time"] == 0.01


def test_southern_latitude_is_negative() -> None:
    meta = read_photo_metadata(_photo(camera_exif(lat=(33.0, 51.0, 0.0), lat_ref="S")))
    assert meta["gps"]["lat"] == -33.85


def test_no_exif_and_nonsense_values_give_no_keys() -> None:
    assert read_photo_metadata(Image.new("RGB", (4, 4))) == {}
    exif = Image.Exif()
    exif[0x0132] = "0000:00:00 00:00:00"  # cameras without a clock
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (0.0, 0.0, 0.0), "E", (0.0, 0.0, 0.0)  # no fix
    assert read_photo_metadata(_photo(exif)) == {}


def test_date_falls_back_to_the_file_date() -> None:
    exif = Image.Exif()
    exif[0x0132] = "2018:12:31 23:59:59"
    assert read_photo_metadata(_photo(exif)) == {"date_taken": "2018-12-31T23:59:59"}
