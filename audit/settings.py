"""The audit's thresholds: `audit.toml` beside this module, or the deployment's copy in
`$DANGAN_HOME/audit.toml` (values it leaves out keep their default)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.archive.errors import InputError

_DEFAULT = Path(__file__).with_name("audit.toml")


@dataclass(frozen=True)
class AuditSettings:
    helper_max_households: int = 3
    large_household_members: int = 7
    poverty_lines: dict[int, float] = field(default_factory=dict)
    income_tolerance: float = 1.0
    notice_min_days: int = 7
    visits_per_quarter: int = 3
    round_days: int = 180


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: 检查规则配置无法读取: {exc}") from exc


def _number(path: Path, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InputError(f"{path}: {where} 应为非负数, 实为 {value!r}")
    return value


def load_settings(home: Path | None = None) -> AuditSettings:
    """The default thresholds, overridden by `home`/audit.toml where it exists."""
    data = _read(_DEFAULT)
    path = _DEFAULT
    if home is not None and (home / "audit.toml").exists():
        path = home / "audit.toml"
        for section, values in _read(path).items():
            if not isinstance(values, dict):
                raise InputError(f"{path}: [{section}] 应为一节配置")
            data.setdefault(section, {}).update(values)
    helpers, households = data.get("helpers", {}), data.get("households", {})
    lines = {}
    for year, amount in data.get("poverty_line", {}).items():
        if not str(year).isdigit():
            raise InputError(f"{path}: [poverty_line] 的键应为年度, 实为 {year!r}")
        lines[int(year)] = _number(path, f"poverty_line.{year}", amount)
    return AuditSettings(
        helper_max_households=int(
            _number(path, "helpers.max_households", helpers.get("max_households", 3))
        ),
        large_household_members=int(
            _number(path, "households.large_members", households.get("large_members", 7))
        ),
        poverty_lines=lines,
        notice_min_days=int(
            _number(path, "notices.min_days", data.get("notices", {}).get("min_days", 7))
        ),
        round_days=int(
            _number(path, "dates.round_days", data.get("dates", {}).get("round_days", 180))
        ),
        visits_per_quarter=int(
            _number(path, "visits.per_quarter", data.get("visits", {}).get("per_quarter", 3))
        ),
        income_tolerance=_number(
            path, "income.tolerance", data.get("income", {}).get("tolerance", 1)
        ),
    )
