"""The same papers in the layouts and wordings other offices use, and a held-out family.

`forms` writes each document the way one office does. Real offices name the head of
household in the title ("王建国户2018年度收入调查表") or in a cell labelled 户主, 户主姓名,
申请人 or 姓名; write the 户编号 alone (017) or joined with the village code (003017);
date as 2018年3月5日, 2018.3.5 or 二〇一八年三月五日; keep minutes and work logs that
name households and helpers but never their own village; receive documents from above
known by their 文号, typed with whatever brackets were at hand. `restyle` rewrites a
generated document into one such `Style` without changing a fact it states, so the
ground truth and the planted faults (`faults`) hold for every family.

Families (`build_township(..., layouts=...)`):

- ``classic``: the documents as `forms` writes them (what `dangan demo` shows);
- ``developed``: each document in one of three styles, classic, `COUNTY_STYLE` or
  `LEDGER_STYLE`, plus incoming documents (V12): what the classifier's rules are
  developed and tuned against;
- ``unseen``: each document in a held-out style (`HELD_OUT`), plus incoming documents:
  used only to measure (`bench/classify.py --unseen`), never looked at while tuning
  thresholds, vocabularies or patterns. It stands in for papers nobody here has seen.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from dangan.demo.forms import (
    Block,
    Cell,
    Document,
    Grid,
    Para,
    Seal,
    V,
    cell_text,
    fmt_date,
    title_block,
    village_document,
)
from dangan.demo.people import CITY, COUNTY, Township, Village

LAYOUT_FAMILIES = ("classic", "developed", "unseen")

_HEAD_LABELS = ("户主姓名", "户主", "贫困户")
_NO_RESTYLE = ("H15", "H16")  # an ID card copy and a photo have no office layout


@dataclass(frozen=True)
class Style:
    """One office's way of writing the same papers."""

    name: str
    head_label: str | None = None  # the label of the head's cell or line
    title: str | None = None  # a household form's title naming its head: {head} {year} {title}
    title_only: frozenset[str] = frozenset()  # types naming the head in the title only
    household_no: str | None = None  # the 户编号 line: {village} code, {no} household number
    dates: str | None = None  # dotted | zh | slash | dotted_padded
    names_village: bool = True  # False: minutes and logs never write their village's name
    merged_header: bool = False  # a row merged across the first table; village papers open
    # with a merged header table
    brackets: tuple[str, str] = ("〔", "〕")  # around the year of a 文号
    receipt: str = "{village}收文  {date}"  # the receiving village's stamp on a V12


CLASSIC = Style("classic")
COUNTY_STYLE = Style(
    "county",
    head_label="户主",
    title="{head}户{year}年度{title}",
    title_only=frozenset({"H09", "H11", "H12"}),
    household_no="户编号：{village}{no}",
    dates="dotted",
    names_village=False,
    brackets=("[", "]"),
    receipt="{village}收文  {date}",
)
LEDGER_STYLE = Style(
    "ledger",
    head_label="姓名",
    household_no="户编号：{no}",
    dates="zh",
    merged_header=True,
    receipt="收文单位：{village}村民委员会    收文日期：{date}",
)
DEVELOPED = (CLASSIC, COUNTY_STYLE, LEDGER_STYLE)
HELD_OUT = (
    Style(
        "held_out_family_house",
        head_label="户  主",
        title="{year}年{head}家庭{title}",
        title_only=frozenset({"H05", "H09", "H11", "H12"}),
        household_no="户号：{village}-{no}",
        dates="slash",
        names_village=False,
        merged_header=True,
        brackets=("（", "）"),
        receipt="{village}村委会收文登记  {date}",
    ),
    Style(
        "held_out_applicant",
        head_label="申请人",
        title="{head}家{title}",
        title_only=frozenset({"H11", "H12", "H13"}),
        household_no="编号：{village}{no}",
        dates="dotted_padded",
        names_village=False,
        brackets=("【", "】"),
        receipt="收文：{village}  {date}",
    ),
)


def styles_of(family: str) -> tuple[Style, ...]:
    if family == "classic":
        return (CLASSIC,)
    if family == "developed":
        return DEVELOPED
    if family == "unseen":
        return HELD_OUT
    raise ValueError(f"unknown layout family {family!r}: one of {', '.join(LAYOUT_FAMILIES)}")


def pick_style(family: str, seed: int, doc: Document) -> Style:
    """The style one document is written in (a pure function of the seed and the document)."""
    rng = random.Random(f"style:{seed}:{doc.doc_type}:{doc.title}:{doc.date}")
    return rng.choice(styles_of(family))


# -- rewriting text ----------------------------------------------------------------------

_ARABIC_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ZH_DATE = re.compile(
    r"([〇一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_ZH_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _zh_int(text: str) -> int:
    if "十" not in text:
        return int("".join(str(_ZH_VALUE[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_ZH_VALUE[tens] if tens else 1) * 10 + (_ZH_VALUE[ones] if ones else 0)


def write_date(d: dt.date, style: str) -> str:
    if style == "dotted":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "dotted_padded":
        return f"{d:%Y.%m.%d}"
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    return fmt_date(d, style)


def _redate(text: str, style: str) -> str:
    def arabic(m: re.Match[str]) -> str:
        return write_date(dt.date(*(int(g) for g in m.groups())), style)

    def zh(m: re.Match[str]) -> str:
        year = int("".join(str(_ZH_VALUE[c]) for c in m.group(1)))
        return write_date(dt.date(year, _zh_int(m.group(2)), _zh_int(m.group(3))), style)

    return _ZH_DATE.sub(zh, _ARABIC_DATE.sub(arabic, text))


def _map_text(blocks: list[Block], fn: Callable[[str], str]) -> list[Block]:
    """Every run and cell rewritten by `fn`, a filled-in value staying a value."""

    def one(s: str) -> str:
        out = fn(s)
        return V(out) if isinstance(s, V) else out

    def cell(c: Cell) -> Cell:
        return (one(c[0]), c[1]) if isinstance(c, tuple) else one(c)

    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Para):
            out.append(replace(b, runs=tuple(one(r) for r in b.runs)))
        elif isinstance(b, Grid):
            out.append(replace(b, rows=[[cell(c) for c in row] for row in b.rows]))
        else:
            out.append(b)
    return out


def _relabel(blocks: list[Block], label: str) -> list[Block]:
    """The head's label as this office writes it: a cell 户主姓名, a line 户主：."""

    def fn(s: str) -> str:
        if s in ("户主姓名", "户主"):
            return label
        return re.sub(r"户主(?:姓名)?[:：]", label + "：", s)

    return _map_text(blocks, fn)


def _without_head(
    blocks: list[Block], head: str, id_number: str, filler: Cell
) -> tuple[list[Block], bool]:
    """The head's own cell or line taken out (the title names them): a line loses its
    户主/身份证号 fields, a table row its label and name cells, `filler` in their place
    (the second value says whether a row took it)."""
    out: list[Block] = []
    filled = False
    field_re = re.compile(
        rf"(?:户主姓名|户主|贫困户)[:：]\s*{re.escape(head)}\s*|身份证号[:：]\s*{id_number}\s*"
    )
    for b in blocks:
        if isinstance(b, Para):
            runs: list[str] = []
            skip = False
            for i, r in enumerate(b.runs):
                if skip:
                    skip = False
                    continue
                nxt = b.runs[i + 1] if i + 1 < len(b.runs) else None
                label = re.search(r"(?:户主姓名|户主|贫困户)[:：]\s*$", r)
                if label and nxt == head and not r.endswith("签字："):
                    r, skip = r[: label.start()], True
                r = field_re.sub("", r)
                runs.append(V(r) if isinstance(b.runs[i], V) else r)
            out.append(replace(b, runs=tuple(runs)))
        elif isinstance(b, Grid):
            rows = []
            for row in b.rows:
                texts = [cell_text(c) for c in row]
                for k in range(len(row) - 1):
                    if (
                        texts[k] in _HEAD_LABELS
                        and texts[k + 1] == head
                        and not isinstance(row[k + 1], tuple)
                    ):
                        row = [*row[:k], filler, *row[k + 2 :]]
                        filled = True
                        break
                rows.append(row)
            out.append(replace(b, rows=rows))
        else:
            out.append(b)
    return out, filled


def _columns(g: Grid) -> int:
    return len(g.widths)


def restyle(doc: Document, style: Style, t: Township, v: Village) -> Document:
    """`doc` written in `style`: the same facts, another office's layout and wording."""
    if style is CLASSIC or doc.doc_type in _NO_RESTYLE:
        return doc
    blocks = list(doc.blocks)
    form_title = doc.form_title
    if doc.household_no is not None:
        hh = next(h for h in v.households if h.household_no == doc.household_no)
        number = (
            style.household_no.format(village=v.code, no=hh.household_no)
            if style.household_no
            else None
        )
        placed = False
        if doc.doc_type in style.title_only:
            label, _, value = (number or "").partition("：")
            filler: Cell = (f"{label}：{value}", 2) if number else (V(""), 2)
            blocks, placed = _without_head(blocks, hh.head.name, hh.head.id_number, filler)
        if style.head_label:
            blocks = _relabel(blocks, style.head_label)
        if style.title:
            bare = re.sub(r"^\d{4}年度?", "", form_title)
            form_title = style.title.format(head=hh.head.name, year=doc.date.year, title=bare)
            head = blocks[0]
            assert isinstance(head, Para)
            blocks[0] = replace(head, runs=(form_title,))
        if number and not placed:
            blocks.insert(1, Para((number,), size=11, align="right", after=4))
        if style.merged_header:
            blocks = _merge_header(blocks, f"所在村：{t.name}{v.name}{hh.group}组")
    elif not style.names_village and doc.doc_type in ("V02", "V03"):
        form_title = form_title.replace(v.name, "")
        blocks = _map_text(blocks, lambda s: _unname_village(s, v.name))
        head = blocks[0]
        assert isinstance(head, Para)
        blocks[0] = replace(head, runs=(form_title,))
    elif style.merged_header:
        blocks.insert(
            1,
            Grid(
                [[(f"{t.name}{v.name}", 4)], ["年度", f"{doc.date.year}年", "类别", "村级资料"]],
                [1.0, 2.0, 1.0, 2.0],
                size=10.5,
            ),
        )
    if style.dates:
        dates = style.dates
        blocks = _map_text(blocks, lambda s: _redate(s, dates))
    return replace(doc, blocks=blocks, form_title=form_title)


def _unname_village(text: str, village: str) -> str:
    text = re.sub(rf"行政村[:：]\s*{village}\s*", "", text)
    return text.replace(f"{village}两委", "村两委").replace(village, "本村")


def _merge_header(blocks: list[Block], text: str) -> list[Block]:
    """The first table opens with a row merged across all its columns."""
    for i, b in enumerate(blocks):
        if isinstance(b, Grid):
            blocks = list(blocks)
            blocks[i] = replace(b, rows=[[(text, _columns(b))], *b.rows])
            break
    return blocks


# -- incoming documents (上级来文, V12) ---------------------------------------------------

_TOPICS = (
    ("关于做好{year}年度扶贫档案资料整理工作的通知", "扶贫档案资料整理工作方案"),
    ("关于开展“两不愁三保障”回头看排查工作的通知", "“两不愁三保障”回头看排查工作方案"),
    ("关于印发《{year}年产业扶贫项目实施方案》的通知", "产业扶贫项目实施方案"),
    ("关于进一步加强帮扶责任人入户走访工作的通知", "帮扶责任人入户走访工作要求"),
    ("关于做好扶贫小额信贷到期还款工作的通知", "扶贫小额信贷到期还款工作要求"),
)


def incoming_documents(t: Township, v: Village, style: Style, seed: int) -> list[Document]:
    """Two documents from above as the village received them: the township's and the
    county office's, each with its 文号 on its own line under the issuer's red head."""
    docs = []
    issuers = (
        (f"{t.name}人民政府文件", f"{t.name}人民政府", t.name[0] + "政发"),
        (
            f"{COUNTY}扶贫开发领导小组办公室文件",
            f"{COUNTY}扶贫开发领导小组办公室",
            COUNTY[0] + "扶组办发",
        ),
    )
    for k, (head, issuer, prefix) in enumerate(issuers):
        rng = random.Random(f"vdoc:{seed}:{v.code}:V12:{k}")
        year = t.record_year
        date = dt.date(year, rng.randint(2, 11), rng.randint(1, 28))
        received = date + dt.timedelta(days=rng.randint(2, 9))
        subject, plan = _TOPICS[rng.randrange(len(_TOPICS))]
        subject = subject.format(year=year)
        number = f"{prefix}{style.brackets[0]}{year}{style.brackets[1]}{rng.randint(3, 96)}号"
        dates = style.dates or "arabic"
        blocks: list[Block] = [
            title_block(head, 20),
            Para((number,), size=12, align="center", after=12),
            Para((subject,), size=15, align="center", font="bold", after=10),
            Para((f"各村（社区）、{t.name}直各单位：",), after=6),
            Para(
                (
                    f"为认真贯彻落实上级关于脱贫攻坚工作的部署要求，现将《{plan}》印发给你们，"
                    "请结合实际认真抓好落实。各村要明确专人负责，建立工作台账，按时报送"
                    "工作进展情况。",
                ),
                indent=2,
                after=6,
            ),
            Para(("附件：" + plan,), indent=2, after=20),
            Para((issuer,), align="right"),
            Seal(issuer if issuer.startswith(CITY) else f"{CITY}{issuer}"),
            Para((write_date(date, dates),), align="right", after=18),
            Para(
                (V(style.receipt.format(village=v.name, date=write_date(received, dates))),),
                size=11,
            ),
        ]
        docs.append(village_document(v, "V12", date, blocks, head, subject, handwritten=False))
    return docs
