"""The audit rules: each a small function over the archive's facts, registered in one
table (`RULES`). A rule judges facts; it never reads text (that is
`archive.document_facts`, put together per household and village by `audit.sources`
and `audit.facts`).

Adding a rule is one function, one entry in `RULES` and one test. Codes are stable
(DESIGN.md): a code never changes meaning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dangan.archive import idnumber
from dangan.archive.measures import Measure
from dangan.archive.scheme import Scheme
from dangan.audit.facts import Facts, HouseholdFacts, PairingFact
from dangan.audit.findings import Evidence, Finding
from dangan.audit.settings import AuditSettings
from dangan.audit.sources import ID_COPY, INFO_FORM, MANUAL, ROSTER, Reading


@dataclass(frozen=True)
class Context:
    scheme: Scheme
    settings: AuditSettings
    today: dt.date


Check = Callable[[Facts, Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    """What the rule asks, in Chinese, for reports and the filter of the audit page."""
    check: Check
    across_villages: bool = False
    """Judged on the roster of every village at once (a helper pairs with households of
    several villages), without the papers; the other rules are judged village by
    village, with them (`audit.run`)."""


def _finding(
    hh: HouseholdFacts, rule: str, severity: str, message: str, *evidence: Evidence
) -> Finding:
    return Finding(rule, severity, hh.village_code, hh.household_no, message, tuple(evidence))


# -- completeness (一户一档) -------------------------------------------------------------

MAX_MAYBE = 5
"""Items in review a MISSING_ITEM warning shows as evidence (it counts them all)."""


def missing_items(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """MISSING_ITEM: a required item (scheme.toml [required]; an exited household also
    its exit papers) of which the file holds none, filed or waiting in review; and a
    village's notices of a round (`round_papers`). A warning rather than an error while
    an item in review could be it: one of the household's whose type was not told, or one
    of its village's of that type (or none) whose household was not told."""
    yield from round_papers(facts, ctx)
    unplaced = {v.code: v.unplaced for v in facts.villages}
    for hh in facts.households:
        have = {item.doc_type for item in hh.items}
        untyped = [i for i in hh.items if i.status == "needs_review" and i.doc_type is None]
        for code in ctx.scheme.required_for(hh.exit_year is not None):
            if code in have:
                continue
            name = ctx.scheme.types[code].name
            why = f"(脱贫年度 {hh.exit_year})" if code in ctx.scheme.required_exited else ""
            message = f"{hh.label} 的档案缺少{name}({code}){why}"
            roster = hh.roster(
                f"识别年度 {hh.identification_year or '未填'}, 脱贫年度 {hh.exit_year or '未脱贫'}"
            )
            maybe = untyped + [
                i for i in unplaced.get(hh.village_code, ()) if i.doc_type in (code, None)
            ]
            if not maybe:
                yield _finding(hh, "MISSING_ITEM", "error", message, roster)
                continue
            yield _finding(
                hh,
                "MISSING_ITEM",
                "warning",
                f"{message}; 待审核的文件中有 {len(maybe)} 份可能是它, 请先审核",
                roster,
                *(i.evidence(f"待审核: {i.title or '未识别类型'}") for i in maybe[:MAX_MAYBE]),
            )


def items_in_review(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """ITEM_NOT_FILED: a required item that was received but waits in review: it is in
    the archive, not missing, and is reported so that someone confirms it."""
    for hh in facts.households:
        required = set(ctx.scheme.required_for(hh.exit_year is not None))
        filed = {i.doc_type for i in hh.items if i.status == "filed"}
        for item in hh.items:
            if item.status == "needs_review" and item.doc_type in required - filed:
                name = ctx.scheme.types[item.doc_type].name
                yield _finding(
                    hh,
                    "ITEM_NOT_FILED",
                    "info",
                    f"{hh.label} 的{name}({item.doc_type})已收到, 待人工确认后归档",
                    item.evidence(item.title or name),
                )


# -- data quality (seed 003, 篇7 数据清洗) ------------------------------------------------


def invalid_id_numbers(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """ID_INVALID: the head's ID number fails GB 11643 (shape, address code, birth
    date, check digit)."""
    for hh in facts.households:
        reason = idnumber.why_invalid(hh.id_number, ctx.today) if hh.id_number else "未填写"
        if reason:
            yield _finding(
                hh,
                "ID_INVALID",
                "error",
                f"{hh.label} 的身份证号 {hh.id_number or '(空)'} 有误: {reason}",
                hh.roster(f"户主身份证号 {hh.id_number or '(空)'}"),
            )


ADULT_AGE = 16
"""Below this age a person cannot head a household in the national system's logic."""


def _birth_slip(a: dt.date, b: dt.date) -> bool:
    """Two birth dates that differ in one digit: an OCR slip may explain it."""
    return sum(x != y for x, y in zip(f"{a:%Y%m%d}", f"{b:%Y%m%d}", strict=True)) == 1


def id_birth_conflicts(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """ID_BIRTH_CONFLICT: the birth date in the head's ID number (the roster's) against
    what the papers say of the person: the head's ID card copy (the card that names the
    head, one character of OCR slip allowed) by the number printed on it, else by its
    printed birth date (one digit off: a warning, OCR may have slipped); and the head's
    age when identified (under 16 the national system's logical check rejects a head)."""
    for hh in facts.households:
        if not hh.id_number or idnumber.why_invalid(hh.id_number, ctx.today):
            continue  # ID_INVALID says so
        born = idnumber.birth_date(hh.id_number)
        if hh.identification_year is not None and hh.identification_year - born.year < ADULT_AGE:
            yield _finding(
                hh,
                "ID_BIRTH_CONFLICT",
                "error",
                f"{hh.label}: 身份证号出生日期 {born}, 识别年度 {hh.identification_year} 时"
                f"未满 {ADULT_AGE} 周岁, 不能为户主",
                hh.roster(f"户主身份证号出生日期 {born}, 识别年度 {hh.identification_year}"),
            )
        for reading in hh.papers.identity:
            name, number, printed = reading.value
            if not name or not (name == hh.head_name or _one_apart(name, hh.head_name)):
                continue
            card = idnumber.birth_date(number) if number else printed
            if card is None or card == born:
                continue
            doubt = number is None and _birth_slip(card, born)
            yield _finding(
                hh,
                "ID_BIRTH_CONFLICT",
                "warning" if doubt else "error",
                f"{hh.label}: 身份证复印件{'出生日期' if number is None else '身份证号'}"
                f"所示出生日期 {card}, 花名册身份证号出生日期 {born}"
                + (", 疑为识读误差" if doubt else ""),
                reading.evidence,
                hh.roster(f"户主身份证号出生日期 {born}"),
            )


def no_helper(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """NO_HELPER: the roster pairs no helper with the household."""
    for hh in facts.households:
        if not hh.pairings:
            yield _finding(
                hh,
                "NO_HELPER",
                "error",
                f"{hh.label}: 花名册中无帮扶责任人",
                hh.roster("帮扶责任人: 空"),
            )


def helper_is_household(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """HELPER_IS_HOUSEHOLD: a helper whose ID number is a registered household head's."""
    heads = {hh.id_number: hh for hh in facts.households if idnumber.is_valid(hh.id_number)}
    for hh in facts.households:
        for p in hh.pairings:
            other = heads.get(p.helper_id_number or "")
            if other is None:
                continue
            yield _finding(
                hh,
                "HELPER_IS_HOUSEHOLD",
                "error",
                f"{hh.label} 的帮扶责任人 {p.helper_name} 本人是建档立卡户({other.label})",
                hh.roster(f"帮扶责任人 {p.helper_name}, 身份证号 {p.helper_id_number}"),
                other.roster(f"户主 {other.head_name}, 身份证号 {other.id_number}"),
            )


def _most_at_once(pairings: list[tuple[HouseholdFacts, PairingFact]]) -> list[HouseholdFacts]:
    """The largest set of households whose pairings all run on one day: the most a
    helper held at once (checked at each pairing's start, where such a set begins)."""
    best: list[HouseholdFacts] = []
    for _, p in pairings:
        day = p.start
        at_once = {
            id(hh): hh
            for hh, q in pairings
            if (q.start is None or day is None or q.start <= day)
            and (q.end is None or day is None or q.end >= day)
        }
        if len(at_once) > len(best):
            best = list(at_once.values())
    return best


def helper_overload(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """HELPER_OVERLOAD: a helper paired with more households at one time than the
    configured limit ([helpers] max_households). One finding per helper, naming no
    household, in each village among those households (each village's inspector sees
    it); the households, with their villages, are its evidence."""
    limit = ctx.settings.helper_max_households
    by_helper: dict[int, list[tuple[HouseholdFacts, PairingFact]]] = defaultdict(list)
    for hh in facts.households:
        for p in hh.pairings:
            by_helper[p.helper_key].append((hh, p))
    for pairings in by_helper.values():
        if len({id(hh) for hh, _ in pairings}) <= limit:
            continue
        at_once = _most_at_once(pairings)
        if len(at_once) <= limit:
            continue
        at_once.sort(key=lambda h: (h.village_code, h.household_no))
        name = pairings[0][1].helper_name
        for village in dict.fromkeys(h.village_code for h in at_once):
            yield Finding(
                "HELPER_OVERLOAD",
                "error",
                village,
                None,
                f"帮扶责任人 {name} 同时帮扶 {len(at_once)} 户(不超过 {limit} 户): "
                + "、".join(h.label for h in at_once),
                tuple(h.roster(f"帮扶责任人 {name}") for h in at_once),
            )


def pairing_before_identification(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """PAIRING_BEFORE_IDENTIFICATION: a pairing that starts in a year before the
    household was identified (识别年度)."""
    for hh in facts.households:
        if hh.identification_year is None:
            continue
        for p in hh.pairings:
            if p.start is not None and p.start.year < hh.identification_year:
                yield _finding(
                    hh,
                    "PAIRING_BEFORE_IDENTIFICATION",
                    "error",
                    f"{hh.label}: 帮扶责任人 {p.helper_name} 的帮扶开始日期 {p.start} "
                    f"早于识别年度 {hh.identification_year} 年",
                    hh.roster(f"识别年度 {hh.identification_year}, 帮扶开始日期 {p.start}"),
                )


def _date_slip(later: dt.date, earlier: dt.date) -> bool:
    """Whether one misread digit of either date's month or day would put them in order:
    OCR may have slipped (a date read from a scan cannot be told from one typed). A
    year read wrong is not counted: one digit of it would excuse any two dates."""

    def one_off(day: dt.date) -> Iterator[dt.date]:
        text = f"{day:%Y%m%d}"
        for i, digit in enumerate(text[4:], start=4):
            for other in "0123456789":
                if other != digit:
                    with contextlib.suppress(ValueError):
                        yield dt.datetime.strptime(
                            text[:i] + other + text[i + 1 :], "%Y%m%d"
                        ).date()

    return any(d <= earlier for d in one_off(later)) or any(d >= later for d in one_off(earlier))


IDENTIFICATION_STEPS = ("H01", "H02", "H03", "H04")
"""The identification procedure's papers in the order its steps are taken (seed 000:
申请, 入户调查, 民主评议, 审核审批)."""


def dates_out_of_order(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """DATE_ORDER: dates that must run one way run the other: a paper of an earlier step
    of the identification procedure dated after a paper of a later step of the same round
    ([dates] round_days apart at most), each as dated on the paper (not when it was
    photographed), a warning when a date read by OCR is one misread digit of month or
    day from being in order; in the roster, an exit before the identification year or a
    pairing that ends before it starts."""
    step = {code: i for i, code in enumerate(IDENTIFICATION_STEPS)}
    window = dt.timedelta(days=ctx.settings.round_days)

    def name(code: str) -> str:
        return ctx.scheme.types[code].name.split("/")[0]

    for hh in facts.households:
        papers = sorted(hh.papers.written, key=lambda r: step[r.value[0]])
        for earlier in papers:
            code, day, ocr = earlier.value
            before = [
                later
                for later in papers
                if step[later.value[0]] > step[code]
                and later.value[1] < day <= later.value[1] + window
            ]
            if before:
                slip = any(
                    (ocr or later.value[2]) and _date_slip(day, later.value[1]) for later in before
                )
                yield _finding(
                    hh,
                    "DATE_ORDER",
                    "warning" if slip else "error",
                    f"{hh.label}: {name(code)}日期 {day} 晚于"
                    + "、".join(f"{name(later.value[0])}日期 {later.value[1]}" for later in before)
                    + "(应依次申请、入户调查、评议、审批)"
                    + (", 一位数字之差即可颠倒, 疑为识读误差" if slip else ""),
                    *(r.evidence for r in (earlier, *before)),
                )
        exited, identified = hh.exit_year, hh.identification_year
        if exited is not None and identified is not None and exited < identified:
            yield _finding(
                hh,
                "DATE_ORDER",
                "error",
                f"{hh.label}: 脱贫年度 {exited} 早于识别年度 {identified}",
                hh.roster(f"识别年度 {identified}, 脱贫年度 {exited}"),
            )
        for pairing in hh.pairings:
            if pairing.start and pairing.end and pairing.end < pairing.start:
                yield _finding(
                    hh,
                    "DATE_ORDER",
                    "error",
                    f"{hh.label}: 帮扶责任人 {pairing.helper_name} 的帮扶结束日期 {pairing.end}"
                    f" 早于开始日期 {pairing.start}",
                    hh.roster(f"帮扶开始日期 {pairing.start}, 帮扶结束日期 {pairing.end}"),
                )


def large_households(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """HOUSEHOLD_LARGE: a household at least [households] large_members strong, which the
    national system's logical checks flag for a second look."""
    limit = ctx.settings.large_household_members
    for hh in facts.households:
        if hh.members is not None and hh.members >= limit:
            yield _finding(
                hh,
                "HOUSEHOLD_LARGE",
                "warning",
                f"{hh.label} 家庭人口 {hh.members} 人(达到 {limit} 人, 请核实)",
                hh.roster(f"家庭人口 {hh.members}"),
            )


def exit_below_line(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """EXIT_BELOW_LINE: a household that had exited by the year of the roster's income
    (see `_roster_income_year`; the exit year when no paper dates it) whose income per
    person is below that year's poverty line ([poverty_line])."""
    for hh in facts.households:
        if hh.exit_year is None or hh.annual_income is None:
            continue
        year = _roster_income_year(hh) or hh.exit_year
        line = ctx.settings.poverty_lines.get(year)
        if year < hh.exit_year or line is None or hh.annual_income >= line:
            continue
        yield _finding(
            hh,
            "EXIT_BELOW_LINE",
            "error",
            f"{hh.label} 于 {hh.exit_year} 年脱贫, {year} 年人均纯收入 {hh.annual_income:g} 元"
            f"低于当年扶贫标准 {line:g} 元",
            hh.roster(f"脱贫年度 {hh.exit_year}, 年人均纯收入 {hh.annual_income:g}"),
        )


# -- three-way check (三对照: manual, work log, archive; seed 001 adds the roster) -------


def _by_source(
    readings: list[Reading], sources: tuple[str, ...] | None = None
) -> dict[str, Reading]:
    """Each source's reading: the value it gives most often (its first line with that
    value as the evidence)."""
    grouped: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        if sources is None or reading.source in sources:
            grouped[reading.source].append(reading)
    out = {}
    for source, group in grouped.items():
        common = Counter(r.value for r in group).most_common(1)[0][0]
        out[source] = next(r for r in group if r.value == common)
    return out


def _side_by_side(readings: dict[str, Reading], show: Callable[[Any], str]) -> str:
    return ", ".join(f"{source}记{show(r.value)}" for source, r in readings.items())


_READ_FROM = (
    ("家庭人口", "members", (MANUAL, INFO_FORM)),
    ("帮扶责任人", "helpers", (MANUAL,)),
    ("人均纯收入", "incomes", (MANUAL, "年度收入调查表")),
    ("姓名、身份证号或出生日期", "identity", (ID_COPY,)),
)


def unreadable_sources(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """SOURCE_UNREADABLE: a source a rule compares is in the archive, but the fact could
    not be read from it (a blurred scan, a form of another layout): it is reported,
    never counted as agreement. Village papers: see `unreadable_village_papers`."""
    yield from unreadable_village_papers(facts, ctx)
    for hh in facts.households:
        for what, attribute, sources in _READ_FROM:
            read = {r.source for r in getattr(hh.papers, attribute)}
            for source in sources:
                if source in hh.papers.sources and source not in read:
                    yield _finding(
                        hh,
                        "SOURCE_UNREADABLE",
                        "warning",
                        f"{hh.label}: {source}中未能读出{what}, 无法核对(不视为一致)",
                    )


def members_mismatch(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """MEMBERS_MISMATCH: the roster's household size against the 扶贫手册's and the
    信息采集表's (seed 001: 基础信息与扶贫手册、信息采集表保持一致)."""
    papers = (MANUAL, INFO_FORM)
    for hh in facts.households:
        got = _by_source(hh.papers.members, papers)
        if hh.members is not None:
            got = {ROSTER: Reading(ROSTER, hh.members, hh.roster(f"家庭人口 {hh.members}")), **got}
        if len({r.value for r in got.values()}) > 1:
            yield _finding(
                hh,
                "MEMBERS_MISMATCH",
                "error",
                f"{hh.label} 家庭人口不一致: " + _side_by_side(got, lambda v: f"{v}人"),
                *(r.evidence for r in got.values()),
            )


def _one_apart(a: str, b: str) -> bool:
    """Names of the same length that differ in one character."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def helper_mismatch(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """HELPER_MISMATCH: the roster names helpers none of whom the 扶贫手册 or the 结对帮扶
    登记表 names (a household with no helper in the roster is NO_HELPER's). A name one
    character away from the roster's may be an OCR slip: reported as a warning."""
    for hh in facts.households:
        roster = {p.helper_name for p in hh.pairings}
        if not roster:
            continue
        for source in (MANUAL, "结对帮扶登记表"):
            # the head's own name is read off a signature line that OCR ran together
            named = [r for r in hh.papers.helpers if r.source == source and r.value != hh.head_name]
            if not named or any(r.value in roster for r in named):
                continue
            doubtful = any(_one_apart(r.value, n) for r in named for n in roster)
            yield _finding(
                hh,
                "HELPER_MISMATCH",
                "warning" if doubtful else "error",
                f"{hh.label} 帮扶责任人不一致"
                + ("(可能为识别误差, 请核对原件)" if doubtful else "")
                + f": 花名册记{'、'.join(sorted(roster))}, "
                f"{source}记{'、'.join(dict.fromkeys(r.value for r in named))}",
                hh.roster(f"帮扶责任人 {'、'.join(sorted(roster))}"),
                named[0].evidence,
            )


def _roster_income_year(hh: HouseholdFacts) -> int | None:
    """The year the roster's income is taken to be: the latest year surveyed (年度收入
    调查表), else the latest the manual records. The roster names no year of its own."""
    surveyed = [r.value[0] for r in hh.papers.incomes if r.source == "年度收入调查表"]
    written = surveyed or [r.value[0] for r in hh.papers.incomes if r.source == MANUAL]
    return max(written) if written else None


def income_mismatch(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """INCOME_MISMATCH: a year's income per person differs between the 扶贫手册, the
    年度收入调查表, the 脱贫计划落实情况表, the 信息采集表 and the roster by more than
    [income] tolerance."""
    tolerance = ctx.settings.income_tolerance
    for hh in facts.households:
        by_year: dict[int, list[Reading]] = defaultdict(list)
        for reading in hh.papers.incomes:
            by_year[reading.value[0]].append(reading)
        roster_year = _roster_income_year(hh)
        if roster_year is not None and hh.annual_income is not None:
            value = (roster_year, hh.annual_income)
            by_year[roster_year].append(
                Reading(ROSTER, value, hh.roster(f"年人均纯收入 {hh.annual_income:g}"))
            )
        for year in sorted(by_year):
            got = _by_source(by_year[year])
            amounts = [r.value[1] for r in got.values()]
            if len(got) < 2 or max(amounts) - min(amounts) <= tolerance:
                continue
            doubtful = all(abs(x - y) <= tolerance or _slip(x, y) for x in amounts for y in amounts)
            yield _finding(
                hh,
                "INCOME_MISMATCH",
                "warning" if doubtful else "error",
                f"{hh.label} {year}年人均纯收入不一致"
                + ("(数字可能为识别误差, 请核对原件)" if doubtful else "")
                + ": "
                + _side_by_side(got, lambda v: f"{v[1]:g}元"),
                *(r.evidence for r in got.values()),
            )


def _slip(a: float, b: float) -> bool:
    """Whether two numbers differ the way an OCR slip makes them differ: one digit
    dropped or doubled (2200 read as 200), in numbers of three digits or more. A digit
    changed for another is no slip to tell apart from a real difference."""
    x, y = (f"{v:g}" for v in sorted((a, b), key=lambda v: len(f"{v:g}")))
    if len(y) != len(x) + 1 or len(x) < 3:
        return False
    return any(y[:i] + y[i + 1 :] == x for i in range(len(y)))


def _disagreement(a: Measure, b: Measure) -> str | None:
    """ "clear" when, for a unit both count, the two share no number and not every
    difference could be an OCR slip; "doubtful" when every difference could; None when
    they agree. (An outcome column may add numbers the other source leaves out.)"""
    ca, cb = a.counts(), b.counts()
    worst = None
    for unit in ca.keys() & cb.keys():
        if set(ca[unit]) & set(cb[unit]):
            continue
        if all(_slip(x, y) for x in ca[unit] for y in cb[unit]):
            worst = worst or "doubtful"
        else:
            return "clear"
    return worst


def measure_mismatch(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """MEASURE_MISMATCH: the 扶贫手册, the work log and the 脱贫计划落实情况表 record a
    measure of the same category on the same day with different numbers (种猪 2 头 and
    4 头; 月工资 2200 元 and 4400 元)."""
    for hh in facts.households:
        by_key: dict[tuple[dt.date, str], dict[str, Reading]] = defaultdict(dict)
        for reading in hh.papers.measures:
            measure: Measure = reading.value
            if measure.date is not None:
                by_key[(measure.date, measure.category)].setdefault(reading.source, reading)
        for (day, category), got in sorted(by_key.items()):
            readings = list(got.values())
            kinds = {
                _disagreement(a.value, b.value)
                for i, a in enumerate(readings)
                for b in readings[i + 1 :]
            } - {None}
            if not kinds:
                continue
            doubtful = "clear" not in kinds
            yield _finding(
                hh,
                "MEASURE_MISMATCH",
                "warning" if doubtful else "error",
                f"{hh.label} {day} {category}措施记录不一致"
                + ("(数字可能为识别误差, 请核对原件)" if doubtful else "")
                + ": "
                + "; ".join(f"{r.source}记“{r.value.line}”" for r in readings),
                *(r.evidence for r in readings),
            )


# -- village working rules (seed 000, seed 003) --------------------------------------


ROUND_NAMES = {"identify": "贫困户识别", "exit": "脱贫退出"}


def round_papers(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """MISSING_ITEM for a village: a round of identification or exit (a year in which the
    roster identifies or exits households of the village) without its two 公示 and one
    公告 (两公示一公告, seed 003) among the village's notices of that kind and year."""
    rounds: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for hh in facts.households:
        if hh.identification_year:
            rounds[hh.village_code].add(("identify", hh.identification_year))
        if hh.exit_year:
            rounds[hh.village_code].add(("exit", hh.exit_year))
    for village in facts.villages:
        held = Counter((r.value[1], r.value[2], r.value[0]) for r in village.papers.postings)
        for kind, year in sorted(rounds.get(village.code, ())):
            notices, announcements = held[(kind, year, "公示")], held[(kind, year, "公告")]
            if notices >= 2 and announcements >= 1:
                continue
            yield Finding(
                "MISSING_ITEM",
                "error",
                village.code,
                None,
                f"{village.name} {year}年{ROUND_NAMES[kind]}缺少公示公告: 应两次公示一次公告, "
                f"档案中有公示 {notices} 份、公告 {announcements} 份",
                tuple(r.evidence for r in village.papers.postings if r.value[1:] == (kind, year)),
            )


def meeting_gaps(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """MEETING_GAP: a month without village meeting minutes (会议记录), between the first
    and the last month of a year that has minutes (when meetings began or stopped that
    year the archive cannot tell). One finding per missing month; the minutes before and
    after it are its evidence."""
    for village in facts.villages:
        # minutes whose date could not be read may be the month's: the gap is then doubtful
        undated = [r for r in village.papers.unread if r.source == "会议记录"]
        held: dict[tuple[int, int], Reading] = {}
        for reading in village.papers.meetings:
            held.setdefault((reading.value.year, reading.value.month), reading)
        for year in sorted({y for y, _ in held}):
            months = sorted(m for y, m in held if y == year)
            for month in range(months[0], months[-1] + 1):
                if (year, month) in held:
                    continue
                before = held[(year, max(m for m in months if m < month))]
                after = held[(year, min(m for m in months if m > month))]
                yield Finding(
                    "MEETING_GAP",
                    "warning" if undated else "error",
                    village.code,
                    None,
                    f"{village.name} {year}年{month}月无会议记录(每月至少召开一次)"
                    + (f"; 另有 {len(undated)} 份会议记录日期未能读出, 请核对" if undated else ""),
                    (before.evidence, after.evidence, *(r.evidence for r in undated)),
                )


def _quarter_days(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, after - dt.timedelta(days=1)


def few_visits(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """VISIT_FREQUENCY: a helper visited a household fewer than [visits] per_quarter days
    in a quarter. Judged only for quarters whose three months the village's work logs
    all cover (a log that is missing cannot say there was no visit) and that a pairing of
    the household runs through from the first day to the last. Visits are counted as the
    log records them (two on one day count twice). A head whose name another head of the
    village shares cannot be told apart in a log, and a shortfall that the log's visits to
    a household it could not name would make up may be an OCR misreading: warnings."""
    need = ctx.settings.visits_per_quarter
    if need <= 0:
        return
    logs = {v.code: {r.value: r for r in v.papers.logs} for v in facts.villages}
    unplaced = {v.code: v.papers.unplaced_visits for v in facts.villages}
    namesakes = Counter((hh.village_code, hh.head_name) for hh in facts.households)
    for hh in facts.households:
        covered = logs.get(hh.village_code, {})
        if covered and hh.pairings and namesakes[(hh.village_code, hh.head_name)] > 1:
            yield _finding(
                hh,
                "VISIT_FREQUENCY",
                "warning",
                f"{hh.label}: 本村另有户主同名, 工作日志所记走访无法区分是哪一户, 未能核对入户次数",
            )
            continue
        for year in sorted({y for y, _ in covered}):
            for quarter in range(1, 5):
                months = [(year, m) for m in range(3 * quarter - 2, 3 * quarter + 1)]
                if not all(m in covered for m in months):
                    continue
                first, last = _quarter_days(year, quarter)
                if not any(
                    (p.start is None or p.start <= first) and (p.end is None or p.end >= last)
                    for p in hh.pairings
                ):
                    continue
                seen = [r for r in hh.papers.visits if first <= r.value <= last]
                if len(seen) >= need:
                    continue
                doubt = [r for r in unplaced.get(hh.village_code, ()) if first <= r.value <= last]
                maybe = len(seen) + len(doubt) >= need
                yield _finding(
                    hh,
                    "VISIT_FREQUENCY",
                    "warning" if maybe else "error",
                    f"{hh.label} {year}年第{quarter}季度入户走访 {len(seen)} 次"
                    f"(每季度不少于 {need} 次)"
                    + (f"; 本村另有 {len(doubt)} 条走访未能认出户主, 请核对" if maybe else ""),
                    *(r.evidence for r in seen),
                    *(r.evidence for r in doubt if maybe),
                    *(covered[m].evidence for m in months),
                )


def short_notices(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """NOTICE_TOO_SHORT: a 公示 posted for fewer days than [notices] min_days (seed 003:
    不少于7天), counting its first and last day."""
    least = ctx.settings.notice_min_days
    for village in facts.villages:
        for reading in village.papers.notices:
            start, end = reading.value
            days = (end - start).days + 1
            if days < least:
                yield Finding(
                    "NOTICE_TOO_SHORT",
                    "error",
                    village.code,
                    None,
                    f"{village.name} 公示期 {start} 至 {end}, 仅 {days} 天(不少于 {least} 天)",
                    (reading.evidence,),
                )


def unreadable_village_papers(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """SOURCE_UNREADABLE for village papers: minutes whose date or a 公示 whose posting
    period could not be read (not counted as a meeting held or a period long enough)."""
    for village in facts.villages:
        for reading in village.papers.unread:
            yield Finding(
                "SOURCE_UNREADABLE",
                "warning",
                village.code,
                None,
                f"{village.name}: {reading.source}中未能读出{reading.value}, 无法核对(不视为合规)",
                (reading.evidence,),
            )


# -- signatures (seed 000: 签字或盖指印; seed 001: 不得漏签) -------------------------------


def missing_signatures(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """SIGNATURE_MISSING: a field labelled for a signature (签字：, 签名：, 按手印：) on an
    item's page with no ink and no red in it. Fields are found on OCR'd pages only: an
    item whose text came from a text layer or DOCX has none to judge."""
    for hh in facts.households:
        for found in hh.unsigned:
            yield _finding(
                hh,
                "SIGNATURE_MISSING",
                "error",
                f"{hh.label}: {found.title or found.doc_type} 第 {found.page} 页"
                f"“{found.label}”处未签字或按手印",
                found.evidence(),
            )
    for village in facts.villages:
        for found in village.unsigned:
            yield Finding(
                "SIGNATURE_MISSING",
                "error",
                village.code,
                None,
                f"{village.name}: {found.title or found.doc_type} 第 {found.page} 页"
                f"“{found.label}”处未签字或按手印",
                (found.evidence(),),
            )


RULES: tuple[Rule, ...] = (
    Rule("MISSING_ITEM", "必备材料齐全(一户一档, 两公示一公告)", missing_items),
    Rule("ITEM_NOT_FILED", "已收到的必备材料待确认归档", items_in_review),
    Rule("ID_INVALID", "户主身份证号有效", invalid_id_numbers),
    Rule("ID_BIRTH_CONFLICT", "身份证号出生日期与证件、年龄相符", id_birth_conflicts),
    Rule("NO_HELPER", "每户有帮扶责任人", no_helper),
    Rule("HELPER_IS_HOUSEHOLD", "帮扶责任人不是建档立卡户", helper_is_household, True),
    Rule("HELPER_OVERLOAD", "帮扶责任人同时帮扶不超过规定户数", helper_overload, True),
    Rule("PAIRING_BEFORE_IDENTIFICATION", "帮扶不早于识别", pairing_before_identification),
    Rule("DATE_ORDER", "日期先后合乎程序", dates_out_of_order),
    Rule("HOUSEHOLD_LARGE", "大户人口核实", large_households),
    Rule("MEMBERS_MISMATCH", "三对照: 家庭人口一致", members_mismatch),
    Rule("HELPER_MISMATCH", "三对照: 帮扶责任人一致", helper_mismatch),
    Rule("INCOME_MISMATCH", "三对照: 人均纯收入一致", income_mismatch),
    Rule("MEASURE_MISMATCH", "三对照: 帮扶措施一致", measure_mismatch),
    Rule("MEETING_GAP", "每月召开村扶贫会议", meeting_gaps),
    Rule("NOTICE_TOO_SHORT", "公示期不少于规定天数", short_notices),
    Rule("VISIT_FREQUENCY", "帮扶责任人按规定次数入户走访", few_visits),
    Rule("SOURCE_UNREADABLE", "核对所需的材料可读出", unreadable_sources),
    Rule("SIGNATURE_MISSING", "签字处有签字或手印", missing_signatures),
    Rule("EXIT_BELOW_LINE", "脱贫户收入达到扶贫标准", exit_below_line),
)
BY_CODE = {rule.code: rule for rule in RULES}
