"""The audit rules: each a small function over the archive's facts, registered in one
table (`RULES`). A rule judges facts; it never reads text (that is `audit.facts`).

Adding a rule is one function, one entry in `RULES` and one test. Codes are stable
(DESIGN.md): a code never changes meaning.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dangan.archive import idnumber
from dangan.archive.scheme import Scheme
from dangan.audit.facts import Facts, HouseholdFacts, PairingFact
from dangan.audit.findings import Evidence, Finding
from dangan.audit.settings import AuditSettings


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


def _finding(
    hh: HouseholdFacts, rule: str, severity: str, message: str, *evidence: Evidence
) -> Finding:
    return Finding(rule, severity, hh.village_code, hh.household_no, message, tuple(evidence))


# -- completeness (一户一档) -------------------------------------------------------------


def missing_items(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """MISSING_ITEM: a required item (scheme.toml [required]; an exited household also
    its exit papers) of which the file holds none, filed or waiting in review."""
    for hh in facts.households:
        have = {item.doc_type for item in hh.items}
        for code in ctx.scheme.required_for(hh.exit_year is not None):
            if code in have:
                continue
            name = ctx.scheme.types[code].name
            why = f"(脱贫年度 {hh.exit_year})" if code in ctx.scheme.required_exited else ""
            yield _finding(
                hh,
                "MISSING_ITEM",
                "error",
                f"{hh.label} 的档案缺少{name}({code}){why}",
                hh.roster(
                    f"识别年度 {hh.identification_year or '未填'}, 脱贫年度 {hh.exit_year or '未脱贫'}"
                ),
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


def _open_pairings(hh: HouseholdFacts, today: dt.date) -> list[PairingFact]:
    return [p for p in hh.pairings if p.end is None or p.end >= today]


def no_helper(facts: Facts, ctx: Context) -> Iterator[Finding]:
    """NO_HELPER: no helper paired with the household, or (for a household that has not
    exited) none whose pairing is still running."""
    for hh in facts.households:
        if not hh.pairings:
            detail = "花名册中无帮扶责任人"
        elif hh.exit_year is None and not _open_pairings(hh, ctx.today):
            last = max((p.end for p in hh.pairings if p.end), default=None)
            detail = f"帮扶已于 {last} 结束, 尚未脱贫"
        else:
            continue
        yield _finding(
            hh, "NO_HELPER", "error", f"{hh.label}: {detail}", hh.roster(f"帮扶责任人: {detail}")
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
    household; the households are its evidence."""
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
        yield Finding(
            "HELPER_OVERLOAD",
            "error",
            at_once[0].village_code,
            None,
            f"帮扶责任人 {name} 同时帮扶 {len(at_once)} 户(不超过 {limit} 户): "
            + "、".join(h.head_name for h in at_once),
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
    """EXIT_BELOW_LINE: an exited household whose income per person is below the
    poverty line of its exit year ([poverty_line])."""
    for hh in facts.households:
        line = ctx.settings.poverty_lines.get(hh.exit_year or 0)
        if line is None or hh.annual_income is None or hh.annual_income >= line:
            continue
        yield _finding(
            hh,
            "EXIT_BELOW_LINE",
            "error",
            f"{hh.label} 于 {hh.exit_year} 年脱贫, 年人均纯收入 {hh.annual_income:g} 元"
            f"低于当年扶贫标准 {line:g} 元",
            hh.roster(f"脱贫年度 {hh.exit_year}, 年人均纯收入 {hh.annual_income:g}"),
        )


RULES: tuple[Rule, ...] = (
    Rule("MISSING_ITEM", "一户一档: 必备材料齐全", missing_items),
    Rule("ITEM_NOT_FILED", "已收到的必备材料待确认归档", items_in_review),
    Rule("ID_INVALID", "户主身份证号有效", invalid_id_numbers),
    Rule("NO_HELPER", "每户有帮扶责任人", no_helper),
    Rule("HELPER_IS_HOUSEHOLD", "帮扶责任人不是建档立卡户", helper_is_household),
    Rule("HELPER_OVERLOAD", "帮扶责任人同时帮扶不超过规定户数", helper_overload),
    Rule("PAIRING_BEFORE_IDENTIFICATION", "帮扶不早于识别", pairing_before_identification),
    Rule("HOUSEHOLD_LARGE", "大户人口核实", large_households),
    Rule("EXIT_BELOW_LINE", "脱贫户收入达到扶贫标准", exit_below_line),
)
BY_CODE = {rule.code: rule for rule in RULES}
