"""Reading facts out of text: ID numbers, names, dates, amounts, document numbers.

Pure functions shared by ingest (classifying a page) and audit (comparing the
manual, the work log and the archive). They expect OCR noise: spaces between
characters, full-width digits, O for 0, 〔〕 read as [] or ().
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from dangan.archive import idnumber
from dangan.archive.chinese import to_simplified

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# What OCR makes of 〇 and 一 inside a year written in Chinese numerals.
_CN_YEAR_NOISE = str.maketrans(
    {"o": "〇", "Q": "〇", "@": "〇", "0": "〇", "-": "一", "—": "一", "_": "一"}
)
_CJK = r"\u4e00-\u9fff"
# Characters OCR engines commonly put in place of digits inside ID numbers.
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "Z": "2",
        "S": "5",
        "B": "8",
        "x": "X",
        "×": "X",
    }
)


@functools.lru_cache(maxsize=256)
def normalise(text: str) -> str:
    """NFKC (full-width to half-width), Simplified characters, no spaces between CJK."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return re.sub(rf"(?<=[{_CJK}\d:：])[ \t]+(?=[{_CJK}\d])|(?<=[{_CJK}])[ \t]+(?=[:：])", "", text)


# -- ID numbers ---------------------------------------------------------------------


_ID_RUN = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9OoDlIZSB|][ \t]?){17}[0-9Xx×OoDlIZSB|](?![0-9A-Za-z])"
)


def id_numbers(text: str) -> list[str]:
    """Valid 18-digit ID numbers in order of appearance.

    OCR splits numbers with single spaces and reads 0 as O; both are repaired, and
    the check digit decides whether the repair was right.
    """
    found: list[str] = []
    for match in _ID_RUN.finditer(unicodedata.normalize("NFKC", text)):
        candidate = re.sub(r"[ \t]", "", match.group()).translate(_DIGIT_LOOKALIKES)
        if idnumber.is_valid(candidate) and candidate not in found:
            found.append(candidate)
    return found


def invalid_id_numbers(text: str) -> list[str]:
    """18-character number strings that fail the GB 11643 check (a clerk's typo)."""
    flat = re.sub(r"[ \t]", "", unicodedata.normalize("NFKC", text))
    return [
        m.group()
        for m in re.finditer(r"(?<![0-9])\d{17}[\dXx](?![0-9])", flat)
        if not idnumber.is_valid(m.group())
    ]


# -- labelled fields ------------------------------------------------------------------


# Field labels that may directly follow a value once OCR has lost the spacing.
FIELD_LABELS = (
    "身份证号",
    "身份证",
    "性别",
    "民族",
    "出生",
    "所在村",
    "行政村",
    "家庭人口",
    "人口",
    "联系电话",
    "电话",
    "致贫原因",
    "帮扶",
    "户主",
    "姓名",
    "住址",
    "组别",
    "与户主关系",
    "年人均",
    "识别",
    "脱贫",
    "日期",
    "签字",
    "签名",
    "盖章",
)


def labelled(text: str, *labels: str, pattern: str = rf"[{_CJK}]{{2,4}}") -> str | None:
    """The value after `label:` (or label followed by spaces), e.g. 户主姓名: 王建国."""
    norm = normalise(text)
    for label in labels:
        match = re.search(rf"{label}\s*[:：]?\s*({pattern})", norm)
        if match:
            return _cut_at_label(norm, match.start(1), match.group(1))
    return None


def _cut_at_label(norm: str, start: int, value: str) -> str:
    """`value` up to where the next field's label begins inside it (王建国身 → 王建国)."""
    ahead = norm[start : start + len(value) + 6]
    cuts = [ahead.find(f) for f in FIELD_LABELS if 0 < ahead.find(f) < len(value)]
    return value[: min(cuts)] if cuts else value


def head_name(text: str) -> str | None:
    return labelled(text, "户主姓名", "户主", "申请人", "姓名", "贫困户姓名", "贫困户")


_NOT_NAMES = ("姓名", "单位", "职务", "工作", "签字", "签名", "盖章", "联系", "电话", "身份")


def helper_names(text: str) -> list[str]:
    """Names written after 帮扶责任人 (or 帮扶人, 结对帮扶人), also on its signature line
    (帮扶责任人签字：王华新); a table header (帮扶责任人 / 姓名 工作单位) is no name."""
    norm = normalise(text)
    pattern = (
        rf"(?:帮扶责任人|帮扶人|结对帮扶人)(?:姓名|签字|签名|\(签字\))?\s*[:：]?\s*"
        rf"([{_CJK}]{{2,3}})"
    )
    names = []
    for match in re.finditer(pattern, norm):
        after = re.match(rf"\s*[:：]\s*([{_CJK}]{{2,3}})", norm[match.end(1) :])
        if after and len(match.group(1)) == 2 and match.group(1)[1] in "字宇名":
            # what came first was a label OCR misread (签字 as 等字): the name follows
            names.append(_cut_at_label(norm, match.end(1) + after.start(1), after.group(1)))
        else:
            names.append(_cut_at_label(norm, match.start(1), match.group(1)))
    return list(
        dict.fromkeys(n for n in names if len(n) >= 2 and not n.startswith(_NOT_NAMES))
    )


def members(text: str) -> int | None:
    value = labelled(text, "家庭人口", "家庭人口数", "人口数", "家庭成员", pattern=r"\d{1,2}")
    return int(value) if value else None


def village_name(text: str) -> str | None:
    norm = normalise(text)
    match = re.search(rf"([{_CJK}]{{1,6}}村)(?:民委员会|委会|村民)?", norm)
    labelled_value = labelled(norm, "所在村", "行政村", "村名", pattern=rf"[{_CJK}]{{1,6}}村")
    return labelled_value or (match.group(1) if match else None)


# -- dates ------------------------------------------------------------------------------


def _cn_year(text: str) -> int | None:
    """二〇一八 → 2018, forgiving OCR: 二O〇一四 (a 〇 read twice), 二@〇一五, 二〇-四."""
    digits = _cn_number(text.translate(_CN_YEAR_NOISE))
    if digits is None:
        return None
    number = str(digits)
    if len(text) == 5 and "00" in number:
        number = number.replace("00", "0", 1)
    year = int(number)
    return year if 1990 <= year <= 2099 else None


def _cn_number(text: str) -> int | None:
    """二〇一八 → 2018 (digit by digit); 十二 → 12; 二十五 → 25."""
    if not text:
        return None
    if all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _CN_DIGITS.get(units, 0) if units else 0
        )
    return None


_NUM_DATE = re.compile(
    r"((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?"
)
_CN_DATE = re.compile(
    r"([〇零○OoQ@0一二三四五六七八九—_-]{4,5})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)


def dates(text: str) -> list[dt.date]:
    """Every real calendar date written in the text, in order."""
    norm = normalise(text)
    found: list[tuple[int, dt.date]] = []
    for match in _NUM_DATE.finditer(norm):
        try:
            found.append((match.start(), dt.date(*(int(g) for g in match.groups()))))
        except ValueError:
            continue
    for match in _CN_DATE.finditer(norm):
        year, month, day = match.groups()
        parts = [_cn_year(year), _cn_number(month), _cn_number(day)]
        if None not in parts:
            try:
                found.append((match.start(), dt.date(*parts)))  # type: ignore[arg-type]
            except ValueError:
                continue
    return [d for _, d in sorted(found, key=lambda pair: pair[0])]


def document_date(text: str) -> dt.date | None:
    """The date a form was made: a labelled date if there is one, else the last date
    in the text (forms are dated at the foot), ignoring birth dates."""
    norm = normalise(text)
    for label in ("填表日期", "(?<!出生)日期", "(?<!出生)时间"):
        match = re.search(rf"{label}\s*[:：]?\s*", norm)
        if match:
            after = dates(norm[match.end() : match.end() + 20])
            if after:
                return after[0]
    all_dates = [d for d in dates(norm) if d.year >= 2000]
    return all_dates[-1] if all_dates else None


def document_year(text: str, today: dt.date | None = None) -> int | None:
    """The year an undated form belongs to: a written-out year such as 2018年 or
    2018年度 (the latest one not in the future), when no full date could be read."""
    limit = (today or dt.date.today()).year
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", normalise(text))]
    years = [y for y in years if 2000 <= y <= limit]
    return max(years) if years else None


# -- document numbers and amounts ----------------------------------------------------------

_DOC_NO = re.compile(
    rf"([{_CJK}]{{1,8}})\s*[〔\[【(（［]\s*((?:19|20)\d{{2}})\s*[〕\]】)）］]\s*(\d{{1,4}})\s*号"
)


def document_numbers(text: str) -> list[str]:
    """文号 such as 桑发〔2018〕30号, restored from OCR's [2018] or (2018)."""
    norm = unicodedata.normalize("NFKC", text).replace(" ", "")
    found = []
    for m in _DOC_NO.finditer(norm):
        issuer = re.sub(r"^(?:依据|根据|按照|转发|印发|关于|按|与|和|及|见|经)+", "", m.group(1))
        found.append(f"{issuer}〔{m.group(2)}〕{m.group(3)}号")
    return list(dict.fromkeys(found))


def amounts(text: str) -> list[float]:
    """Sums of money in 元 (万元 converted)."""
    norm = normalise(text).replace(",", "")
    out = []
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s*(万元|元)", norm):
        value = float(match.group(1))
        out.append(value * 10000 if match.group(2) == "万元" else value)
    return out


_INCOME_LABEL = re.compile(r"人均(?:纯)?收入")
# 1,590 read as 1.590: money has no third decimal, so the point groups thousands
_GROUPED = re.compile(r"(?<![\d.])(\d{1,3})\.(\d{3})(?![\d.])")
_LEADING_YEAR = re.compile(r"^\D{0,3}((?:19|20)\d{2})\s*年度?")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|元)?")


def incomes_by_year(text: str, year: int | None = None) -> list[tuple[int, float, str]]:
    """(year, income per person in 元, the line) for every 人均纯收入 written in the
    text: a labelled value ("2018年家庭人均纯收入：3060元", "人均纯收入 2130.00元"), its
    year written on the line or else `year` (the form's); or a table under a header
    naming 人均纯收入 whose rows start with their year ("2018年 3060.00元 否")."""
    found: list[tuple[int, float, str]] = []
    in_table = False
    for raw in normalise(text).replace(",", "").splitlines():
        line = _GROUPED.sub(r"\1\2", raw.strip())
        label = _INCOME_LABEL.search(line)
        if label:
            after = _NUMBER.search(line, label.end())
            if after and after.start() - label.end() <= 4:
                on_line = _LEADING_YEAR.search(line[: label.start()]) or re.search(
                    r"((?:19|20)\d{2})\s*年", line[: label.start()]
                )
                value = float(after.group(1)) * (10000 if after.group(2) == "万元" else 1)
                if on_line or year:
                    found.append((int(on_line.group(1)) if on_line else year, value, line))  # type: ignore[arg-type]
                in_table = False
            else:
                in_table = True  # a header: the rows below carry the values
            continue
        row = _LEADING_YEAR.match(line)
        if in_table and row:
            value = _NUMBER.search(line, row.end())
            if value and ("." in value.group(1) or value.group(2)):
                found.append((int(row.group(1)), float(value.group(1)), line))  # type: ignore[union-attr]
                continue
        in_table = in_table and bool(row)
    return found


def labelled_amount(text: str, *labels: str) -> float | None:
    value = labelled(text, *labels, pattern=r"\d+(?:\.\d+)?")
    return float(value) if value else None


# -- the form's title ---------------------------------------------------------------------


@dataclass(frozen=True)
class TitleMatch:
    title: str
    line: str
    score: float


def form_title(text: str, titles: list[str], head_lines: int = 4) -> TitleMatch | None:
    """The known form title on the first lines, tolerating one OCR slip in long titles."""
    from rapidfuzz import fuzz

    lines = [re.sub(r"[\s\W_]+", "", normalise(line)) for line in text.splitlines()]
    lines = [line for line in lines if line][:head_lines]
    best: TitleMatch | None = None
    for line in lines:
        for title in titles:
            if title in line:
                score = 100.0
            elif len(title) >= 4:
                score = fuzz.partial_ratio(title, line)
                if score < 100 * (len(title) - 1) / len(title) - 0.01:
                    continue
            else:
                continue
            # Prefer the longer title among matches on the earliest line.
            if best is None or (score, len(title)) > (best.score, len(best.title)):
                best = TitleMatch(title, line, score)
        if best:
            return best
    return None
