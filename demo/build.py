"""Build a demo township's cabinet on disk, with its ground truth.

``build_township`` writes, under ``out_dir``::

    roster.xlsx                          the 花名册 (the information system's view)
    ground_truth.json                    what every file is, and the planted faults
    001_东庄村/001_王建国/...             one folder per household file (一户一档)
    001_东庄村/村级/...                   the village's minutes, logs, 评议, 公示, 台账

Each document arrives in one of the forms real ones do: a flatbed ``scan`` (JPEG, PNG
or TIFF, 200-300 dpi), a ``phone`` photo, a scanner's image-only PDF (``pdf_image``,
sometimes a feeder scan holding two or three forms of one household), an exported text
PDF (``pdf_text``), a Word file with tables (``docx``) or a ``photo`` of the work with
EXIF date and GPS. Some are in Traditional characters. The same seed gives the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.demo.faults import Fault, plant_faults
from dangan.demo.forms import (
    Document,
    document_text,
    h16_photo,
    household_documents,
    traditional,
    village_documents,
)
from dangan.demo.layout import Page, layout
from dangan.demo.people import Township, make_township
from dangan.demo.variants import incoming_documents, pick_style, restyle

FORMS = ("scan", "phone", "pdf_image", "pdf_text", "docx", "photo")

# how each document type usually reaches the archive: weights for
# (scan, phone, pdf_image, pdf_text, docx)
FORM_WEIGHTS: dict[str, tuple[int, int, int, int, int]] = {
    "H01": (60, 20, 20, 0, 0),
    "H02": (50, 10, 30, 0, 10),
    "H03": (60, 10, 30, 0, 0),
    "H04": (60, 10, 30, 0, 0),
    "H05": (20, 0, 10, 40, 30),
    "H06": (45, 40, 15, 0, 0),
    "H07": (45, 0, 55, 0, 0),
    "H08": (40, 0, 0, 20, 40),
    "H09": (40, 0, 0, 30, 30),
    "H11": (50, 0, 0, 20, 30),
    "H12": (40, 60, 0, 0, 0),
    "H13": (60, 0, 30, 10, 0),
    "H15": (80, 20, 0, 0, 0),
    "V02": (50, 0, 20, 0, 30),
    "V03": (60, 0, 20, 0, 20),
    "V04": (50, 0, 0, 20, 30),
    "V05": (25, 40, 0, 25, 10),
    "V07": (20, 0, 0, 30, 50),
    "V12": (45, 15, 20, 20, 0),
}
TRADITIONAL_SHARE = 0.08
FEEDER_SHARE = 0.35
FEEDER_GROUPS = (("H01", "H02", "H03"), ("H04", "H05", "H06"), ("H02", "H03"), ("H04", "H06"))

_SHORT = {
    "H01": "申请书",
    "H02": "入户调查表",
    "H03": "评议表",
    "H04": "审批表",
    "H05": "信息采集表",
    "H06": "告知书",
    "H07": "扶贫手册",
    "H08": "结对帮扶登记表",
    "H09": "脱贫计划落实情况",
    "H11": "收入调查表",
    "H12": "联系卡",
    "H13": "脱贫验收表",
    "H15": "身份证",
    "H16": "走访照片",
}


@dataclass
class Part:
    doc: Document
    pages: list[Page]  # empty for docx and photos
    first_page: int = 1

    @property
    def page_count(self) -> int:
        return max(1, len(self.pages))


@dataclass
class FileSpec:
    path: str  # relative, with / separators
    form: str  # scan | phone | pdf_image | pdf_text | docx | photo
    fmt: str  # jpg | png | tif | pdf | docx
    parts: list[Part]
    dpi: int | None = None
    quality: int = 80
    mode: str = "RGB"  # scans: RGB colour, L grey, 1 black-and-white
    taken: dt.datetime | None = None  # EXIF date of phone photos and photos of work
    gps: tuple[float, float] | None = None
    stamp: str | None = None  # the camera's date stamp on a photo of work
    author: str = ""
    digitized: dt.datetime | None = None  # when the file was made (PDF/DOCX metadata)

    @property
    def traditional(self) -> bool:
        return any(p.doc.traditional for p in self.parts)


@dataclass
class GroundTruth:
    seed: int
    layouts: str
    township: dict[str, Any]
    villages: list[dict[str, Any]]
    households: list[dict[str, Any]]
    files: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "layouts": self.layouts,
            "township": self.township,
            "villages": self.villages,
            "households": self.households,
            "files": self.files,
            "faults": self.faults,
            "stats": self.stats,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=1, sort_keys=False)


# -- planning ----------------------------------------------------------------------


def _when(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime(
        day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)
    )


class _Namer:
    """File names as they are found in real folders: some named by the clerk, most by
    the scanner or the phone."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.scan_no = rng.randint(1, 400)
        self.taken: set[str] = set()

    def name(self, folder: str, spec: FileSpec) -> str:
        rng = self.rng
        doc = spec.parts[0].doc
        ext = {"jpg": ".jpg", "png": ".png", "tif": ".tif", "pdf": ".pdf", "docx": ".docx"}[
            spec.fmt
        ]
        when = spec.taken or spec.digitized or _when(rng, doc.date)
        descriptive = rng.random() < 0.45
        if len(spec.parts) > 1:
            descriptive = rng.random() < 0.2
        if descriptive:
            head = folder.rsplit("/", 1)[-1].split("_", 1)[-1]  # as the clerk writes it
            if doc.household_no is not None:
                base = f"{head}{_SHORT.get(doc.doc_type, doc.form_title)}"
            else:
                base = doc.title
            if len(spec.parts) > 1:
                base = head + "、".join(_SHORT[p.doc.doc_type] for p in spec.parts)
        elif spec.form in ("phone", "photo"):
            base = rng.choice(
                (
                    f"IMG_{when:%Y%m%d_%H%M%S}",
                    f"mmexport{int(when.timestamp())}",
                    f"IMG{when:%Y%m%d%H%M%S}",
                )
            )
        elif spec.form == "docx":
            base = rng.choice((doc.form_title, "新建 Microsoft Word 文档", doc.title))
        elif spec.form == "pdf_text":
            base = rng.choice((doc.title, doc.form_title))
        else:
            self.scan_no += 1
            base = rng.choice(
                (
                    f"扫描件{self.scan_no:04d}",
                    f"Scan{self.scan_no:04d}",
                    f"{when:%Y%m%d%H%M%S}",
                    f"DOC{self.scan_no:05d}",
                )
            )
        name = base + ext
        k = 2
        while f"{folder}/{name}" in self.taken:
            name = f"{base}({k}){ext}"
            k += 1
        self.taken.add(f"{folder}/{name}")
        return f"{folder}/{name}"


def _choose_form(doc: Document, rng: random.Random, pages: int) -> str:
    weights = list(FORM_WEIGHTS[doc.doc_type])
    if pages > 1 or doc.page == "A4L":
        weights[1] = 0  # a phone photo holds one page
    return rng.choices(FORMS[:5], weights=weights)[0]


def _scan_settings(spec: FileSpec, rng: random.Random) -> None:
    spec.dpi = rng.choices((200, 250, 300), weights=(55, 10, 35))[0]
    spec.quality = rng.randint(60, 85)
    spec.mode = rng.choices(("RGB", "L", "1"), weights=(50, 35, 15))[0]
    if spec.mode == "1" and spec.form == "pdf_image":
        spec.mode = "L"  # Pillow writes PDF pages as JPEG: black-and-white ones stay grey


def shape_for_files(files: int) -> tuple[int, int]:
    """(villages, households per village) for a rendered corpus of about ``files`` files
    (a household file holds about 14, a village's own records about 50)."""
    per_village = 10 if files < 3000 else 30
    villages = max(1, round(files / (per_village * 14 + 50)))
    while villages > 999:
        per_village *= 2
        villages = max(1, round(files / (per_village * 14 + 50)))
    return villages, per_village


def plan_corpus(t: Township, seed: int, layouts: str = "classic") -> list[FileSpec]:
    """Decide every file: which documents it holds, its form, format and settings;
    `layouts` names the family of layouts and wordings (`demo.variants`)."""
    rng = random.Random(f"plan:{seed}")
    namer = _Namer(random.Random(f"names:{seed}"))
    specs: list[FileSpec] = []
    for v in t.villages:
        vdir = f"{v.code}_{v.name}"
        for hh in v.households:
            folder = f"{vdir}/{hh.household_no}_{hh.head.name}"
            docs = [
                restyle(d, pick_style(layouts, seed, d), t, v)
                for d in household_documents(t, v, hh, seed)
            ]
            if hh.visits and rng.random() < 0.4:
                extra = h16_photo(
                    t,
                    v,
                    hh,
                    random.Random(f"photo2:{seed}:{hh.key}"),
                    date=rng.choice(hh.visits).date,
                )
                docs.append(extra)
            feeder: tuple[str, ...] = ()
            if rng.random() < FEEDER_SHARE or (
                not any(len(s.parts) > 1 for s in specs) and hh is v.households[-1]
            ):
                present = {d.doc_type for d in docs}
                groups = [g for g in FEEDER_GROUPS if set(g) <= present]
                if groups:
                    feeder = rng.choice(groups)
            feeder_parts: list[Part] = []
            for doc in docs:
                specs_rng = random.Random(f"form:{seed}:{hh.key}:{doc.doc_type}:{doc.date}")
                if doc.doc_type not in ("H15", "H16") and specs_rng.random() < TRADITIONAL_SHARE:
                    doc = traditional(doc)
                if doc.doc_type == "H16":
                    specs.append(_photo_spec(t, v, doc, specs_rng, folder, namer))
                    continue
                pages = layout(doc)
                if doc.doc_type in feeder:
                    feeder_parts.append(Part(doc, pages))
                    continue
                specs.append(_doc_spec(doc, pages, specs_rng, folder, namer, v.archivist))
            if feeder_parts:
                first = 1
                for part in feeder_parts:
                    part.first_page = first
                    first += part.page_count
                spec = FileSpec("", "pdf_image", "pdf", feeder_parts)
                _scan_settings(spec, rng)
                spec.digitized = _when(
                    rng,
                    max(p.doc.date for p in feeder_parts) + dt.timedelta(days=rng.randint(1, 30)),
                )
                spec.path = namer.name(folder, spec)
                specs.append(spec)
        folder = f"{vdir}/村级"
        village_docs = [
            restyle(d, pick_style(layouts, seed, d), t, v) for d in village_documents(t, v, seed)
        ]
        if layouts != "classic":
            style = pick_style(layouts, seed, village_docs[0])
            village_docs += incoming_documents(t, v, style, seed)
        for doc in village_docs:
            specs_rng = random.Random(f"form:{seed}:{v.code}:{doc.doc_type}:{doc.title}")
            if specs_rng.random() < TRADITIONAL_SHARE:
                doc = traditional(doc)
            specs.append(
                _doc_spec(
                    doc, layout(doc), specs_rng, folder, namer, v.archivist, gps=(v.lat, v.lon)
                )
            )
    _ensure_variety(specs, seed)
    return specs


def _doc_spec(
    doc: Document,
    pages: list[Page],
    rng: random.Random,
    folder: str,
    namer: _Namer,
    author: str,
    gps: tuple[float, float] | None = None,
) -> FileSpec:
    form = _choose_form(doc, rng, len(pages))
    spec = FileSpec("", form, "pdf", [Part(doc, pages)], author=author)
    spec.digitized = _when(rng, doc.date + dt.timedelta(days=rng.randint(0, 25)))
    if form == "scan":
        _scan_settings(spec, rng)
        if len(pages) > 1:
            spec.fmt = "tif"
            if spec.mode == "RGB":  # multi-page TIFFs are scanned in grey or black-and-white
                spec.mode = "L"
        elif spec.mode == "1":
            spec.fmt = rng.choice(("png", "tif"))
        else:
            spec.fmt = rng.choices(("jpg", "tif"), weights=(85, 15))[0]
            if spec.fmt == "tif" and spec.mode == "RGB":
                spec.mode = "L"
    elif form == "phone":
        spec.fmt = "jpg"
        spec.quality = rng.randint(75, 92)
        posted = doc.doc_type == "V05"
        day = doc.date + dt.timedelta(days=rng.randint(0, 1) if posted else rng.randint(0, 40))
        spec.taken = _when(rng, day)
        spec.gps = (
            (
                round(gps[0] + rng.uniform(-0.002, 0.002), 6),
                round(gps[1] + rng.uniform(-0.002, 0.002), 6),
            )
            if gps and posted
            else None
        )
    elif form == "pdf_image":
        _scan_settings(spec, rng)
    elif form == "docx":
        spec.fmt = "docx"
    spec.path = namer.name(folder, spec)
    return spec


def _photo_spec(
    t: Township, v: Any, doc: Document, rng: random.Random, folder: str, namer: _Namer
) -> FileSpec:
    spec = FileSpec("", "photo", "jpg", [Part(doc, [])])
    spec.quality = rng.randint(80, 92)
    spec.taken = _when(rng, doc.date)
    spec.gps = (
        round(v.lat + rng.uniform(-0.003, 0.003), 6),
        round(v.lon + rng.uniform(-0.003, 0.003), 6),
    )
    if rng.random() < 0.45:
        spec.stamp = f"{doc.date:%Y/%m/%d}"
    spec.path = namer.name(folder, spec)
    return spec


def _ensure_variety(specs: list[FileSpec], seed: int) -> None:
    """Small corpora still get every form (and a Traditional document)."""
    rng = random.Random(f"variety:{seed}")
    have = {s.form for s in specs}
    wants = [
        ("pdf_text", {"H05", "H09", "V04", "V05", "V07", "H08"}),
        ("docx", {"H05", "H08", "H09", "H11", "V02", "V07"}),
        ("phone", {"H06", "H12", "V05"}),
        ("scan", {"H01", "H02", "H03", "H04"}),
        ("pdf_image", {"H07", "H02", "H03"}),
    ]
    for form, types in wants:
        if form in have:
            continue
        pool = [
            s
            for s in specs
            if len(s.parts) == 1
            and s.form not in ("photo",)
            and s.parts[0].doc.doc_type in types
            and sum(1 for x in specs if x.form == s.form) > 1
        ]
        if form == "phone":
            pool = [s for s in pool if len(s.parts[0].pages) == 1]
        if not pool:
            continue
        s = rng.choice(pool)
        folder = s.path.rsplit("/", 1)[0]
        s.form = form
        s.fmt = {
            "pdf_text": "pdf",
            "docx": "docx",
            "phone": "jpg",
            "scan": "jpg",
            "pdf_image": "pdf",
        }[form]
        if form in ("scan", "pdf_image"):
            _scan_settings(s, rng)
            if s.mode == "1":
                s.mode = "L"
        if form == "phone":
            s.quality = rng.randint(75, 92)
            s.taken = _when(rng, s.parts[0].doc.date + dt.timedelta(days=1))
        stem = s.path.rsplit("/", 1)[1].rsplit(".", 1)[0]
        taken = {x.path for x in specs}
        path = f"{folder}/{stem}.{s.fmt}"
        k = 2
        while path in taken and path != s.path:
            path = f"{folder}/{stem}({k}).{s.fmt}"
            k += 1
        s.path = path
        have.add(form)
    if not any(s.traditional for s in specs):
        pool = [s for s in specs if s.form in ("scan", "pdf_text", "docx") and len(s.parts) == 1]
        if pool:
            s = rng.choice(pool)
            doc = traditional(s.parts[0].doc)
            s.parts = [Part(doc, layout(doc))]


# -- rendering -----------------------------------------------------------------------


def render_file(spec: FileSpec, seed: int) -> bytes:
    """The bytes of one planned file (a pure function of the spec and the seed)."""
    from dangan.demo import render as R

    rng = random.Random(f"file:{seed}:{spec.path}")
    doc = spec.parts[0].doc
    if spec.form == "photo":
        assert spec.taken is not None
        banner = None
        if rng.random() < 0.35:
            banner = rng.choice(("精准扶贫 结对帮扶", "脱贫攻坚 决战决胜", "扶贫先扶志 扶贫必扶智"))
            if doc.traditional:
                from dangan.demo.tradmap import to_traditional

                banner = to_traditional(banner)
        img = R.work_photo(
            rng,
            stamp=spec.stamp,
            banner=banner,
            size=rng.choice(((1600, 1200), (1440, 1080), (1920, 1440))),
        )
        make, model = rng.choice(
            (
                ("HUAWEI", "VOG-AL10"),
                ("Xiaomi", "MI 8"),
                ("OPPO", "OPPO R11"),
                ("vivo", "vivo X21A"),
            )
        )
        return R.save_jpeg(
            img,
            quality=spec.quality,
            exif=R.exif_bytes(spec.taken, make=make, model=model, gps=spec.gps),
        )
    if spec.form == "docx":
        from dangan.demo.office import write_docx

        assert spec.digitized is not None
        return write_docx(doc, author=spec.author or "Administrator", when=spec.digitized)
    if spec.form == "pdf_text":
        from dangan.demo.pdftext import write_text_pdf

        assert spec.digitized is not None
        return write_text_pdf(
            spec.parts[0].pages,
            title=doc.title,
            author=spec.author or "Administrator",
            when=spec.digitized,
            traditional=doc.traditional,
            creator=rng.choice(("Microsoft Word", "WPS 文字")),
        )
    if spec.form == "phone":
        assert spec.taken is not None
        page = spec.parts[0].pages[0]
        canvas = rng.choice((1080, 1200, 1280))
        dpi = round(canvas * 0.95 / (page.width / 72))
        img = R.draw_page(page, dpi, rng, traditional=doc.traditional, paper=(246, 244, 236))
        img = R.phone_effects(img, rng, canvas_width=canvas)
        make, model = rng.choice(
            (
                ("HUAWEI", "VOG-AL10"),
                ("Xiaomi", "Redmi Note 5"),
                ("OPPO", "OPPO A57"),
                ("vivo", "vivo Y66"),
            )
        )
        return R.save_jpeg(
            img,
            quality=spec.quality,
            exif=R.exif_bytes(spec.taken, make=make, model=model, gps=spec.gps),
        )
    # scans: single images, multi-page TIFFs, image-only PDFs (feeder scans included)
    assert spec.dpi is not None
    mode = "L" if spec.mode == "1" else spec.mode
    images = []
    for part in spec.parts:
        for page in part.pages:
            size = (round(page.width * spec.dpi / 72), round(page.height * spec.dpi / 72))
            img = R.draw_page(
                page,
                spec.dpi,
                rng,
                mode=mode,
                traditional=part.doc.traditional,
                skew=rng.uniform(-1.5, 1.5),
                background=R.scan_paper(size, mode, rng),
            )
            img = R.scan_effects(img, rng, spec.dpi)
            if spec.mode == "1" and spec.form == "scan":
                img = R.bitonal(img, rng)
            images.append(img)
    if spec.fmt == "jpg":
        return R.save_jpeg(images[0], quality=spec.quality, dpi=spec.dpi)
    if spec.fmt == "png":
        return R.save_png(images[0], dpi=spec.dpi)
    if spec.fmt == "tif":
        return R.save_tiff(images, dpi=spec.dpi, quality=spec.quality)
    assert spec.digitized is not None
    return R.save_pdf_images(images, dpi=spec.dpi, quality=spec.quality, when=spec.digitized)


def _render_job(args: tuple[FileSpec, int, str]) -> tuple[str, str, int]:
    spec, seed, out_dir = args
    data = render_file(spec, seed)
    target = Path(out_dir) / spec.path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return spec.path, hashlib.sha256(data).hexdigest(), len(data)


# -- ground truth --------------------------------------------------------------------


def _page_range(first: int, count: int) -> str:
    return f"{first}-{first + count - 1}" if count > 1 else str(first)


def file_entry(spec: FileSpec) -> dict[str, Any]:
    parts = []
    for part in spec.parts:
        d = part.doc
        if spec.form == "docx":
            text = [document_text(d)]
        elif spec.form == "photo":
            text = [spec.stamp or ""]
        else:
            text = [p.text for p in part.pages]
        parts.append(
            {
                "doc_type": d.doc_type,
                "village_code": d.village_code,
                "village": d.village,
                "household_no": d.household_no,
                "head_name": d.head_name,
                "date": d.date.isoformat(),
                "title": d.title,
                "form_title": d.form_title,
                "pages": _page_range(
                    part.first_page, 1 if spec.form in ("docx", "photo") else part.page_count
                ),
                "traditional": d.traditional,
                "id_numbers": d.id_numbers,
                "text": text,
            }
        )
    entry: dict[str, Any] = {
        "path": spec.path,
        "form": spec.form,
        "format": spec.fmt,
        "traditional": spec.traditional,
        "pages": sum(1 if spec.form in ("docx", "photo") else p.page_count for p in spec.parts),
        "dpi": spec.dpi if spec.form in ("scan", "pdf_image") else None,
        "mode": spec.mode if spec.form in ("scan", "pdf_image") else None,
        "taken": spec.taken.isoformat() if spec.taken else None,
        "gps": list(spec.gps) if spec.gps else None,
        "parts": parts,
    }
    return entry


def _households(t: Township) -> list[dict[str, Any]]:
    from dangan.demo.faults import required_items
    from dangan.demo.roster import roster_row

    out = []
    for hh in t.households():
        row = roster_row(t, hh)
        out.append(
            {
                "village_code": hh.village_code,
                "village": hh.village,
                "household_no": hh.household_no,
                "head_name": hh.head.name,
                "id_number": hh.head.id_number,
                "roster_id_number": row["身份证号"],
                "members": hh.size,
                "roster_members": row["家庭人口"],
                "member_list": [
                    {"name": m.name, "relation": m.relation, "sex": m.sex, "id_number": m.id_number}
                    for m in hh.members
                ],
                "cause": hh.cause,
                "identified_year": hh.identified_year,
                "identified_date": hh.identified_date.isoformat() if hh.identified_date else None,
                "exit_year": hh.exit_year,
                "helper": None
                if hh.helper is None
                else {
                    "name": hh.helper.name,
                    "id_number": hh.helper.id_number,
                    "unit": hh.helper.unit,
                    "post": hh.helper.post,
                    "phone": hh.helper.phone,
                },
                "roster_has_helper": row["帮扶责任人"] is not None,
                "pairing_start": hh.pairing_start.isoformat() if hh.pairing_start else None,
                "pairing_end": hh.pairing_end.isoformat() if hh.pairing_end else None,
                "phone": hh.phone,
                "income": hh.incomes.get(t.record_year),
                "income_year": t.record_year,
                "incomes": {str(y): v for y, v in sorted(hh.incomes.items())},
                "measures": [
                    {
                        "date": m.date.isoformat(),
                        "category": m.category,
                        "content": m.content,
                        "amount": m.amount,
                    }
                    for m in hh.measures
                ],
                "required_items": list(required_items(hh)),
                "missing_items": sorted(hh.missing),
            }
        )
    return out


def _fault_files(faults: list[Fault], specs: list[FileSpec]) -> None:
    """Name the files that show each fault (evidence for audit tests)."""
    by_household: dict[tuple[str, str | None], list[FileSpec]] = {}
    for s in specs:
        for p in s.parts:
            by_household.setdefault((p.doc.village_code, p.doc.household_no), []).append(s)

    def files(village: str, household: str | None, types: set[str]) -> list[str]:
        return sorted(
            {
                s.path
                for s in by_household.get((village, household), [])
                for p in s.parts
                if p.doc.doc_type in types
            }
        )

    for f in faults:
        if f.rule == "MEASURE_MISMATCH":
            month = int(f.extra["date"][5:7])
            f.files = files(f.village_code, f.household_no, {"H07"})
            f.files += [
                s.path
                for s in by_household.get((f.village_code, None), [])
                for p in s.parts
                if p.doc.doc_type == "V03" and p.doc.date.month == month
            ]
        elif f.rule in ("INCOME_MISMATCH", "MEMBERS_MISMATCH"):
            f.files = [*files(f.village_code, f.household_no, {"H07", "H05", "H11"}), "roster.xlsx"]
        elif f.rule == "PAIRING_BEFORE_IDENTIFICATION":
            f.files = [*files(f.village_code, f.household_no, {"H08", "H04"}), "roster.xlsx"]
        elif f.rule in ("ID_INVALID", "NO_HELPER", "HELPER_IS_HOUSEHOLD", "HELPER_OVERLOAD"):
            f.files = ["roster.xlsx"]
        elif f.rule == "SIGNATURE_MISSING":
            f.files = files(f.village_code, f.household_no, {f.extra["doc_type"]})
        elif f.rule == "ID_BIRTH_CONFLICT":
            f.files = [*files(f.village_code, f.household_no, {"H15"}), "roster.xlsx"]
        elif f.rule == "DATE_ORDER":
            f.files = files(f.village_code, f.household_no, {"H01", "H03"})
        elif f.rule == "VISIT_FREQUENCY":
            quarter = int(f.extra["quarter"][-1])
            f.files = [
                s.path
                for s in by_household.get((f.village_code, None), [])
                for p in s.parts
                if p.doc.doc_type == "V03" and (p.doc.date.month + 2) // 3 == quarter
            ]
        elif f.rule == "NOTICE_TOO_SHORT":
            start = f.extra["start"]
            f.files = [
                s.path
                for s in by_household.get((f.village_code, None), [])
                for p in s.parts
                if p.doc.doc_type == "V05" and p.doc.date.isoformat() == start
            ]


# -- the build -----------------------------------------------------------------------


def build_township(
    out_dir: Path,
    seed: int = 2018,
    villages: int = 3,
    households_per_village: int = 10,
    *,
    fonds: str = "Z105",
    name: str = "桑村镇",
    workers: int | None = None,
    render: bool = True,
    progress: Callable[[int, int], None] | None = None,
    layouts: str = "classic",
) -> GroundTruth:
    """Write the demo township under ``out_dir`` and return its ground truth.

    ``workers`` processes render the files (default: the CPU count, at most 8);
    ``render=False`` plans everything and writes only the roster and the ground truth
    (no file hashes), which is fast at any size. ``progress(done, total)`` is called as
    files are written. ``layouts`` is the family of layouts and wordings the papers are
    written in: ``classic``, ``developed`` or the held-out ``unseen`` (`demo.variants`).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t = make_township(seed, villages, households_per_village, fonds=fonds, name=name)
    faults = plant_faults(t, seed)
    specs = plan_corpus(t, seed, layouts)
    _fault_files(faults, specs)
    from dangan.demo.roster import write_roster_xlsx

    roster = write_roster_xlsx(t, out_dir / "roster.xlsx")
    hashes: dict[str, tuple[str, int]] = {}
    if render:
        if any(s.form == "pdf_text" for s in specs):  # make the font base before forking
            from dangan.demo.pdftext import base_font

            for trad in sorted({s.traditional for s in specs if s.form == "pdf_text"}):
                base_font(trad)
        n = workers if workers is not None else min(8, os.cpu_count() or 1)
        jobs = [(s, seed, str(out_dir)) for s in specs]
        # biggest jobs first so the pool finishes together
        jobs.sort(key=lambda j: -sum(p.page_count * (j[0].dpi or 150) ** 2 for p in j[0].parts))
        done = 0
        if n <= 1 or len(jobs) < 4:
            for job in jobs:
                path, digest, size = _render_job(job)
                hashes[path] = (digest, size)
                done += 1
                if progress:
                    progress(done, len(jobs))
        else:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
                for path, digest, size in pool.map(_render_job, jobs, chunksize=1):
                    hashes[path] = (digest, size)
                    done += 1
                    if progress:
                        progress(done, len(jobs))
    files = []
    for spec in specs:
        entry = file_entry(spec)
        if spec.path in hashes:
            entry["sha256"], entry["bytes"] = hashes[spec.path]
        files.append(entry)
    files.sort(key=lambda e: e["path"])
    forms: dict[str, int] = {}
    for e in files:
        forms[e["form"]] = forms.get(e["form"], 0) + 1
    gt = GroundTruth(
        seed=seed,
        layouts=layouts,
        township={
            "fonds": t.fonds,
            "name": t.name,
            "county": t.county,
            "record_year": t.record_year,
        },
        villages=[
            {
                "code": v.code,
                "name": v.name,
                "secretary": v.secretary,
                "archivist": v.archivist,
                "first_secretary": v.first_secretary,
            }
            for v in t.villages
        ],
        households=_households(t),
        files=files,
        faults=[f.as_dict() for f in faults],
        stats={
            "files": len(files),
            "pages": sum(e["pages"] for e in files),
            "parts": sum(len(e["parts"]) for e in files),
            "forms": dict(sorted(forms.items())),
            "traditional_files": sum(1 for e in files if e["traditional"]),
            "roster_sha256": hashlib.sha256(roster).hexdigest(),
        },
    )
    (out_dir / "ground_truth.json").write_text(gt.to_json() + "\n", encoding="utf-8")
    return gt


def render_samples(out_dir: Path, seed: int = 2018) -> list[Path]:
    """Two sample images for the docs: a flatbed scan of an approval form (colour,
    200 dpi, crooked, with a seal and hand-filled values) and a phone photo of a
    posted 公示. PNG, so the look is shown without another round of JPEG."""
    from dangan.demo import render as R
    from dangan.demo.forms import v05_notice

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t = make_township(seed, 1, 4)
    v = t.villages[0]
    hh = v.households[0]
    doc = next(d for d in household_documents(t, v, hh, seed) if d.doc_type == "H04")
    page = layout(doc)[0]
    rng = random.Random(f"sample:{seed}:scan")
    dpi = 200
    size = (round(page.width * dpi / 72), round(page.height * dpi / 72))
    img = R.draw_page(
        page, dpi, rng, mode="RGB", skew=0.9, background=R.scan_paper(size, "RGB", rng)
    )
    img = R.scan_effects(img, rng, dpi)
    # what a JPEG-saving scanner leaves, then kept losslessly
    from PIL import Image

    img = Image.open(io.BytesIO(R.save_jpeg(img, quality=72, dpi=dpi)))
    scan = out_dir / "scan_page.png"
    img.save(scan, "PNG", dpi=(dpi, dpi), optimize=True)
    rng = random.Random(f"sample:{seed}:phone")
    notice = v05_notice(t, v, v.batches[0], "notice1", rng)
    page = layout(notice)[0]
    img = R.draw_page(page, 150, rng, paper=(246, 244, 236))
    img = R.phone_effects(img, rng, canvas_width=1080)
    img = Image.open(io.BytesIO(R.save_jpeg(img, quality=85)))
    phone = out_dir / "phone_photo.png"
    img.save(phone, "PNG", optimize=True)
    return [scan, phone]
