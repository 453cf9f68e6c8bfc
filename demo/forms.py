"""The text of each document type, as blocks a renderer lays out on pages.

Every document starts with its form title on the first line. Household forms carry
the head's name, ID number, village, dates in Chinese formats, amounts in 元, members,
measures and helpers; village forms carry meeting dates, attendees, work-log entries
naming households, 公示 periods. Facts come from ``people``; where ``faults`` planted a
disagreement the 扶贫手册 (``manual_overrides``), the work log (``log_overrides``) and
the roster (``roster_overrides``, used by ``roster``) show their own version.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from dangan.demo.people import (
    CITY,
    COUNTY,
    POVERTY_LINE,
    PROVINCE,
    Batch,
    Household,
    Township,
    Village,
)
from dangan.demo.tradmap import to_traditional

# -- blocks ----------------------------------------------------------------------------


class V(str):
    """A filled-in value: handwritten on paper forms, typed in electronic ones."""

    __slots__ = ()


class Sig(V):
    """A signature: by hand, on a typed form too."""

    __slots__ = ()


def head_signs(hh: Household, doc_type: str) -> Sig:
    """The head's signature on a form, or the blank left where it is missing."""
    return Sig("" if doc_type in hh.unsigned else hh.head.name)


Cell = str | tuple[str, int]
"""A table cell: its text, or (text, number of columns it spans)."""


@dataclass
class Para:
    runs: tuple[str, ...]
    size: float = 12.0
    align: str = "left"  # left | center | right
    font: str = "serif"  # serif | sans | bold
    indent: float = 0.0  # first-line indent in em
    before: float = 0.0
    after: float = 4.0


@dataclass
class Grid:
    rows: list[list[Cell]]
    widths: list[float]
    size: float = 11.0
    min_height: float = 22.0


@dataclass
class Seal:
    text: str  # the unit's name around the rim
    dx: float = 0.0  # offset of the centre from the right margin area, in pt


@dataclass
class Gap:
    height: float


@dataclass
class PageBreak:
    pass


@dataclass
class IdCard:
    name: str
    sex: str
    nation: str
    birth: dt.date
    address: str
    id_number: str
    authority: str
    valid: str


Block = Para | Grid | Seal | Gap | PageBreak | IdCard


@dataclass
class Document:
    doc_type: str
    form_title: str  # the first line
    title: str  # the catalog title (题名)
    date: dt.date
    village_code: str
    village: str
    household_no: str | None
    head_name: str | None
    blocks: list[Block]
    id_numbers: list[str] = field(default_factory=list)
    handwritten: bool = True  # values are filled in by hand on paper
    page: str = "A4"  # A4 | A4L | A5
    traditional: bool = False

    @property
    def year(self) -> int:
        return self.date.year


def P(*runs: str, **kw: object) -> Para:
    return Para(tuple(runs), **kw)  # type: ignore[arg-type]


def title_block(text: str, size: float = 18.0) -> Para:
    return Para((text,), size=size, align="center", font="bold", after=10.0)


def cell_text(cell: Cell) -> str:
    return cell[0] if isinstance(cell, tuple) else cell


def block_lines(block: Block) -> list[str]:
    """The logical text lines of a block (no wrapping)."""
    if isinstance(block, Para):
        return ["".join(block.runs)]
    if isinstance(block, Grid):
        return [" ".join(t for t in (cell_text(c) for c in row) if t) for row in block.rows]
    if isinstance(block, IdCard):
        return id_card_lines(block)
    return []


def id_card_lines(card: IdCard) -> list[str]:
    return [
        f"姓名 {card.name}",
        f"性别 {card.sex} 民族 {card.nation}",
        f"出生 {card.birth.year}年{card.birth.month}月{card.birth.day}日",
        f"住址 {card.address}",
        f"公民身份号码 {card.id_number}",
        "中华人民共和国",
        "居民身份证",
        f"签发机关 {card.authority}",
        f"有效期限 {card.valid}",
    ]


def document_text(doc: Document) -> str:
    """The whole text of a document, one logical line per line (no layout)."""
    lines: list[str] = []
    for block in doc.blocks:
        lines.extend(block_lines(block))
    return "\n".join(line for line in lines if line)


def traditional(doc: Document) -> Document:
    """The same document written in Traditional characters (its metadata, the head's
    name and the village, stay as the roster writes them)."""

    def conv(s: str) -> str:
        out = to_traditional(s)
        return type(s)(out) if isinstance(s, V) else out

    def conv_cell(c: Cell) -> Cell:
        return (conv(c[0]), c[1]) if isinstance(c, tuple) else conv(c)

    blocks: list[Block] = []
    for b in doc.blocks:
        if isinstance(b, Para):
            blocks.append(replace(b, runs=tuple(conv(r) for r in b.runs)))
        elif isinstance(b, Grid):
            blocks.append(replace(b, rows=[[conv_cell(c) for c in row] for row in b.rows]))
        elif isinstance(b, Seal):
            blocks.append(replace(b, text=conv(b.text)))
        elif isinstance(b, IdCard):
            blocks.append(
                replace(b, name=conv(b.name), address=conv(b.address), authority=conv(b.authority))
            )
        else:
            blocks.append(b)
    return replace(
        doc,
        blocks=blocks,
        form_title=conv(doc.form_title),
        title=conv(doc.title),
        traditional=True,  # head_name and village stay as the roster writes them
    )


# -- formats -------------------------------------------------------------------------

_DIGITS = "〇一二三四五六七八九"


def zh_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def fmt_date(d: dt.date, style: str = "arabic") -> str:
    """2018年3月5日 (arabic), 2018年03月05日 (padded) or 二〇一八年三月五日 (zh)."""
    if style == "zh":
        return (
            "".join(_DIGITS[int(c)] for c in str(d.year))
            + "年"
            + zh_number(d.month)
            + "月"
            + zh_number(d.day)
            + "日"
        )
    if style == "padded":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_money(n: int, style: int = 0) -> str:
    return (f"{n}元", f"{n:,}元", f"{n}.00元")[style % 3]


_WEEKDAYS = "一二三四五六日"
_WEATHER = ("晴", "晴", "多云", "阴", "小雨", "晴转多云")


class _Ctx:
    """Per-document choices: date style and money style, from the document's own rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.style = rng.choices(("arabic", "padded", "zh"), weights=(70, 15, 15))[0]
        self.money = rng.choices((0, 1, 2), weights=(70, 15, 15))[0]

    def d(self, date: dt.date) -> str:
        return fmt_date(date, self.style)

    def sig_date(self, date: dt.date) -> str:
        # signature dates are the ones most often written out in Chinese numerals
        return fmt_date(date, "zh" if self.rng.random() < 0.3 else self.style)

    def m(self, n: int) -> str:
        return fmt_money(n, self.money)


# -- household documents -----------------------------------------------------------

DOC_TITLES: dict[str, tuple[str, ...]] = {
    "H01": ("贫困户申请书", "建档立卡贫困户申请书", "精准扶贫申请书"),
    "H02": ("贫困户入户调查表", "建档立卡贫困户认定调查表"),
    "H03": ("贫困户民主评议表",),
    "H04": ("建档立卡贫困户审批表",),
    "H05": ("贫困户信息采集表",),
    "H06": ("贫困户确认告知书",),
    "H07": ("贫困户扶贫手册",),
    "H08": ("结对帮扶登记表",),
    "H09": ("脱贫计划落实情况表",),
    "H11": ("贫困户年度收入调查表",),
    "H12": ("精准扶贫帮扶联系卡", "帮扶连心卡"),
    "H13": ("贫困户脱贫验收表",),
    "H15": ("户主身份证复印件",),
    "H16": ("照片",),
    "V02": ("扶贫工作会议记录",),
    "V03": ("驻村工作队工作日志",),
    "V04": ("民主评议会议记录",),
    "V05": ("公示",),
    "V07": ("分户脱贫台账",),
}

_CAUSE_STORY = {
    "因病": "{who}常年患病，长期吃药治疗，医疗花费大，家中欠下外债",
    "因残": "{who}身有残疾，丧失劳动能力，家庭收入来源少",
    "因学": "家中有子女上学，教育支出大，家庭负担重",
    "缺技术": "家中劳动力没有技术，只能种几亩薄地，收入很低",
    "缺劳力": "家中缺少劳动力，年老体弱，收入来源少",
    "缺资金": "想发展养殖但缺少资金，家庭收入低",
    "因灾": "房屋和庄稼遭受冰雹灾害，损失严重",
    "自身发展动力不足": "家庭收入来源单一，生活困难",
    "交通条件落后": "居住偏远，交通不便，农产品卖不出去",
    "缺土地": "家中耕地少，收入来源少",
}


def _who(hh: Household) -> str:
    sick = next((m for m in hh.members if m.health != "健康"), hh.head)
    return "本人" if sick is hh.head else f"{sick.relation}{sick.name}"


def cause_story(hh: Household) -> str:
    return _CAUSE_STORY[hh.cause].format(who=_who(hh))


def _helper_fields(hh: Household) -> tuple[str, str, str, str]:
    h = hh.helper
    if h is None:
        return ("", "", "", "")
    return (h.name, h.unit, h.post, h.phone)


def _doc(
    hh: Household,
    doc_type: str,
    rng: random.Random,
    date: dt.date,
    blocks: list[Block],
    form_title: str,
    **kw: object,
) -> Document:
    return Document(
        doc_type=doc_type,
        form_title=form_title,
        title=f"{hh.head.name}{form_title}",
        date=date,
        village_code=hh.village_code,
        village=hh.village,
        household_no=hh.household_no,
        head_name=hh.head.name,
        blocks=blocks,
        id_numbers=[hh.head.id_number],
        **kw,  # type: ignore[arg-type]
    )


def _pick_title(doc_type: str, rng: random.Random) -> str:
    return rng.choice(DOC_TITLES[doc_type])


def h01_application(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H01", rng)
    assert hh.apply_date is not None
    income = hh.incomes[hh.identified_year]
    body = (
        f"我叫{hh.head.name}，家住{v.name}{hh.group}组，身份证号{hh.head.id_number}，"
        f"家庭人口{hh.size}人。{cause_story(hh)}。家庭年人均纯收入约{income}元，"
        "生活十分困难。根据国家精准扶贫政策，特申请纳入建档立卡贫困户，请村委会和"
        "上级政府予以审查批准。"
    )
    blocks: list[Block] = [
        title_block(title),
        P(V(f"{v.name}党支部、村民委员会："), after=6),
        P(V(body), indent=2, after=6),
        P(V("此致"), indent=2),
        P(V("敬礼！"), after=16),
        P("申请人：", V(hh.head.name), align="right"),
        P(V(c.sig_date(hh.apply_date)), align="right"),
    ]
    return _doc(hh, "H01", rng, hh.apply_date, blocks, title)


def _members_grid(hh: Household, typed: bool = False) -> Grid:
    rows: list[list[Cell]] = [
        ["姓名", "与户主关系", "性别", "身份证号码", "文化程度", "健康状况", "劳动能力"]
    ]
    for m in hh.members:
        rows.append(
            [
                V(m.name),
                V(m.relation),
                V(m.sex),
                V(m.id_number),
                V(m.education),
                V(m.health),
                V(m.labour),
            ]
        )
    return Grid(rows, [1.1, 1.1, 0.6, 2.6, 1.3, 1.2, 1.3], size=10)


def h02_survey(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H02", rng)
    assert hh.survey_date is not None
    total = hh.incomes[hh.identified_year] * hh.size
    labour = sum(1 for m in hh.members if m.labour == "普通劳动力")
    blocks: list[Block] = [
        title_block(title),
        P(
            f"乡镇：{t.name}    行政村：{v.name}    村民小组：{hh.group}组    调查日期：",
            V(c.d(hh.survey_date)),
            size=11,
        ),
        Grid(
            [
                ["户主姓名", V(hh.head.name), "性别", V(hh.head.sex), "民族", V("汉族")],
                ["身份证号", (V(hh.head.id_number), 3), "联系电话", V(hh.phone)],
                [
                    "家庭人口",
                    V(f"{hh.size}人"),
                    "劳动力",
                    V(f"{labour}人"),
                    "耕地面积",
                    V(f"{hh.land_mu}亩"),
                ],
                ["住房情况", (V(hh.house), 3), "是否危房", V("否")],
                ["家庭年收入", (V(c.m(total)), 2), "人均纯收入", (V(c.m(total // hh.size)), 2)],
                ["致贫原因", (V(hh.cause), 5)],
                ["家庭情况", (V(cause_story(hh) + "。"), 5)],
            ],
            [1.3, 1.5, 1.0, 1.4, 1.1, 1.7],
        ),
        Gap(6),
        P("家庭成员情况", font="bold", size=11),
        _members_grid(hh),
        Gap(6),
        P("调查人意见：", V("经入户调查核实，该户情况属实，符合贫困户识别条件。"), size=11),
        P(
            "调查人签字：",
            Sig(f"{v.team[0]}  {v.township_cadre}"),
            "    户主签字：",
            head_signs(hh, "H02"),
            size=11,
            before=8,
        ),
    ]
    return _doc(hh, "H02", rng, hh.survey_date, blocks, title)


def _batch_of(v: Village, hh: Household, kind: str) -> Batch:
    year = hh.identified_year if kind == "identify" else hh.exit_year
    return next(b for b in v.batches if b.kind == kind and b.year == year)


def h03_review(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H03", rng)
    b = _batch_of(v, hh, "identify")
    present = rng.randint(28, 45)
    yes = present - rng.randint(0, 3)
    reps = "、".join(rng.sample([v.secretary, v.director, v.archivist, *_rep_names(v, rng, 6)], 6))
    blocks: list[Block] = [
        title_block(title),
        Grid(
            [
                ["行政村", V(v.name), "村民小组", V(f"{hh.group}组")],
                ["户主姓名", V(hh.head.name), "身份证号", V(hh.head.id_number)],
                ["家庭人口", V(f"{hh.size}人"), "致贫原因", V(hh.cause)],
                ["评议时间", V(c.d(b.review_meeting)), "评议地点", V("村委会议室")],
                ["参加评议人数", V(f"{present}人"), "同意票数", V(f"{yes}票")],
                [
                    "评议意见",
                    (V("经村民代表民主评议，该户符合建档立卡贫困户识别标准，同意纳入。"), 3),
                ],
                ["参加评议代表签字", (V(reps), 3)],
            ],
            [1.4, 1.8, 1.2, 2.6],
            min_height=30,
        ),
        Gap(10),
        P(f"{v.name}民主评议小组（盖章）", align="right"),
        Seal(f"{t.name}{v.name}民主评议小组"),
        P(V(c.sig_date(b.review_meeting)), align="right"),
    ]
    return _doc(hh, "H03", rng, b.review_meeting, blocks, title)


def _rep_names(v: Village, rng: random.Random, n: int) -> list[str]:
    from dangan.demo.people import SURNAMES, _given

    return [rng.choice(SURNAMES) + _given(rng, rng.choice("男女"), False) for _ in range(n)]


def h04_approval(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H04", rng)
    b = _batch_of(v, hh, "identify")
    income = hh.incomes[hh.identified_year]
    blocks: list[Block] = [
        title_block(title),
        P(f"{t.name}    {v.name}    编号：", V(f"{v.code}{hh.household_no}"), size=11),
        Grid(
            [
                [
                    "户主姓名",
                    V(hh.head.name),
                    "性别",
                    V(hh.head.sex),
                    "家庭人口",
                    V(f"{hh.size}人"),
                ],
                ["身份证号", (V(hh.head.id_number), 3), "人均纯收入", V(c.m(income))],
                ["家庭住址", (V(hh.address), 5)],
                ["致贫原因", (V(hh.cause), 5)],
                [
                    "村委会审查意见",
                    (
                        V(
                            f"经评议公示无异议，同意上报。  {v.director}  "
                            f"{c.d(b.notice1[1] + dt.timedelta(days=1))}"
                        ),
                        5,
                    ),
                ],
                ["乡镇审核意见", (V(f"经审核，同意。  {c.d(b.township_check)}"), 5)],
                [
                    "县扶贫办复核意见",
                    (V(f"复核无误。  {c.d(b.county_approval - dt.timedelta(days=2))}"), 5),
                ],
                [
                    "县人民政府审批意见",
                    (V(f"同意认定为建档立卡贫困户。  {c.d(b.county_approval)}"), 5),
                ],
            ],
            [1.6, 1.4, 0.8, 1.2, 1.2, 1.4],
            min_height=34,
        ),
        Gap(8),
        P(f"{COUNTY}人民政府（盖章）", align="right"),
        Seal(f"{CITY}{COUNTY}人民政府"),
        P(V(c.sig_date(b.county_approval)), align="right"),
    ]
    return _doc(hh, "H04", rng, b.county_approval, blocks, title)


def h05_collection(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H05", rng)
    assert hh.identified_date is not None
    date = hh.identified_date + dt.timedelta(days=rng.randint(10, 30))
    income = hh.incomes[hh.identified_year]
    rows: list[list[Cell]] = [
        [
            "序号",
            "姓名",
            "性别",
            "证件号码",
            "与户主关系",
            "民族",
            "文化程度",
            "健康状况",
            "劳动技能",
        ]
    ]
    for i, m in enumerate(hh.members, 1):
        rows.append(
            [
                str(i),
                m.name,
                m.sex,
                m.id_number,
                m.relation,
                "汉族",
                m.education,
                m.health,
                m.labour,
            ]
        )
    attribute = "低保贫困户" if any(x.category == "社保兜底" for x in hh.measures) else "一般贫困户"
    blocks: list[Block] = [
        title_block(title),
        P(
            f"省：{PROVINCE}  市：{CITY}  县（区）：{COUNTY}  乡镇：{t.name}  行政村：{v.name}",
            size=10.5,
        ),
        P("一、家庭成员基本情况", font="bold", size=11),
        Grid(rows, [0.5, 1.0, 0.5, 2.5, 1.0, 0.6, 1.2, 1.1, 1.1], size=9),
        Gap(6),
        P("二、家庭基本情况", font="bold", size=11),
        Grid(
            [
                ["识别标准", "国家标准", "贫困户属性", attribute],
                ["主要致贫原因", hh.cause, "识别年度", f"{hh.identified_year}年"],
                ["耕地面积", f"{hh.land_mu}亩", "住房情况", hh.house],
                ["联系电话", hh.phone, "家庭人口", f"{hh.size}人"],
                ["人均纯收入", c.m(income), "是否通生活用电", "是"],
            ],
            [1.5, 2.0, 1.5, 2.0],
            size=10,
        ),
        Gap(8),
        P(f"填表人：{v.archivist}    审核人：{v.secretary}    填表日期：{c.d(date)}", size=10.5),
    ]
    return _doc(hh, "H05", rng, date, blocks, title, handwritten=False)


def h06_notice(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H06", rng)
    b = _batch_of(v, hh, "identify")
    date = b.announcement[1] + dt.timedelta(days=rng.randint(1, 5))
    blocks: list[Block] = [
        title_block(title),
        P(V(hh.head.name), f"（身份证号：{hh.head.id_number}）：", before=8, after=8),
        P(
            f"根据国家扶贫标准和精准识别工作程序，经户主申请、村民代表民主评议、村委会审查、"
            f"乡镇审核、县扶贫办复核、县人民政府审批，并经两次公示和一次公告无异议，您家已于"
            f"{hh.identified_year}年被确认为建档立卡贫困户，家庭人口{hh.size}人，主要致贫原因为"
            f"{hh.cause}。",
            indent=2,
            after=6,
        ),
        P(
            "请您积极配合帮扶责任人落实帮扶措施，依靠自身努力早日脱贫。如家庭情况发生变化，"
            "请及时向村委会报告。",
            indent=2,
            after=6,
        ),
        P("特此告知。", indent=2, after=20),
        P(f"{t.name}人民政府", align="right"),
        Seal(f"{CITY}{COUNTY}{t.name}人民政府"),
        P(c.sig_date(date), align="right", after=20),
        P("户主签收：", V(hh.head.name), "    签收日期：", V(c.d(date)), size=11),
    ]
    return _doc(hh, "H06", rng, date, blocks, title)


def manual_income(hh: Household, year: int) -> int:
    override = hh.manual_overrides.get("income")
    if isinstance(override, dict) and year in override:
        return int(override[year])
    return hh.incomes[year]


def h07_manual(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H07", rng)
    assert hh.pairing_start is not None
    name, unit, post, phone = _helper_fields(hh)
    start = hh.pairing_start
    plan_rows: list[list[Cell]] = [["年度", "帮扶计划", "预期目标"]]
    years = sorted({m.date.year for m in hh.measures})
    for y in years:
        cats = "、".join(dict.fromkeys(m.category for m in hh.measures if m.date.year == y))
        goal = "稳定脱贫" if hh.exit_year and y >= hh.exit_year else "增加收入"
        plan_rows.append([V(f"{y}年"), V(f"落实{cats}措施"), V(goal)])
    measure_rows: list[list[Cell]] = [["时间", "类别", "帮扶措施内容", "帮扶成效"]]
    for m in hh.measures:
        measure_rows.append([V(c.d(m.date)), V(m.category), V(m.content), V(m.result)])
    result_rows: list[list[Cell]] = [["年度", "人均纯收入", "是否脱贫", "户主签字"]]
    for y in range(hh.identified_year, t.record_year + 1):
        exited = "是" if hh.exit_year is not None and y >= hh.exit_year else "否"
        result_rows.append([V(f"{y}年"), V(c.m(manual_income(hh, y))), V(exited), V(hh.head.name)])
    house = [
        ["家庭住址", (V(hh.address), 3)],
        ["联系电话", V(hh.phone), "家庭人口", V(f"{hh.size}人")],
        ["耕地面积", V(f"{hh.land_mu}亩"), "住房情况", V(hh.house)],
        [
            "识别年度",
            V(f"{hh.identified_year}年"),
            "脱贫年度",
            V(f"{hh.exit_year}年" if hh.exit_year else "未脱贫"),
        ],
    ]
    blocks: list[Block] = [
        title_block(title, 22),
        Gap(80),
        P(f"{CITY}{COUNTY}扶贫开发领导小组办公室 制", align="center", size=12, after=60),
        P("乡    镇：", V(t.name), size=14, indent=6, after=14),
        P("行 政 村：", V(v.name), size=14, indent=6, after=14),
        P("户主姓名：", V(hh.head.name), size=14, indent=6, after=14),
        P("身份证号：", V(hh.head.id_number), size=14, indent=6, after=14),
        P("建档时间：", V(c.d(start)), size=14, indent=6, after=14),
        PageBreak(),
        P("一、家庭基本情况", font="bold", size=13, after=6),
        _members_grid(hh),
        Gap(4),
        Grid(house, [1.2, 2.4, 1.2, 2.4]),  # type: ignore[arg-type]
        Gap(8),
        P("二、致贫原因", font="bold", size=13, after=6),
        P("主要致贫原因：", V(hh.cause), after=2),
        P("具体情况：", V(cause_story(hh) + "。")),
        Gap(8),
        P("三、帮扶责任人", font="bold", size=13, after=6),
        Grid(
            [
                ["姓名", "工作单位", "职务", "联系电话", "帮扶起始时间"],
                [V(name), V(unit), V(post), V(phone), V(c.d(start))],
            ],
            [1.0, 2.2, 0.9, 1.6, 1.6],
        ),
        PageBreak(),
        P("四、帮扶计划", font="bold", size=13, after=6),
        Grid(plan_rows, [1.0, 3.6, 1.6]),
        Gap(8),
        P("五、帮扶措施", font="bold", size=13, after=6),
        Grid(measure_rows, [1.6, 1.1, 3.2, 1.6], size=10),
        Gap(8),
        P("六、帮扶成效", font="bold", size=13, after=6),
        Grid(result_rows, [1.0, 1.8, 1.2, 1.6]),
        Gap(6),
        P("帮扶责任人签字：", Sig(name), "    户主签字：", head_signs(hh, "H07"), size=11),
    ]
    return _doc(hh, "H07", rng, start, blocks, title)


def h08_pairing(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H08", rng)
    assert hh.pairing_start is not None and hh.pairing_end is not None
    h = hh.helper
    assert h is not None
    blocks: list[Block] = [
        title_block(title),
        Grid(
            [
                ["帮扶责任人", V(h.name), "性别", V(h.sex), "联系电话", V(h.phone)],
                ["身份证号", (V(h.id_number), 3), "职务", V(h.post)],
                ["工作单位", (V(h.unit), 5)],
                [
                    "帮扶对象",
                    V(hh.head.name),
                    "家庭人口",
                    V(f"{hh.size}人"),
                    "识别年度",
                    V(f"{hh.identified_year}年"),
                ],
                ["身份证号", (V(hh.head.id_number), 3), "致贫原因", V(hh.cause)],
                ["所在村", (V(f"{t.name}{v.name}{hh.group}组"), 5)],
                ["结对时间", (V(f"{c.d(hh.pairing_start)}至{c.d(hh.pairing_end)}"), 5)],
                [
                    "帮扶承诺",
                    (
                        V(
                            "定期入户走访，宣传扶贫政策，帮助制定脱贫计划，落实帮扶措施，"
                            "做到不脱贫不脱钩。"
                        ),
                        5,
                    ),
                ],
            ],
            [1.4, 1.4, 0.9, 1.1, 1.1, 1.6],
            min_height=30,
        ),
        Gap(12),
        P("帮扶责任人签字：", Sig(h.name), "      贫困户签字：", head_signs(hh, "H08")),
        P(V(c.sig_date(hh.pairing_start)), align="right", before=8),
    ]
    doc = _doc(hh, "H08", rng, hh.pairing_start, blocks, title)
    doc.id_numbers.append(h.id_number)
    return doc


def h09_plan(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    year = t.record_year
    title = f"{year}年度" + _pick_title("H09", rng)
    date = dt.date(year, 12, rng.randint(10, 28))
    name = hh.helper.name if hh.helper else ""
    rows: list[list[Cell]] = [["序号", "计划措施", "落实时间", "落实情况", "成效"]]
    for i, m in enumerate([m for m in hh.measures if m.date.year == year], 1):
        rows.append(
            [str(i), V(f"{m.category}：{m.content}"), V(c.d(m.date)), V("已落实"), V(m.result)]
        )
    blocks: list[Block] = [
        Para((title,), size=16, align="center", font="bold", after=10),
        P(f"行政村：{v.name}    户主：{hh.head.name}    身份证号：{hh.head.id_number}", size=10.5),
        P(f"家庭人口：{hh.size}人    致贫原因：{hh.cause}    帮扶责任人：{name}", size=10.5),
        Grid(rows, [0.5, 3.2, 1.5, 1.0, 1.6], size=10),
        Gap(6),
        P(f"{year}年家庭人均纯收入：{c.m(hh.incomes[year])}", size=11),
        P(
            f"填表人：{v.archivist}    帮扶责任人：{name}    填表日期：{c.d(date)}",
            size=10.5,
            before=8,
        ),
    ]
    return _doc(hh, "H09", rng, date, blocks, title, handwritten=False)


def monthly_income(hh: Household, year: int, rng: random.Random) -> list[list[int]]:
    """Twelve months x four sources (wages, business, property, transfers) summing to the
    household's net income for the year (per-capita income times members)."""
    total = hh.incomes[year] * hh.size
    weights = [
        rng.uniform(0.2, 0.6),
        rng.uniform(0.1, 0.4),
        rng.uniform(0.0, 0.08),
        rng.uniform(0.15, 0.4),
    ]
    s = sum(weights)
    by_source = [int(total * w / s) for w in weights]
    by_source[0] += total - sum(by_source)
    months = [[0] * 4 for _ in range(12)]
    for k, amount in enumerate(by_source):
        shares = [rng.uniform(0.5, 1.5) for _ in range(12)]
        ss = sum(shares)
        col = [int(amount * x / ss) for x in shares]
        col[rng.randrange(12)] += amount - sum(col)
        for i in range(12):
            months[i][k] = col[i]
    return months


def h11_income(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    year = t.record_year
    title = f"{year}年" + _pick_title("H11", rng)
    date = dt.date(year, 12, rng.randint(15, 30))
    months = monthly_income(hh, year, rng)
    rows: list[list[Cell]] = [
        ["月份", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "合计"]
    ]
    for i, row in enumerate(months, 1):
        rows.append([f"{i}月"] + [V(str(x)) for x in row] + [V(str(sum(row)))])
    sums = [sum(r[k] for r in months) for k in range(4)]
    rows.append(["全年"] + [V(str(x)) for x in sums] + [V(str(sum(sums)))])
    total = sum(sums)
    blocks: list[Block] = [
        Para((title,), size=16, align="center", font="bold", after=8),
        P(
            f"行政村：{v.name}    户主：",
            V(hh.head.name),
            "    家庭人口：",
            V(f"{hh.size}人"),
            size=11,
        ),
        P("单位：元（每月记录一次，年终汇总）", size=10, align="right"),
        Grid(rows, [0.8, 1.3, 1.6, 1.2, 1.3, 1.2], size=10, min_height=20),
        Gap(6),
        P("全年家庭纯收入：", V(c.m(total)), "    人均纯收入：", V(c.m(total // hh.size)), size=11),
        P(
            f"调查人：{v.archivist}    户主签字：",
            V(hh.head.name),
            f"    日期：{c.d(date)}",
            size=11,
            before=6,
        ),
    ]
    return _doc(hh, "H11", rng, date, blocks, title)


def h12_card(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H12", rng)
    assert hh.pairing_start is not None
    name, unit, post, phone = _helper_fields(hh)
    cats = "、".join(dict.fromkeys(m.category for m in hh.measures)) or "产业扶持"
    blocks: list[Block] = [
        title_block(title, 16),
        Grid(
            [
                ["贫困户", V(hh.head.name), "家庭人口", V(f"{hh.size}人")],
                ["家庭住址", (V(f"{v.name}{hh.group}组"), 3)],
                ["致贫原因", V(hh.cause), "联系电话", V(hh.phone)],
                ["帮扶措施", (V(cats), 3)],
                ["帮扶责任人", V(name), "职务", V(post)],
                ["帮扶单位", (V(unit), 3)],
                ["联系电话", (V(phone), 3)],
            ],
            [1.2, 1.6, 1.1, 1.6],
            size=11,
            min_height=26,
        ),
        Gap(6),
        P(f"{t.name}人民政府  {c.d(hh.pairing_start)}", size=10, align="right"),
    ]
    return _doc(hh, "H12", rng, hh.pairing_start, blocks, title, page="A5")


def h13_exit(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H13", rng)
    assert hh.exit_year is not None
    b = _batch_of(v, hh, "exit")
    year = hh.exit_year
    blocks: list[Block] = [
        title_block(title),
        Grid(
            [
                ["户主姓名", V(hh.head.name), "身份证号", (V(hh.head.id_number), 3)],
                [
                    "行政村",
                    V(v.name),
                    "家庭人口",
                    V(f"{hh.size}人"),
                    "识别年度",
                    V(f"{hh.identified_year}年"),
                ],
                [
                    f"{year}年人均纯收入",
                    V(c.m(hh.incomes[year])),
                    "脱贫标准",
                    (V(c.m(POVERTY_LINE[year])), 3),
                ],
                ["不愁吃", V("是"), "不愁穿", V("是"), "义务教育有保障", V("是")],
                ["基本医疗有保障", V("是"), "住房安全有保障", V("是"), "饮水安全", V("是")],
                ["户主意见", (V(f"认可脱贫。  {hh.head.name}"), 5)],
                ["村评议意见", (V(f"经民主评议，同意脱贫。  {c.d(b.review_meeting)}"), 5)],
                [
                    "乡镇验收意见",
                    (V(f"经入户验收，达到脱贫标准，同意退出。  {c.d(b.township_check)}"), 5),
                ],
            ],
            [1.6, 1.3, 1.3, 1.0, 1.4, 0.9],
            min_height=30,
        ),
        Gap(10),
        P(f"{t.name}人民政府（盖章）", align="right"),
        Seal(f"{CITY}{COUNTY}{t.name}人民政府"),
        P(V(c.sig_date(b.county_approval)), align="right"),
    ]
    return _doc(hh, "H13", rng, b.county_approval, blocks, title)


def h15_id_copy(t: Township, v: Village, hh: Household, rng: random.Random) -> Document:
    c = _Ctx(rng)
    title = _pick_title("H15", rng)
    assert hh.apply_date is not None
    m = hh.head
    issued = dt.date(rng.randint(2006, 2013), m.birth.month, min(m.birth.day, 28))
    valid = (
        "长期"
        if 2018 - m.birth.year >= 46
        else f"{issued:%Y.%m.%d}-{issued.year + 20}{issued:.%m.%d}"
    )
    blocks: list[Block] = [
        title_block(title, 16),
        IdCard(
            m.name,
            m.sex,
            "汉",
            m.birth,
            hh.address,
            m.id_number,
            f"{CITY}公安局{COUNTY}分局",
            f"{issued:%Y.%m.%d}-{valid}" if valid == "长期" else valid,
        ),
        Gap(12),
        P("此复印件与原件一致，仅供精准扶贫建档立卡使用。", align="center", size=11),
        P("本人签字：", V(m.name), "    ", V(c.d(hh.apply_date)), align="center", size=11),
    ]
    return _doc(hh, "H15", rng, hh.apply_date, blocks, title)


def h16_photo(
    t: Township, v: Village, hh: Household, rng: random.Random, date: dt.date | None = None
) -> Document:
    visit = rng.choice(hh.visits).date if hh.visits and date is None else date
    if visit is None:
        assert hh.pairing_start is not None
        visit = hh.pairing_start
    name = hh.helper.name if hh.helper else "帮扶责任人"
    doc = _doc(hh, "H16", rng, visit, [], "照片")
    doc.title = f"[{name}入户走访{hh.head.name}照片]"
    return doc


HOUSEHOLD_FORMS = {
    "H01": h01_application,
    "H02": h02_survey,
    "H03": h03_review,
    "H04": h04_approval,
    "H05": h05_collection,
    "H06": h06_notice,
    "H07": h07_manual,
    "H08": h08_pairing,
    "H09": h09_plan,
    "H11": h11_income,
    "H12": h12_card,
    "H13": h13_exit,
    "H15": h15_id_copy,
    "H16": h16_photo,
}


def household_types(hh: Household) -> list[str]:
    """The document types this household's file holds (before any is left out)."""
    types = [
        "H01",
        "H02",
        "H03",
        "H04",
        "H05",
        "H06",
        "H07",
        "H08",
        "H09",
        "H11",
        "H12",
        "H15",
        "H16",
    ]
    if hh.exit_year is not None:
        types.insert(11, "H13")
    return types


def household_documents(t: Township, v: Village, hh: Household, seed: int) -> list[Document]:
    """Every document of the household's file except the ones planted as missing."""
    docs = []
    for doc_type in household_types(hh):
        if doc_type in hh.missing:
            continue
        rng = random.Random(f"doc:{seed}:{hh.key}:{doc_type}")
        docs.append(HOUSEHOLD_FORMS[doc_type](t, v, hh, rng))
    return docs


# -- village documents ---------------------------------------------------------------


def village_document(
    v: Village,
    doc_type: str,
    date: dt.date,
    blocks: list[Block],
    form_title: str,
    title: str,
    **kw: object,
) -> Document:
    """A paper of village `v` itself (no household): minutes, logs, notices, incoming
    documents."""
    return Document(
        doc_type=doc_type,
        form_title=form_title,
        title=title,
        date=date,
        village_code=v.code,
        village=v.name,
        household_no=None,
        head_name=None,
        blocks=blocks,
        **kw,
    )  # type: ignore[arg-type]


_MEETING_KINDS = (
    ("两委会议记录", "村两委成员"),
    ("扶贫工作会议记录", "村两委成员、驻村工作队"),
    ("贫情分析会会议记录", "村两委成员、驻村工作队、帮扶责任人代表"),
    ("村民代表大会会议记录", "村两委成员、村民代表"),
)

_TOPICS = (
    "传达镇扶贫工作会议精神",
    "研究本月帮扶措施落实情况",
    "部署扶贫档案资料整理工作",
    "分析贫困户收入变化情况",
    "研究公益岗位人员安排",
    "部署“两不愁三保障”排查工作",
    "研究光伏收益分配方案",
    "学习精准扶贫规范化建设实施意见",
    "安排帮扶责任人入户走访工作",
    "研究危房改造对象评定",
)


def v02_minutes(t: Township, v: Village, month: int, rng: random.Random) -> Document:
    c = _Ctx(rng)
    year = t.record_year
    kind, who = rng.choice(_MEETING_KINDS)
    form_title = f"{v.name}{kind}"
    date = dt.date(year, month, rng.randint(3, 26))
    topics = rng.sample(_TOPICS, rng.randint(2, 3))
    attendees = [v.secretary, v.director, v.archivist, v.first_secretary, *v.team]
    done = [
        (hh, m)
        for hh in v.households
        for m in hh.measures
        if month > 1 and m.date.year == year and m.date.month == month - 1
    ]
    lines: list[Block] = [
        title_block(form_title, 16),
        P("时间：", V(f"{c.d(date)}上午9时"), size=11),
        P("地点：", V("村委会议室"), size=11),
        P("主持人：", V(v.secretary), "    记录人：", V(v.archivist), size=11),
        P(
            "参加人员：",
            V("、".join(attendees) + f"等{len(attendees) + rng.randint(3, 12)}人（{who}）"),
            size=11,
        ),
        P(
            "会议议题：",
            V("；".join(f"{i}.{x}" for i, x in enumerate(topics, 1))),
            size=11,
            after=8,
        ),
        P("会议内容：", size=11),
        P(
            V(
                f"{v.secretary}主持会议，{topics[0]}。要求全体村干部和驻村工作队员提高认识，"
                "按照镇党委、政府要求，扎实做好精准扶贫各项工作。"
            ),
            indent=2,
            size=11,
        ),
    ]
    if done:
        items = "；".join(f"{hh.head.name}户{m.category}：{m.content}" for hh, m in done[:4])
        lines.append(
            P(V(f"{v.first_secretary}通报上月帮扶措施落实情况：{items}。"), indent=2, size=11)
        )
    lines.append(
        P(
            V(
                f"{v.archivist}汇报扶贫档案整理和台账更新情况，全村{len(v.households)}户"
                "建档立卡户档案已按一户一档整理。"
            ),
            indent=2,
            size=11,
        )
    )
    lines.append(
        P(
            V(
                "会议决定："
                + "；".join(
                    f"{i}.{x.replace('研究', '落实')}"
                    for i, x in enumerate(topics[1:] or topics, 1)
                )
                + "。"
            ),
            indent=2,
            size=11,
        )
    )
    lines.append(
        P("记录人签字：", V(v.archivist), "    主持人签字：", V(v.secretary), size=11, before=10)
    )
    return village_document(v, "V02", date, lines, form_title, f"{v.name}{year}年{month}月{kind}")


def _log_entries(
    t: Township, v: Village, month: int, rng: random.Random
) -> list[tuple[dt.date, str]]:
    year = t.record_year
    entries: list[tuple[dt.date, str]] = []
    for hh in v.households:
        for i, m in enumerate(hh.measures):
            if m.date.year == year and m.date.month == month:
                content = hh.log_overrides.get(i, m.content)
                helper = hh.helper.name if hh.helper else "帮扶责任人"
                entries.append(
                    (
                        m.date,
                        f"协助帮扶责任人{helper}为{hh.group}组贫困户{hh.head.name}"
                        f"落实{m.category}措施：{content}。",
                    )
                )
        for visit in hh.visits:
            if visit.date.month == month:
                helper = hh.helper.name if hh.helper else "帮扶责任人"
                entries.append(
                    (
                        visit.date,
                        f"帮扶责任人{helper}入户走访{hh.group}组贫困户"
                        f"{hh.head.name}，{visit.purpose}。",
                    )
                )
    chores = (
        f"驻村工作队{v.first_secretary}、{v.team[0]}整理贫困户档案资料，更新分户脱贫台账。",
        "参加镇扶贫办组织的业务培训，学习扶贫档案规范化管理要求。",
        f"与{v.name}两委成员研究本月扶贫工作，安排入户走访。",
        "开展“两不愁三保障”入户排查，逐户填写排查表。",
    )
    for chore in rng.sample(chores, rng.randint(1, 3)):
        entries.append((dt.date(year, month, rng.randint(1, 28)), chore))
    entries.sort(key=lambda e: e[0])
    return entries


def v03_worklog(t: Township, v: Village, month: int, rng: random.Random) -> Document:
    year = t.record_year
    form_title = _pick_title("V03", rng)
    blocks: list[Block] = [
        title_block(form_title, 16),
        P(f"行政村：{v.name}    队长：{v.first_secretary}    {year}年{month}月", size=11, after=8),
    ]
    entries = _log_entries(t, v, month, rng)
    last = dt.date(year, month, 1)
    for d, text in entries:
        if d != last or len(blocks) == 2:
            blocks.append(
                P(
                    V(
                        f"{d.month}月{d.day}日  星期{_WEEKDAYS[d.weekday()]}  "
                        f"{rng.choice(_WEATHER)}"
                    ),
                    size=11,
                    before=4,
                    after=1,
                )
            )
        blocks.append(P(V(text), size=11, indent=2))
        last = d
    blocks.append(
        P("记录人：", V(rng.choice([v.first_secretary, *v.team])), size=11, before=8, align="right")
    )
    return village_document(
        v, "V03", last, blocks, form_title, f"{v.name}驻村工作队{year}年{month}月工作日志"
    )


def v04_review(t: Township, v: Village, b: Batch, rng: random.Random) -> Document:
    c = _Ctx(rng)
    exit_ = b.kind == "exit"
    form_title = (
        f"{v.name}脱贫户民主评议会议记录" if exit_ else f"{v.name}建档立卡贫困户民主评议会议记录"
    )
    present = rng.randint(30, 48)
    rows: list[list[Cell]] = [
        ["序号", "户主姓名", "家庭人口", "致贫原因", "赞成票", "反对票", "评议结果"]
    ]
    for i, no in enumerate(b.households, 1):
        hh = next(h for h in v.households if h.household_no == no)
        yes = present - rng.randint(0, 3)
        rows.append(
            [
                str(i),
                V(hh.head.name),
                V(f"{hh.size}人"),
                V(hh.cause),
                V(str(yes)),
                V(str(present - yes)),
                V("同意脱贫" if exit_ else "同意纳入"),
            ]
        )
    reps = "、".join(_rep_names(v, rng, 8))
    blocks: list[Block] = [
        title_block(form_title, 16),
        P("时间：", V(c.d(b.review_meeting)), "    地点：", V("村委会议室"), size=11),
        P("主持人：", V(v.secretary), "    记录人：", V(v.archivist), size=11),
        P("参加人员：", V(f"村两委成员、驻村工作队员、村民代表共{present}人"), size=11),
        P(
            "评议内容：",
            V(
                "对申请户逐户进行民主评议，实行无记名投票，结果如下："
                if not exit_
                else "对拟脱贫户逐户对照脱贫标准进行评议，结果如下："
            ),
            size=11,
            after=6,
        ),
        Grid(rows, [0.6, 1.4, 1.0, 1.8, 0.9, 0.9, 1.4], size=10.5),
        Gap(6),
        P("参会代表签字：", V(reps), size=11),
    ]
    what = "脱贫户" if exit_ else "贫困户"
    return village_document(
        v, "V04", b.review_meeting, blocks, form_title, f"{v.name}{b.year}年{what}民主评议会议记录"
    )


_NOTICE_TITLES = {
    ("identify", "notice1"): (
        "{v}建档立卡贫困户评议结果公示",
        "村民委员会",
        "经户主申请、村民小组提名、村民代表民主评议，现将拟纳入建档立卡"
        "贫困户名单予以公示（第一次公示）：",
    ),
    ("identify", "notice2"): (
        "{t}{v}建档立卡贫困户审核结果公示",
        "人民政府",
        "经村委会审查、乡镇人民政府审核，现将拟认定建档立卡贫困户名单予以公示（第二次公示）：",
    ),
    ("identify", "announcement"): (
        "{c}建档立卡贫困户公告",
        "扶贫开发领导小组办公室",
        "经县扶贫办复核、县人民政府审批，现将{v}建档立卡贫困户名单予以公告：",
    ),
    ("exit", "notice1"): (
        "{v}拟脱贫户公示",
        "村民委员会",
        "经入户核实、村民代表民主评议，现将拟脱贫户名单予以公示：",
    ),
    ("exit", "notice2"): (
        "{t}{v}脱贫户审核结果公示",
        "人民政府",
        "经村委会审查、乡镇人民政府入户验收审核，现将拟退出贫困户名单予以公示：",
    ),
    ("exit", "announcement"): (
        "{c}贫困户脱贫退出公告",
        "扶贫开发领导小组办公室",
        "经县扶贫办复核、县人民政府审批，现将{v}脱贫退出户名单予以公告：",
    ),
}


def v05_notice(t: Township, v: Village, b: Batch, which: str, rng: random.Random) -> Document:
    c = _Ctx(rng)
    template, issuer_kind, lead = _NOTICE_TITLES[(b.kind, which)]
    form_title = template.format(v=v.name, t=t.name, c=COUNTY)
    start, end = getattr(b, which)
    issuer = {
        "村民委员会": f"{v.name}村民委员会",
        "人民政府": f"{t.name}人民政府",
        "扶贫开发领导小组办公室": f"{COUNTY}扶贫开发领导小组办公室",
    }[issuer_kind]
    rows: list[list[Cell]] = [["序号", "户主姓名", "村民小组", "家庭人口", "致贫原因"]]
    for i, no in enumerate(b.households, 1):
        hh = next(h for h in v.households if h.household_no == no)
        rows.append([str(i), hh.head.name, f"{hh.group}组", f"{hh.size}人", hh.cause])
    what = "公告" if which == "announcement" else "公示"
    blocks: list[Block] = [
        title_block(form_title, 17),
        P(lead.format(v=v.name), indent=2, after=6),
        Grid(rows, [0.7, 1.5, 1.2, 1.2, 1.8]),
        Gap(6),
        P(f"{what}时间：{c.d(start)}至{c.d(end)}。", indent=2),
        P(f"{what}期间，如有异议，请向村委会或{t.name}扶贫办反映。", indent=2),
        P(f"监督电话：0632-{rng.randint(8600000, 8699999)}", indent=2, after=16),
        P(issuer, align="right"),
        Seal(issuer if issuer_kind != "村民委员会" else f"{t.name}{issuer}"),
        P(c.sig_date(start), align="right"),
    ]
    kind = "脱贫户" if b.kind == "exit" else "贫困户"
    step = {"notice1": "评议结果公示", "notice2": "审核结果公示", "announcement": "公告"}[which]
    return village_document(
        v, "V05", start, blocks, form_title, f"{v.name}{b.year}年{kind}{step}", handwritten=False
    )


def v07_ledger(t: Township, v: Village, rng: random.Random) -> Document:
    c = _Ctx(rng)
    year = t.record_year
    form_title = f"{v.name}分户脱贫台账"
    date = dt.date(year, 12, rng.randint(20, 31))
    rows: list[list[Cell]] = [
        ["户编号", "户主", "人口", "致贫原因", "帮扶责任人", "帮扶措施", "脱贫年度", "联系电话"]
    ]
    for hh in v.households:
        ms = "；".join(m.content for m in hh.measures if m.date.year == year) or "巩固提升"
        rows.append(
            [
                hh.household_no,
                hh.head.name,
                str(hh.size),
                hh.cause,
                hh.helper.name if hh.helper else "",
                ms,
                str(hh.exit_year) if hh.exit_year else "未脱贫",
                hh.phone,
            ]
        )
    blocks: list[Block] = [
        title_block(form_title, 16),
        P(f"{t.name}    {year}年度    更新日期：{c.d(date)}", size=10.5, align="center"),
        Grid(rows, [0.8, 1.0, 0.6, 1.3, 1.1, 4.0, 1.0, 1.7], size=9, min_height=20),
        Gap(6),
        P(f"填报人：{v.archivist}    审核人：{v.secretary}", size=10.5),
    ]
    return village_document(
        v,
        "V07",
        date,
        blocks,
        form_title,
        f"{v.name}{year}年分户脱贫台账",
        handwritten=False,
        page="A4L",
    )


def village_documents(t: Township, v: Village, seed: int) -> list[Document]:
    """Minutes and work logs for each month of the record year, 评议 records and 公示/公告
    for each identification and exit round, and the year's ledger."""
    docs: list[Document] = []
    for month in range(1, 13):
        rng = random.Random(f"vdoc:{seed}:{v.code}:V02:{month}")
        if month not in v.meeting_gap_months:
            docs.append(v02_minutes(t, v, month, rng))
    for month in range(1, 13):
        rng = random.Random(f"vdoc:{seed}:{v.code}:V03:{month}")
        docs.append(v03_worklog(t, v, month, rng))
    for i, b in enumerate(v.batches):
        rng = random.Random(f"vdoc:{seed}:{v.code}:V04:{i}")
        docs.append(v04_review(t, v, b, rng))
        for which in ("notice1", "notice2", "announcement"):
            rng = random.Random(f"vdoc:{seed}:{v.code}:V05:{i}:{which}")
            docs.append(v05_notice(t, v, b, which, rng))
    docs.append(v07_ledger(t, v, random.Random(f"vdoc:{seed}:{v.code}:V07")))
    return docs


def all_documents(t: Township, seed: int) -> Iterator[Document]:
    for v in t.villages:
        for hh in v.households:
            yield from household_documents(t, v, hh, seed)
        yield from village_documents(t, v, seed)
