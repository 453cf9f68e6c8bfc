"""Planted faults: the disagreements and rule breaches an audit must find.

``plant_faults`` changes a generated township in place (the roster's view, the
扶贫手册's view, the work log's view, missing items, short notices, months without
minutes) and returns the list of what it planted, which goes into the ground truth.
Rule names are the audit rule codes of DESIGN.md.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from dangan.archive.idnumber import check_digit
from dangan.demo.people import Helper, Household, Township, make_measure

RULES = (
    "MISSING_ITEM",
    "ID_INVALID",
    "NO_HELPER",
    "HELPER_IS_HOUSEHOLD",
    "HELPER_OVERLOAD",
    "PAIRING_BEFORE_IDENTIFICATION",
    "MEASURE_MISMATCH",
    "INCOME_MISMATCH",
    "MEMBERS_MISMATCH",
    "NOTICE_TOO_SHORT",
    "MEETING_GAP",
)
REQUIRED_ITEMS = ("H01", "H02", "H03", "H04", "H05", "H07", "H08", "H09")
"""Required in every household file (DOMAIN.md); an exited household also needs H13."""

DOC_NAMES = {
    "H01": "申请书",
    "H02": "入户调查表",
    "H03": "评议表",
    "H04": "审批表",
    "H05": "信息采集表",
    "H06": "确认告知书",
    "H07": "扶贫手册",
    "H08": "结对帮扶登记表",
    "H09": "脱贫计划落实情况表",
    "H11": "年度收入调查表",
    "H12": "帮扶联系卡",
    "H13": "脱贫验收表",
    "H15": "身份证复印件",
    "H16": "照片",
}


@dataclass
class Fault:
    rule: str
    village_code: str
    household_no: str | None
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # filled in by build: the files involved

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "village_code": self.village_code,
            "household_no": self.household_no,
            "detail": self.detail,
        }
        out.update(self.extra)
        out["files"] = sorted(self.files)
        return out


def required_items(hh: Household) -> tuple[str, ...]:
    return REQUIRED_ITEMS + (("H13",) if hh.exit_year is not None else ())


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _bad_id(number: str) -> str:
    good = check_digit(number[:17])
    wrong = "0123456789X".replace(good, "")
    # a clerk's slip: the check digit one off (or a swapped pair when that breaks it)
    idx = wrong.index(min(wrong, key=lambda c: abs(ord(c) - ord(good))))
    return number[:17] + wrong[idx]


def plant_faults(township: Township, seed: int) -> list[Fault]:
    """Plant at least one fault of each kind that the township's size allows."""
    rng = random.Random(f"faults:{seed}")
    households = township.households()
    n = len(households)
    per_kind = max(1, round(n / 30))
    faults: list[Fault] = []
    used: dict[str, set[str]] = {}  # household key -> rules planted there

    def mark(hh: Household, rule: str) -> None:
        used.setdefault(hh.key, set()).add(rule)

    def pick(candidates: list[Household], rule: str) -> Household | None:
        """A household for ``rule``: one without faults if any, else the least used."""
        pool = [h for h in candidates if rule not in used.get(h.key, set())]
        if not pool:
            return None
        fewest = min(len(used.get(h.key, ())) for h in pool)
        pool = [h for h in pool if len(used.get(h.key, ())) == fewest]
        return rng.choice(pool)

    # -- helper structure first: overload, helper who is a household, no helper --------
    for _ in range(per_kind if n >= 4 else 0):
        f = _plant_overload(rng, township, used)
        if f:
            faults.append(f)
    if n >= 4:
        for _ in range(per_kind):
            f = _plant_helper_is_household(rng, township, used)
            if f:
                faults.append(f)
                mark_key = f.extra["paired_household"]
                used.setdefault(mark_key, set()).add("HELPER_IS_HOUSEHOLD")
    if n >= 6:
        for _ in range(per_kind):
            hh = pick(households, "NO_HELPER")
            if hh is None or hh.helper is None:
                continue
            hh.roster_overrides["helper"] = None
            mark(hh, "NO_HELPER")
            faults.append(
                Fault(
                    "NO_HELPER",
                    hh.village_code,
                    hh.household_no,
                    f"花名册中户主{hh.head.name}无帮扶责任人信息（纸质档案记帮扶责任人"
                    f"{hh.helper.name}）",
                    {"paper_helper": hh.helper.name},
                )
            )

    # -- household facts --------------------------------------------------------------
    for _ in range(per_kind):
        hh = pick(
            [
                h
                for h in households
                if h.identified_year >= 2015 and "HELPER_OVERLOAD" not in used.get(h.key, set())
            ],
            "PAIRING_BEFORE_IDENTIFICATION",
        )
        if hh is None or hh.helper is None:
            continue
        early = dt.date(hh.identified_year - 1, rng.randint(3, 10), rng.randint(1, 28))
        hh.pairing_start = early
        mark(hh, "PAIRING_BEFORE_IDENTIFICATION")
        faults.append(
            Fault(
                "PAIRING_BEFORE_IDENTIFICATION",
                hh.village_code,
                hh.household_no,
                f"帮扶责任人{hh.helper.name}的帮扶开始日期{cn_date(early)}早于户主{hh.head.name}的"
                f"识别年度{hh.identified_year}年",
                {
                    "helper": hh.helper.name,
                    "pairing_start": early.isoformat(),
                    "identified_year": hh.identified_year,
                },
            )
        )

    for _ in range(per_kind):
        hh = pick(households, "ID_INVALID")
        if hh is None:
            continue
        bad = _bad_id(hh.head.id_number)
        hh.roster_overrides["id_number"] = bad
        mark(hh, "ID_INVALID")
        faults.append(
            Fault(
                "ID_INVALID",
                hh.village_code,
                hh.household_no,
                f"花名册中户主{hh.head.name}的身份证号{bad}校验位错误（证件为{hh.head.id_number}）",
                {"roster_id_number": bad, "id_number": hh.head.id_number},
            )
        )

    for _ in range(per_kind):
        hh = pick(households, "MEMBERS_MISMATCH")
        if hh is None:
            continue
        shown = hh.size + 1 if hh.size == 1 or rng.random() < 0.5 else hh.size - 1
        hh.roster_overrides["members"] = shown
        mark(hh, "MEMBERS_MISMATCH")
        faults.append(
            Fault(
                "MEMBERS_MISMATCH",
                hh.village_code,
                hh.household_no,
                f"花名册家庭人口{shown}人，扶贫手册与信息采集表记{hh.size}人",
                {"roster_members": shown, "paper_members": hh.size},
            )
        )

    year = township.record_year
    for _ in range(per_kind):
        hh = pick([h for h in households if year in h.incomes], "INCOME_MISMATCH")
        if hh is None:
            continue
        true = hh.incomes[year]
        delta = rng.choice((-1, 1)) * rng.randint(6, 20) * 100
        shown = max(800, true + delta)
        hh.manual_overrides["income"] = {year: shown}
        mark(hh, "INCOME_MISMATCH")
        faults.append(
            Fault(
                "INCOME_MISMATCH",
                hh.village_code,
                hh.household_no,
                f"扶贫手册记{year}年人均纯收入{shown}元，花名册与年度收入调查表为{true}元",
                {"year": year, "manual_income": shown, "roster_income": true},
            )
        )

    for _ in range(per_kind):
        hh = pick(households, "MEASURE_MISMATCH")
        if hh is None:
            continue
        idx = next(
            (
                i
                for i, m in enumerate(hh.measures)
                if m.date.year == year and (m.quantity or m.amount)
            ),
            None,
        )
        if idx is None:
            date = dt.date(year, rng.randint(4, 9), rng.randint(1, 28))
            m = make_measure(rng, "产业扶持", date)
            while not m.quantity:
                m = make_measure(rng, "产业扶持", date)
            hh.measures.append(m)
            hh.measures.sort(key=lambda x: x.date)
            idx = hh.measures.index(m)
        m = hh.measures[idx]
        if m.quantity:
            other = m.quantity + rng.choice((-1, 1)) * max(1, m.quantity // 2)
            other = other if other > 0 else m.quantity * 2
            shown = m.content.replace(str(m.quantity), str(other), 1)
        else:
            assert m.amount is not None
            other = m.amount // 2 if rng.random() < 0.5 else m.amount * 2
            shown = m.content.replace(str(m.amount), str(other), 1)
        hh.log_overrides[idx] = shown
        mark(hh, "MEASURE_MISMATCH")
        faults.append(
            Fault(
                "MEASURE_MISMATCH",
                hh.village_code,
                hh.household_no,
                f"扶贫手册记{cn_date(m.date)}“{m.category}：{m.content}”，"
                f"工作日志记“{m.category}：{shown}”",
                {"date": m.date.isoformat(), "manual": m.content, "log": shown},
            )
        )

    for _ in range(per_kind):
        hh = pick(households, "MISSING_ITEM")
        if hh is None:
            continue
        others = used.get(hh.key, set())
        avoid = {"H07"}
        if others & {"MEASURE_MISMATCH"}:
            avoid.add("H09")
        if others & {"MEMBERS_MISMATCH"}:
            avoid.add("H05")
        if others & {
            "PAIRING_BEFORE_IDENTIFICATION",
            "HELPER_OVERLOAD",
            "HELPER_IS_HOUSEHOLD",
            "NO_HELPER",
        }:
            avoid.add("H08")
        choices = [t for t in required_items(hh) if t not in avoid]
        doc_type = rng.choice(choices)
        hh.missing.add(doc_type)
        mark(hh, "MISSING_ITEM")
        faults.append(
            Fault(
                "MISSING_ITEM",
                hh.village_code,
                hh.household_no,
                f"户主{hh.head.name}的档案缺少{DOC_NAMES[doc_type]}（{doc_type}）",
                {"doc_type": doc_type},
            )
        )

    # -- village records ---------------------------------------------------------------
    per_village = max(1, round(len(township.villages) / 3))
    villages = list(township.villages)
    rng.shuffle(villages)
    for v in villages[:per_village]:
        month = rng.randint(2, 11)
        v.meeting_gap_months.add(month)
        faults.append(
            Fault(
                "MEETING_GAP",
                v.code,
                None,
                f"{v.name}{year}年{month}月无会议记录",
                {"month": f"{year}-{month:02d}"},
            )
        )
    rng.shuffle(villages)
    for v in villages[:per_village]:
        bi = rng.randrange(len(v.batches))
        batch = v.batches[bi]
        which = rng.choice(("notice1", "notice2"))
        start, _ = getattr(batch, which)
        days = rng.randint(3, 5)
        end = start + dt.timedelta(days=days - 1)
        setattr(batch, which, (start, end))
        v.short_notice = (bi, which)
        faults.append(
            Fault(
                "NOTICE_TOO_SHORT",
                v.code,
                None,
                f"{v.name}公示期{cn_date(start)}至{cn_date(end)}，仅{days}天（不少于7天）",
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "days": days,
                    "batch": f"{batch.kind}-{batch.year}",
                    "notice": which,
                },
            )
        )
    faults += _plant_few_visits(township, seed, per_kind, used)
    faults += _plant_late_applications(township, seed, per_kind, used)
    faults += _plant_wrong_births(township, seed, per_kind, used)
    faults += _plant_unsigned(township, seed, per_kind, used)
    return faults


SIGNED_BY_HEAD = {"H02": "户主签字", "H07": "户主签字", "H08": "贫困户签字"}
"""The forms on which the head signs in a labelled field, and the field's label."""


def _plant_unsigned(
    township: Township, seed: int, count: int, used: dict[str, set[str]]
) -> list[Fault]:
    """SIGNATURE_MISSING: a form the head never signed (不得漏签, seed 001); the field
    stays blank on the page."""
    rng = random.Random(f"faults:signatures:{seed}")
    candidates = [
        hh for hh in township.households() if "SIGNATURE_MISSING" not in used.get(hh.key, set())
    ]
    faults = []
    for hh in rng.sample(candidates, min(count, len(candidates))):
        held = [t for t in SIGNED_BY_HEAD if t not in hh.missing]
        if not held:
            continue
        doc_type = rng.choice(held)
        hh.unsigned.add(doc_type)
        used.setdefault(hh.key, set()).add("SIGNATURE_MISSING")
        faults.append(
            Fault(
                "SIGNATURE_MISSING",
                hh.village_code,
                hh.household_no,
                f"户主{hh.head.name}未在{DOC_NAMES[doc_type]}的“{SIGNED_BY_HEAD[doc_type]}”处签字",
                {"doc_type": doc_type, "label": SIGNED_BY_HEAD[doc_type]},
            )
        )
    return faults


def _plant_wrong_births(
    township: Township, seed: int, count: int, used: dict[str, set[str]]
) -> list[Fault]:
    """ID_BIRTH_CONFLICT: the roster holds the head's ID number with the birth date
    mistyped and the check digit worked out again (a number that passes every check),
    while the ID card's copy in the file shows the true one."""
    rng = random.Random(f"faults:births:{seed}")
    helpers = {h.id_number for h in township.helpers}
    candidates = [
        hh
        for hh in township.households()
        if "ID_INVALID" not in used.get(hh.key, set()) and hh.head.id_number not in helpers
    ]
    faults = []
    for hh in rng.sample(candidates, min(count, len(candidates))):
        true = hh.head.id_number
        born = dt.date(int(true[6:10]), int(true[10:12]), int(true[12:14]))
        typed = born + dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(31, 400))
        first17 = f"{true[:6]}{typed:%Y%m%d}{true[14:17]}"
        hh.roster_overrides["id_number"] = first17 + check_digit(first17)
        used.setdefault(hh.key, set()).add("ID_BIRTH_CONFLICT")
        faults.append(
            Fault(
                "ID_BIRTH_CONFLICT",
                hh.village_code,
                hh.household_no,
                f"花名册中户主{hh.head.name}的身份证号出生日期{cn_date(typed)}，身份证复印件为"
                f"{cn_date(born)}",
                {"roster_birth": typed.isoformat(), "birth": born.isoformat()},
            )
        )
    return faults


def _plant_late_applications(
    township: Township, seed: int, count: int, used: dict[str, set[str]]
) -> list[Fault]:
    """DATE_ORDER: an application (申请书) written after the village had already reviewed
    the household (补材料: the paper made up afterwards and dated as written)."""
    rng = random.Random(f"faults:dates:{seed}")
    rounds = {
        (v.code, no): b
        for v in township.villages
        for b in v.batches
        if b.kind == "identify"
        for no in b.households
    }
    candidates = [
        hh
        for hh in township.households()
        if "MISSING_ITEM" not in used.get(hh.key, set())
        and (hh.village_code, hh.household_no) in rounds
    ]
    faults = []
    for hh in rng.sample(candidates, min(count, len(candidates))):
        review = rounds[(hh.village_code, hh.household_no)].review_meeting
        hh.apply_date = review + dt.timedelta(days=rng.randint(3, 20))
        used.setdefault(hh.key, set()).add("DATE_ORDER")
        faults.append(
            Fault(
                "DATE_ORDER",
                hh.village_code,
                hh.household_no,
                f"户主{hh.head.name}的申请书落款{cn_date(hh.apply_date)}，晚于村民代表评议"
                f"{cn_date(review)}",
                {"application": hh.apply_date.isoformat(), "review": review.isoformat()},
            )
        )
    return faults


VISITS_PER_QUARTER = 3
"""The audit's default (audit.toml [visits] per_quarter): a helper visits monthly."""


def _plant_few_visits(
    township: Township, seed: int, count: int, used: dict[str, set[str]]
) -> list[Fault]:
    """VISIT_FREQUENCY: a helper who visited a household fewer times in one quarter of
    the record year than required; the work log records only the visits left. Drawn
    from a stream of its own, so that the faults planted before keep their places."""
    rng = random.Random(f"faults:visits:{seed}")
    year = township.record_year
    candidates = [
        hh
        for hh in township.households()
        if hh.helper is not None
        and hh.pairing_start is not None
        and hh.pairing_start < dt.date(year, 10, 1)
        and "VISIT_FREQUENCY" not in used.get(hh.key, set())
    ]
    faults = []
    for hh in rng.sample(candidates, min(count, len(candidates))):
        assert hh.pairing_start is not None and hh.helper is not None
        first = (
            1 if hh.pairing_start < dt.date(year, 1, 1) else (hh.pairing_start.month + 2) // 3 + 1
        )
        quarter = rng.randint(first, 4)
        months = range(3 * quarter - 2, 3 * quarter + 1)
        inside = [v for v in hh.visits if v.date.month in months]
        kept = rng.sample(inside, rng.randint(0, VISITS_PER_QUARTER - 2))
        hh.visits = [v for v in hh.visits if v.date.month not in months or v in kept]
        used.setdefault(hh.key, set()).add("VISIT_FREQUENCY")
        faults.append(
            Fault(
                "VISIT_FREQUENCY",
                hh.village_code,
                hh.household_no,
                f"帮扶责任人{hh.helper.name}{year}年第{quarter}季度入户走访户主{hh.head.name}"
                f"{len(kept)}次（每季度不少于{VISITS_PER_QUARTER}次）",
                {"quarter": f"{year}-Q{quarter}", "visits": len(kept)},
            )
        )
    return faults


def _plant_overload(
    rng: random.Random, township: Township, used: dict[str, set[str]]
) -> Fault | None:
    villages = [v for v in township.villages if len(v.households) >= 4]
    if villages:
        v = rng.choice(villages)
        pool = v.households
    else:
        pool = township.households()
    by_helper: dict[str, list[Household]] = {}
    for hh in pool:
        if hh.helper is not None:
            by_helper.setdefault(hh.helper.id_number, []).append(hh)
    helper_id = max(sorted(by_helper), key=lambda k: len(by_helper[k]))
    helper = by_helper[helper_id][0].helper
    assert helper is not None
    mine = by_helper[helper_id]
    others = [
        h
        for h in pool
        if h.helper is not None and h.helper.id_number != helper_id and not used.get(h.key)
    ]
    rng.shuffle(others)
    target = 4 if len(pool) < 12 else rng.choice((4, 5))
    from dangan.demo.people import assign_helper

    while len(mine) < target and others:
        hh = others.pop()
        old = hh.helper
        assign_helper(rng, hh, helper)
        mine.append(hh)
        _drop_unused(township, old)
    if len(mine) < 4:
        return None
    for hh in mine:
        used.setdefault(hh.key, set()).add("HELPER_OVERLOAD")
    mine.sort(key=lambda h: h.key)
    return Fault(
        "HELPER_OVERLOAD",
        mine[0].village_code,
        None,
        f"帮扶责任人{helper.name}同时帮扶{len(mine)}户（超过3户）："
        + "、".join(h.head.name for h in mine),
        {
            "helper": helper.name,
            "helper_id_number": helper.id_number,
            "households": [h.key for h in mine],
        },
    )


def _plant_helper_is_household(
    rng: random.Random, township: Township, used: dict[str, set[str]]
) -> Fault | None:
    villages = [v for v in township.villages if len(v.households) >= 2]
    rng.shuffle(villages)
    for v in villages:
        free = [h for h in v.households if not used.get(h.key)]
        if len(free) < 2:
            continue
        a, b = rng.sample(free, 2)
        old = a.helper
        a.helper = Helper(
            b.head.name, b.head.id_number, b.head.sex, f"{v.name}村民委员会", "村委委员", b.phone
        )
        township.helpers.append(a.helper)
        _drop_unused(township, old)
        used.setdefault(a.key, set()).add("HELPER_IS_HOUSEHOLD")
        return Fault(
            "HELPER_IS_HOUSEHOLD",
            a.village_code,
            a.household_no,
            f"帮扶责任人{b.head.name}（身份证号{b.head.id_number}）本人是建档立卡户"
            f"（{v.name}{b.household_no}号户户主）",
            {
                "helper": b.head.name,
                "helper_id_number": b.head.id_number,
                "paired_household": b.key,
            },
        )
    return None


def _drop_unused(township: Township, helper: Helper | None) -> None:
    if helper is None:
        return
    if not any(h.helper is helper for h in township.households()):
        township.helpers[:] = [x for x in township.helpers if x is not helper]
