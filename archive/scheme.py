"""The filing scheme: document types with class, level and retention; required items.

The packaged `scheme.toml` is the default; `$DANGAN_HOME/scheme.toml` replaces it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from dangan.archive.errors import InputError

_DEFAULT = Path(__file__).with_name("scheme.toml")
LEVELS = ("household", "village")


@dataclass(frozen=True)
class DocType:
    code: str
    name: str
    level: str
    class_code: str
    retention: str
    titles: tuple[str, ...] = ()  # form titles that start an item of this type
    phrases: tuple[str, ...] = ()  # wording only this type's documents use (特申请纳入)


SHEETS_PER_MM = 10
"""About ten sheets of 70 g/m² office paper make a millimetre: a box's capacity."""


@dataclass(frozen=True)
class BoxSize:
    """The archive box ([boxes]; DA/T 22-2015: 310 mm × 220 mm, 20, 30, 40 or 50 mm
    thick): the labels are drawn to it and the catalog fills it."""

    height_mm: int = 310
    width_mm: int = 220
    thickness_mm: int = 20

    @property
    def sheets(self) -> int:
        return self.thickness_mm * SHEETS_PER_MM


@dataclass(frozen=True)
class Scheme:
    types: dict[str, DocType]
    classes: dict[str, str]
    retention_names: dict[str, str]
    required_household: tuple[str, ...]
    required_exited: tuple[str, ...]
    code_template: str
    village_level_household: str
    vocabulary: tuple[str, ...] = ()  # words printed on these forms (see ingest.ocr.vocabulary)
    measures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Help-measure categories and the wordings that name them ([measures]), so that the
    audit matches measures by category rather than by string (archive.measures)."""
    box: BoxSize = field(default_factory=BoxSize)

    def type(self, code: str) -> DocType:
        try:
            return self.types[code]
        except KeyError:
            raise InputError(f"分类方案中没有文件类型代码 {code}") from None

    def form_titles(self) -> list[str]:
        """Every known form title, longest first (a feeder scan is split at these)."""
        return sorted({t for d in self.types.values() for t in d.titles}, key=len, reverse=True)

    def required_for(self, exited: bool) -> tuple[str, ...]:
        return self.required_household + (self.required_exited if exited else ())


def parse_scheme(path: Path) -> Scheme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: 分类方案无法读取: {exc}") from exc
    try:
        classes = dict(data["classes"])
        retention = dict(data["retention"])
        types: dict[str, DocType] = {}
        for code, spec in data["types"].items():
            doc_type = DocType(
                code,
                spec["name"],
                spec["level"],
                spec["class"],
                spec["retention"],
                tuple(spec.get("titles", ())),
                tuple(spec.get("phrases", ())),
            )
            if doc_type.level not in LEVELS:
                raise InputError(f"{path}: {code} 的 level 应为 household 或 village")
            if doc_type.class_code not in classes or doc_type.retention not in retention:
                raise InputError(f"{path}: {code} 的类别或保管期限未在方案中定义")
            types[code] = doc_type
        required = data["required"]
        scheme = Scheme(
            types=types,
            classes=classes,
            retention_names=retention,
            required_household=tuple(required["household"]),
            required_exited=tuple(required.get("exited_household", ())),
            code_template=data["archival_code"]["template"],
            village_level_household=data["archival_code"]["village_level_household"],
            vocabulary=tuple(
                dict.fromkeys(
                    [
                        *data.get("vocabulary", {}).get("words", ()),
                        *data.get("vocabulary", {}).get("domain", ()),
                    ]
                )
            ),
            measures={
                category: tuple(wordings) for category, wordings in data.get("measures", {}).items()
            },
            box=_box(path, data.get("boxes", {})),
        )
    except KeyError as exc:
        raise InputError(f"{path}: 分类方案缺少字段 {exc}") from exc
    unknown = set(scheme.required_for(True)) - set(types)
    if unknown:
        raise InputError(f"{path}: 必备文件中有未定义的类型 {sorted(unknown)}")
    return scheme


def _box(path: Path, spec: dict[str, object]) -> BoxSize:
    values = {}
    for name in ("height_mm", "width_mm", "thickness_mm"):
        value = spec.get(name, getattr(BoxSize, name))
        if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 500:
            raise InputError(f"{path}: [boxes] {name} 应为 5—500 之间的整数(毫米), 实为 {value!r}")
        values[name] = value
    return BoxSize(**values)  # type: ignore[arg-type]


@cache
def _load(path: Path, _mtime: float) -> Scheme:
    return parse_scheme(path)


def load_scheme(home: Path | None = None) -> Scheme:
    """The deployment's scheme if `home` has one, else the packaged default."""
    path = home / "scheme.toml" if home and (home / "scheme.toml").exists() else _DEFAULT
    return _load(path, path.stat().st_mtime)
