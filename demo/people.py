"""A deterministic demo township: villages, registered households, helper cadres.

Everything comes from ``random.Random(seed)``: the same seed gives the same people.
The facts here are the truth; the documents (``forms``) and the roster (``roster``)
repeat them, except where ``faults`` plants a disagreement.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dangan.archive.idnumber import check_digit

# -- name material -----------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦"
    "江史顾侯邵孟龙万段钱汤尹黎易常武乔贺龚文褚殷颜庞"
)
MALE_GIVEN = (
    "建国军明华强伟刚勇平志海成林德福春生金山富贵长庆广兴胜利文学占忠保良宝荣顺祥厚新永传洪东树茂"
)
FEMALE_GIVEN = "秀兰英芳玉华桂珍凤梅丽红霞云琴素萍翠莲敏燕娟菊花荣巧爱月香"
YOUNG_MALE = "浩宇子轩博文俊杰鑫磊晨阳涛鹏飞宁凯帅航"
YOUNG_FEMALE = "欣怡梓涵雨婷佳琪思雪静悦晓萱"

VILLAGE_NAMES = (
    "东庄村",
    "西岭村",
    "前沟村",
    "后峪村",
    "南洼村",
    "北泉村",
    "马庄村",
    "李家楼村",
    "柳沟村",
    "石门村",
    "王家峪村",
    "新兴村",
    "杨庄村",
    "大官庄村",
    "小河村",
    "桃园村",
    "郭家岭村",
    "白土村",
    "山阴村",
    "龙泉村",
    "花园村",
    "黄岭村",
    "水磨村",
    "翟庄村",
    "孟家庄村",
    "褚楼村",
    "岩马村",
    "凤凰村",
    "朱村",
    "青石村",
)

CAUSES = (
    ("因病", 30),
    ("因残", 14),
    ("因学", 8),
    ("缺技术", 12),
    ("缺劳力", 12),
    ("缺资金", 10),
    ("因灾", 3),
    ("自身发展动力不足", 5),
    ("交通条件落后", 3),
    ("缺土地", 3),
)

HELPER_UNITS = (
    ("桑村镇人民政府", ("副镇长", "党委委员", "科员", "办公室主任", "扶贫办主任")),
    ("桑村镇财政所", ("所长", "会计")),
    ("桑村镇卫生院", ("院长", "医师")),
    ("桑村镇中心小学", ("校长", "教师")),
    ("桑村镇农业综合服务中心", ("主任", "农技员")),
    ("区农业农村局", ("科长", "副科长")),
    ("区供销合作社", ("副主任", "科员")),
    ("区人力资源和社会保障局", ("科长", "科员")),
    ("区水利局", ("副局长", "科员")),
    ("桑村镇派出所", ("所长", "民警")),
)

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "158",
    "159",
    "177",
    "180",
    "182",
    "185",
    "186",
    "187",
    "188",
)

COUNTY = "山亭区"
CITY = "枣庄市"
PROVINCE = "山东省"
COUNTY_CODE = "370406"
NEIGHBOUR_CODES = ("370481", "370402", "370403", "370405")
POVERTY_LINE = {2014: 2736, 2015: 2855, 2016: 2952, 2017: 3335, 2018: 3600, 2019: 3750, 2020: 4000}
"""Provincial per-capita income lines in yuan by year (rounded; for plausible numbers)."""


# -- the records -------------------------------------------------------------------


@dataclass
class Member:
    name: str
    relation: str
    sex: str
    birth: dt.date
    id_number: str
    health: str = "健康"
    education: str = "初中"
    labour: str = "普通劳动力"


@dataclass
class Helper:
    name: str
    id_number: str
    sex: str
    unit: str
    post: str
    phone: str

    @property
    def key(self) -> str:
        return self.id_number


@dataclass
class Measure:
    """One help measure: what the 扶贫手册, the work log and the other items record."""

    date: dt.date
    category: str
    content: str
    amount: int | None = None
    quantity: int | None = None
    unit: str = ""
    result: str = ""

    def text(self) -> str:
        return f"{self.category}：{self.content}"


@dataclass
class Visit:
    date: dt.date
    purpose: str


@dataclass
class Batch:
    """One identification (or exit) round in a village: the dated steps and notices."""

    kind: str  # "identify" | "exit"
    year: int
    apply_start: dt.date
    review_meeting: dt.date  # 村民代表评议
    notice1: tuple[dt.date, dt.date]  # 村评议结果公示 (first day, last day)
    township_check: dt.date  # 乡镇审核
    notice2: tuple[dt.date, dt.date]  # 乡镇审核结果公示
    county_approval: dt.date  # 县审批
    announcement: tuple[dt.date, dt.date]  # 公告
    households: list[str] = field(default_factory=list)


@dataclass
class Household:
    village_code: str
    village: str
    household_no: str
    group: int
    members: list[Member]
    cause: str
    identified_year: int
    exit_year: int | None
    phone: str
    land_mu: float
    house: str
    helper: Helper | None = None
    pairing_start: dt.date | None = None
    pairing_end: dt.date | None = None
    apply_date: dt.date | None = None
    survey_date: dt.date | None = None
    identified_date: dt.date | None = None
    exit_date: dt.date | None = None
    incomes: dict[int, int] = field(default_factory=dict)  # year -> per-capita net income
    measures: list[Measure] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    # what the roster (the "information system") and the 扶贫手册 and the work log show
    # instead of the truth: filled only by ``faults``
    roster_overrides: dict[str, object] = field(default_factory=dict)
    manual_overrides: dict[str, object] = field(default_factory=dict)
    log_overrides: dict[int, str] = field(default_factory=dict)  # measure index -> text
    missing: set[str] = field(default_factory=set)
    unsigned: set[str] = field(default_factory=set)
    """Document types on which the head did not sign (SIGNATURE_MISSING planted)."""

    @property
    def head(self) -> Member:
        return self.members[0]

    @property
    def key(self) -> str:
        return f"{self.village_code}-{self.household_no}"

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def address(self) -> str:
        return f"{PROVINCE}{CITY}{COUNTY}桑村镇{self.village}{self.group}组"


@dataclass
class Village:
    code: str
    name: str
    households: list[Household]
    secretary: str  # 党支部书记
    director: str  # 村委会主任
    archivist: str  # 扶贫专干
    first_secretary: str  # 第一书记 (驻村工作队队长)
    team: list[str]  # 驻村工作队队员
    township_cadre: str  # 包村干部
    lat: float
    lon: float
    batches: list[Batch] = field(default_factory=list)
    meeting_gap_months: set[int] = field(default_factory=set)
    short_notice: tuple[int, str] | None = None  # (batch index, "notice1"|"notice2"|...)


@dataclass
class Township:
    seed: int
    fonds: str
    name: str
    county: str
    record_year: int
    villages: list[Village]
    helpers: list[Helper]

    def households(self) -> list[Household]:
        return [h for v in self.villages for h in v.households]

    def village(self, code: str) -> Village:
        return next(v for v in self.villages if v.code == code)


# -- generation --------------------------------------------------------------------


class _IdFactory:
    """Unique, valid 18-digit ID numbers (GB 11643)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: dt.date, sex: str, region: str = COUNTY_CODE) -> str:
        while True:
            seq = self.rng.randrange(0, 100) * 10 + self.rng.randrange(0, 5) * 2
            if sex == "男":
                seq += 1
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used:
                self.used.add(number)
                return number


_NAME_PARTS = (
    "东",
    "西",
    "南",
    "北",
    "前",
    "后",
    "大",
    "小",
    "上",
    "下",
    "新",
    "李家",
    "王家",
    "张家",
    "刘家",
    "马",
    "杨",
    "石",
    "柳",
    "桃",
    "杏",
    "龙",
    "凤",
    "黄",
    "白",
    "青",
    "水",
    "山",
    "河",
    "高",
)
_NAME_CORES = (
    "庄",
    "岭",
    "沟",
    "峪",
    "洼",
    "泉",
    "楼",
    "河",
    "园",
    "店",
    "屯",
    "坡",
    "寨",
    "湖",
    "桥",
    "集",
    "营",
    "官庄",
    "家湾",
)


def village_name_pool(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct village names: the common ones first, then made-up combinations."""
    names = list(VILLAGE_NAMES)
    rng.shuffle(names)
    if n > len(names):
        extra = [p + c + "村" for p in _NAME_PARTS for c in _NAME_CORES]
        rng.shuffle(extra)
        names += [x for x in extra if x not in names]
    k = 2
    base = list(names)
    while len(names) < n:
        names += [x[:-1] + "二三四五六七八九"[(k - 2) % 8] + "村" for x in base]
        k += 1
    return names[:n]


def _weighted(rng: random.Random, items: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _given(rng: random.Random, sex: str, young: bool) -> str:
    pool = (
        (YOUNG_MALE if sex == "男" else YOUNG_FEMALE)
        if young
        else (MALE_GIVEN if sex == "男" else FEMALE_GIVEN)
    )
    n = 2 if rng.random() < 0.75 else 1
    return "".join(rng.choice(pool) for _ in range(n))


def _birth(rng: random.Random, start_year: int, end_year: int) -> dt.date:
    year = rng.randint(start_year, end_year)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _members(rng: random.Random, ids: _IdFactory, surname: str, cause: str) -> list[Member]:
    size = rng.choices([1, 2, 3, 4, 5, 6], weights=[12, 25, 25, 22, 11, 5])[0]
    head_sex = "男" if rng.random() < 0.82 or size > 2 else "女"
    head_birth = _birth(rng, 1938, 1982)
    region = COUNTY_CODE
    head = Member(
        surname + _given(rng, head_sex, False),
        "户主",
        head_sex,
        head_birth,
        ids.make(head_birth, head_sex, region),
    )
    members = [head]
    if size >= 2:
        sp_sex = "女" if head_sex == "男" else "男"
        sp_birth = _birth(rng, head_birth.year - 4, min(head_birth.year + 6, 1990))
        sp_region = COUNTY_CODE if rng.random() < 0.7 else rng.choice(NEIGHBOUR_CODES)
        members.append(
            Member(
                rng.choice(SURNAMES) + _given(rng, sp_sex, False),
                "配偶",
                sp_sex,
                sp_birth,
                ids.make(sp_birth, sp_sex, sp_region),
            )
        )
    old = head_birth.year < 1958
    sons = daughters = 0
    while len(members) < size:
        if old and len(members) == 2:
            b = _birth(rng, head_birth.year + 22, head_birth.year + 30)
            members.append(
                Member(surname + _given(rng, "男", False), "长子", "男", b, ids.make(b, "男"))
            )
            sons += 1
            continue
        if old and len(members) == 3:
            b = _birth(rng, members[2].birth.year - 3, members[2].birth.year + 3)
            members.append(
                Member(
                    rng.choice(SURNAMES) + _given(rng, "女", False),
                    "儿媳",
                    "女",
                    b,
                    ids.make(b, "女", rng.choice((COUNTY_CODE, *NEIGHBOUR_CODES))),
                )
            )
            continue
        if old:
            sex = rng.choice("男女")
            b = _birth(rng, max(members[2].birth.year + 22, 2000), 2014)
            members.append(
                Member(
                    surname + _given(rng, sex, True),
                    "孙子" if sex == "男" else "孙女",
                    sex,
                    b,
                    ids.make(b, sex),
                )
            )
            continue
        if len(members) == size - 1 and size >= 5 and head_birth.year > 1960:
            b = _birth(rng, head_birth.year - 30, head_birth.year - 22)
            members.append(
                Member(
                    rng.choice(SURNAMES) + _given(rng, "女", False),
                    "母亲",
                    "女",
                    b,
                    ids.make(b, "女"),
                )
            )
            members[-1].labour = "无劳动力"
            members[-1].education = "文盲或半文盲"
            continue
        sex = rng.choice("男女")
        b = _birth(rng, max(head_birth.year + 22, 1985), min(head_birth.year + 36, 2013))
        if sex == "男":
            sons += 1
            rel = ("长子", "次子", "三子")[min(sons, 3) - 1]
        else:
            daughters += 1
            rel = ("长女", "次女", "三女")[min(daughters, 3) - 1]
        members.append(Member(surname + _given(rng, sex, True), rel, sex, b, ids.make(b, sex)))
    for m in members:
        age = 2018 - m.birth.year
        if age < 6:
            m.education, m.labour = "学龄前儿童", "无劳动力"
        elif age < 18:
            stage = "小学" if age < 12 else "初中" if age < 15 else "高中"
            m.education, m.labour = stage + "在校生", "无劳动力"
        elif age > 65:
            m.labour = "丧失劳动力" if rng.random() < 0.5 else "弱劳动力"
            if m.education == "初中":
                m.education = rng.choice(("文盲或半文盲", "小学"))
        else:
            m.education = rng.choice(("小学", "初中", "初中", "高中"))
    sick = rng.choice(members[: min(2, len(members))])
    if cause == "因病":
        sick.health = rng.choice(("长期慢性病", "患有大病"))
        sick.labour = "丧失劳动力" if sick.health == "患有大病" else "弱劳动力"
    elif cause == "因残":
        sick.health = "残疾"
        sick.labour = "丧失劳动力"
    elif cause == "因学" and not any("在校生" in m.education for m in members):
        kids = [m for m in members if m.relation not in ("户主", "配偶")]
        if kids:
            kids[0].education = "高中在校生"
    return members


_MEASURES: dict[str, tuple[tuple[str, str, int | None, int | None, str, str], ...]] = {
    # category: (content template, unit, quantity, amount, result)
    "产业扶持": (
        ("发放鸡苗{q}只", "只", 50, None, "年增收约1500元"),
        ("发放羊羔{q}只", "只", 2, None, "年增收约2000元"),
        ("发放花椒苗{q}株", "株", 200, None, "三年后挂果增收"),
        ("入股光伏电站，年分红{a}元", "", None, 800, "年增收{a}元"),
        ("发放种猪{q}头", "头", 1, None, "年增收约1800元"),
        ("发放核桃苗{q}株", "株", 100, None, "三年后挂果增收"),
    ),
    "就业扶持": (
        ("安排公益岗位（保洁员），月工资{a}元", "", None, 500, "年增收{y}元"),
        ("推荐到镇工业园务工，月工资{a}元", "", None, 2200, "稳定务工收入"),
        ("参加技能培训（电焊工）{q}天", "天", 15, None, "取得培训合格证"),
    ),
    "健康扶贫": (
        ("代缴新农合参保费用{a}元", "", None, 180, "减轻医疗负担"),
        ("办理慢性病门诊卡", "", None, None, "门诊报销比例提高"),
        ("家庭医生签约服务", "", None, None, "定期上门随访"),
        ("大病救助资金{a}元", "", None, 3000, "减轻医疗负担"),
    ),
    "教育扶贫": (
        ("雨露计划补助{a}元", "", None, 1500, "子女顺利就学"),
        ("义务教育阶段生活补助{a}元", "", None, 1000, "子女顺利就学"),
    ),
    "社保兜底": (
        ("纳入农村低保，每月{a}元", "", None, 280, "年增收{y}元"),
        ("发放残疾人两项补贴{a}元", "", None, 720, "基本生活有保障"),
    ),
    "住房保障": (("危房改造补助资金{a}元", "", None, 15000, "住房安全有保障"),),
    "金融扶贫": (("发放扶贫小额信贷{a}元", "", None, 50000, "发展养殖业"),),
}

_CAUSE_MEASURES = {
    "因病": ("健康扶贫", "社保兜底", "产业扶持"),
    "因残": ("社保兜底", "健康扶贫", "就业扶持"),
    "因学": ("教育扶贫", "就业扶持", "产业扶持"),
    "缺技术": ("就业扶持", "产业扶持", "金融扶贫"),
    "缺劳力": ("社保兜底", "产业扶持", "健康扶贫"),
    "缺资金": ("金融扶贫", "产业扶持", "就业扶持"),
    "因灾": ("住房保障", "产业扶持", "社保兜底"),
    "自身发展动力不足": ("就业扶持", "产业扶持"),
    "交通条件落后": ("产业扶持", "就业扶持"),
    "缺土地": ("就业扶持", "产业扶持", "金融扶贫"),
}


def make_measure(rng: random.Random, category: str, date: dt.date) -> Measure:
    template, unit, q, a, result = rng.choice(_MEASURES[category])
    quantity = None if q is None else max(1, round(q * rng.choice((0.5, 1, 1, 1.5, 2))))
    amount = None if a is None else a * rng.choice((1, 1, 1, 2)) if a < 10000 else a
    content = template.format(q=quantity, a=amount)
    result = result.format(a=amount, y=(amount or 0) * 12)
    return Measure(date, category, content, amount, quantity, unit, result)


def _timeline(rng: random.Random, kind: str, year: int) -> Batch:
    if kind == "identify":
        start = dt.date(year, 5, 5) if year == 2014 else dt.date(year, 8, 20)
    else:
        start = dt.date(year, 9, 10)
    apply_start = start + dt.timedelta(days=rng.randint(0, 10))
    review = apply_start + dt.timedelta(days=rng.randint(20, 28))
    n1 = review + dt.timedelta(days=rng.randint(1, 2))
    n1_end = n1 + dt.timedelta(days=rng.randint(6, 8))  # 7-9 days counted inclusively
    check = n1_end + dt.timedelta(days=rng.randint(2, 5))
    n2 = check + dt.timedelta(days=rng.randint(1, 2))
    n2_end = n2 + dt.timedelta(days=rng.randint(6, 8))
    approval = n2_end + dt.timedelta(days=rng.randint(3, 8))
    a1 = approval + dt.timedelta(days=rng.randint(1, 3))
    a1_end = a1 + dt.timedelta(days=rng.randint(6, 9))
    return Batch(
        kind, year, apply_start, review, (n1, n1_end), check, (n2, n2_end), approval, (a1, a1_end)
    )


def make_township(
    seed: int = 2018,
    villages: int = 3,
    households_per_village: int = 10,
    fonds: str = "Z105",
    name: str = "桑村镇",
    record_year: int = 2018,
) -> Township:
    """The whole township for ``seed``: villages, households, helpers, dates, measures."""
    if villages < 1 or households_per_village < 1:
        raise ValueError("need at least one village and one household per village")
    if villages > 999 or households_per_village > 999:
        raise ValueError("village codes and household numbers have three digits")
    rng = random.Random(f"people:{seed}")
    ids = _IdFactory(rng)
    helpers: list[Helper] = []
    village_names = village_name_pool(rng, villages)
    out: list[Village] = []
    for vi in range(villages):
        code = f"{vi + 1:03d}"
        vname = village_names[vi]
        common = rng.sample(SURNAMES[:30], 2)

        def person(sex: str = "男", _common: list[str] = common) -> str:
            sur = rng.choice(_common) if rng.random() < 0.6 else rng.choice(SURNAMES)
            return sur + _given(rng, sex, False)

        village = Village(
            code=code,
            name=vname,
            households=[],
            secretary=person(),
            director=person(),
            archivist=person(rng.choice("男女")),
            first_secretary=rng.choice(SURNAMES) + _given(rng, "男", False),
            team=[rng.choice(SURNAMES) + _given(rng, s, False) for s in ("男", "女")],
            township_cadre=rng.choice(SURNAMES) + _given(rng, rng.choice("男女"), False),
            lat=round(35.05 + rng.uniform(-0.08, 0.08), 5),
            lon=round(117.46 + rng.uniform(-0.08, 0.08), 5),
        )
        groups = rng.randint(4, 9)
        for hi in range(households_per_village):
            surname = rng.choice(common) if rng.random() < 0.55 else rng.choice(SURNAMES)
            cause = _weighted(rng, CAUSES)
            ident = rng.choices([2014, 2015, 2016], weights=[60, 25, 15])[0]
            exit_year: int | None = None
            if rng.random() < 0.78:
                exit_year = rng.choice([y for y in range(2016, 2021) if y > ident])
            hh = Household(
                village_code=code,
                village=vname,
                household_no=f"{hi + 1:03d}",
                group=rng.randint(1, groups),
                members=_members(rng, ids, surname, cause),
                cause=cause,
                identified_year=ident,
                exit_year=exit_year,
                phone=_phone(rng),
                land_mu=round(
                    rng.choice((0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4)) * rng.choice((1, 1, 1.2)), 1
                ),
                house=rng.choice(("砖瓦房3间", "砖瓦房2间", "平房4间", "土坯房2间", "砖混平房3间")),
            )
            village.households.append(hh)
        if not any(h.identified_year >= 2015 for h in village.households) and vi == 0:
            village.households[-1].identified_year = 2015
            if village.households[-1].exit_year == 2015:
                village.households[-1].exit_year = 2017
        _dates_and_measures(rng, village, record_year)
        _pair_helpers(rng, ids, village, helpers, record_year)
        out.append(village)
    return Township(seed, fonds, name, COUNTY, record_year, out, helpers)


def _dates_and_measures(rng: random.Random, village: Village, record_year: int) -> None:
    batches: dict[tuple[str, int], Batch] = {}
    for hh in village.households:
        b = batches.get(("identify", hh.identified_year))
        if b is None:
            b = batches[("identify", hh.identified_year)] = _timeline(
                rng, "identify", hh.identified_year
            )
        b.households.append(hh.household_no)
        hh.apply_date = b.apply_start + dt.timedelta(days=rng.randint(0, 8))
        hh.survey_date = hh.apply_date + dt.timedelta(days=rng.randint(2, 10))
        if hh.survey_date >= b.review_meeting:
            hh.survey_date = b.review_meeting - dt.timedelta(days=1)
        hh.identified_date = b.county_approval
        if hh.exit_year is not None:
            e = batches.get(("exit", hh.exit_year))
            if e is None:
                e = batches[("exit", hh.exit_year)] = _timeline(rng, "exit", hh.exit_year)
            e.households.append(hh.household_no)
            hh.exit_date = e.county_approval
        # income: per-capita net income, below the line at identification, above at exit
        inc = int(POVERTY_LINE[hh.identified_year] * rng.uniform(0.55, 0.9))
        for year in range(hh.identified_year, 2021):
            if year > hh.identified_year:
                inc = int(inc * rng.uniform(1.12, 1.35))
            if hh.exit_year is not None and year >= hh.exit_year:
                inc = max(inc, int(POVERTY_LINE[year] * rng.uniform(1.12, 1.5)))
            elif hh.exit_year is None or year < hh.exit_year:
                inc = min(inc, int(POVERTY_LINE[year] * rng.uniform(0.8, 0.97)))
            hh.incomes[year] = inc // 10 * 10
    village.batches = sorted(batches.values(), key=lambda b: (b.apply_start, b.kind))


def _pair_helpers(
    rng: random.Random, ids: _IdFactory, village: Village, helpers: list[Helper], record_year: int
) -> None:
    """Each helper takes 2-3 households of the village (never more than 3 at once)."""
    order = list(village.households)
    rng.shuffle(order)
    i = 0
    while i < len(order):
        take = min(len(order) - i, rng.choice((2, 3, 3)))
        sex = "男" if rng.random() < 0.7 else "女"
        birth = _birth(rng, 1965, 1990)
        unit, posts = rng.choice(HELPER_UNITS)
        helper = Helper(
            rng.choice(SURNAMES) + _given(rng, sex, False),
            ids.make(birth, sex),
            sex,
            unit,
            rng.choice(posts),
            _phone(rng),
        )
        helpers.append(helper)
        for hh in order[i : i + take]:
            assign_helper(rng, hh, helper)
        i += take
    for hh in village.households:
        plan_help(rng, hh, record_year)


def assign_helper(rng: random.Random, hh: Household, helper: Helper) -> None:
    """Pair ``helper`` with ``hh`` from a date after identification to the end of 2020."""
    assert hh.identified_date is not None
    campaign = dt.date(2016, 3, 1) + dt.timedelta(days=rng.randint(0, 60))
    start = max(hh.identified_date + dt.timedelta(days=rng.randint(20, 80)), campaign)
    hh.helper = helper
    hh.pairing_start = start
    hh.pairing_end = dt.date(2020, 12, 31)


def plan_help(rng: random.Random, hh: Household, record_year: int) -> None:
    """Measures from the pairing year to 2019 and the helper's visits in ``record_year``."""
    assert hh.pairing_start is not None
    cats = _CAUSE_MEASURES[hh.cause]
    hh.measures = []
    for year in range(max(2016, hh.pairing_start.year), max(2020, record_year + 1)):
        n = rng.choice((1, 1, 2)) if year != record_year else rng.choice((1, 2, 2))
        for _ in range(n):
            lo = dt.date(year, 3, 1) if year != hh.pairing_start.year else hh.pairing_start
            date = _date_between(rng, max(lo, dt.date(year, 3, 1)), dt.date(year, 11, 30))
            for _ in range(6):
                measure = make_measure(rng, rng.choice(cats), date)
                if all(m.content != measure.content for m in hh.measures):
                    hh.measures.append(measure)
                    break
    hh.measures.sort(key=lambda m: m.date)
    purposes = (
        "了解家庭收入情况",
        "宣传扶贫政策",
        "核实家庭人口变化",
        "查看产业发展情况",
        "了解就医情况",
        "帮助解决生产困难",
        "填写扶贫手册",
        "核对收入台账",
    )
    # A helper visits every month (入户 at the required frequency, seed 001), sometimes
    # twice. The visits have their own random stream: the planted VISIT_FREQUENCY faults
    # and the 走访照片 are drawn from them, and stay put when other draws change.
    visits = random.Random(f"visits:{hh.key}:{record_year}")
    hh.visits = []
    for month in range(1, 13):
        days = sorted(visits.sample(range(3, 28), 2 if visits.random() < 0.35 else 1))
        for day in days:
            hh.visits.append(Visit(dt.date(record_year, month, day), visits.choice(purposes)))
