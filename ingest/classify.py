"""Classification: document type, village and household, each with a confidence.

Type comes from a 文号 on a line of its own under the issuer's head (a document from
above, V12), else from the form's title on its first lines (the scheme lists the titles
of each type), else from wording only one type uses (an application's 特申请纳入),
checked against a model learned from filed items. The household is matched by ID
number first (exact); else by what the page names, which must agree: the head's name
in a labelled field, a roster head named in the title ("王建国户2018年度收入调查表"),
a 户编号 (joined with the village code, 003017, or alone within the village); then by
the head's name OCR-tolerantly, then by the uploader's hints, then by names in the
file's name (`ingest.namehints`). A village paper's village is the one it names, else
the one whose households and helpers it names. Anything uncertain or ambiguous (two
households named 王小明) goes to review with its reasons, never to a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.archive import facts
from dangan.archive.models import Document, Helper, Household, Pairing, Village
from dangan.archive.scheme import Scheme
from dangan.ingest.namehints import name_hints
from dangan.ingest.typemodel import TypeModel

THRESHOLD = 0.8
PHOTO_KINDS = ("jpeg", "png", "tiff", "heic")
PHRASE_CONFIDENCE = 0.85
HINT_CONFIDENCE = 0.9
NAME_HINT_CONFIDENCE = 0.85
"""A household named in the file's name, not chosen by the uploader (`ingest.namehints`)."""
NAMED_CONFIDENCE = 0.9
"""A household the page names exactly: its head in a labelled field or the title, or
its 户编号 joined with the village code; a second such reading that agrees adds to it."""
NUMBER_IN_VILLAGE_CONFIDENCE = 0.85
"""A 户编号 written alone, read within the village the page names."""
HEADING_CONFIDENCE = 0.95
"""A 文号 on a line of its own under the issuer's head: a document from above (V12)."""
PEOPLE_CONFIDENCE = 0.85
"""A village paper's village from the households and helpers it names, all of one village."""
NAME_LENGTHS = range(2, 5)
"""Chinese personal names are two to four characters long."""


@dataclass
class Decision:
    doc_type: str | None = None
    type_confidence: float = 0.0
    village: Village | None = None
    household: Household | None = None
    place_confidence: float = 0.0
    date: dt.date | None = None
    year: int | None = None
    title: str | None = None
    title_made_up: bool = False
    doc_number: str | None = None  # 文号
    responsible: str | None = None  # 责任者: the issuer of a document from above
    people: list[str] = field(default_factory=list)  # cadres a village paper names by role
    reasons: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return round(min(self.type_confidence, self.place_confidence), 3)

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_type": self.doc_type,
            "type_confidence": round(self.type_confidence, 3),
            "village_code": self.village.code if self.village else None,
            "household_no": self.household.household_no if self.household else None,
            "place_confidence": round(self.place_confidence, 3),
            "date": self.date.isoformat() if self.date else None,
            "year": self.year,
            "title": self.title,
            "doc_number": self.doc_number,
            "reasons": self.reasons,
        }


def _title_types(scheme: Scheme) -> dict[str, str]:
    return {title: code for code, t in scheme.types.items() for title in t.titles}


def _phrase_type(text: str, scheme: Scheme) -> str | None:
    """The one type whose key phrases the text uses (the title was lost or is missing)."""
    flat = "".join(facts.normalise(text).split())
    found = {code for code, t in scheme.types.items() if any(p in flat for p in t.phrases)}
    return found.pop() if len(found) == 1 else None


def decide_type(
    text: str, scheme: Scheme, model: TypeModel | None, decision: Decision
) -> str | None:
    """Sets doc_type and its confidence; returns the title line found, if any."""
    heading = facts.heading_number(text)
    if heading is not None:
        decision.doc_number = heading.number
        if "V12" in scheme.types:
            decision.doc_type, decision.type_confidence = "V12", HEADING_CONFIDENCE
            decision.responsible = heading.issuer
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            return lines[heading.line + 1] if heading.line + 1 < len(lines) else None
    by_title = _title_types(scheme)
    match = facts.form_title(text, list(by_title))
    predicted, probability = model.predict(text) if model and text.strip() else (None, 0.0)
    if match:
        decision.doc_type = by_title[match.title]
        decision.type_confidence = 0.97 if match.score >= 100 else 0.85
        if predicted and predicted != decision.doc_type and probability > 0.6:
            decision.type_confidence = 0.6
            decision.reasons.append(
                f"标题像{scheme.types[decision.doc_type].name}, 内容像{scheme.types[predicted].name}"
            )
        elif predicted == decision.doc_type:
            decision.type_confidence = max(decision.type_confidence, probability)
        return match.line
    phrased = _phrase_type(text, scheme)
    if phrased:
        decision.doc_type, decision.type_confidence = phrased, PHRASE_CONFIDENCE
        if predicted and predicted != phrased and probability > 0.6:
            decision.type_confidence = 0.6
            decision.reasons.append(
                f"措辞像{scheme.types[phrased].name}, 内容像{scheme.types[predicted].name}"
            )
        return None
    if predicted:
        decision.doc_type, decision.type_confidence = predicted, min(probability, 0.9)
        if probability < THRESHOLD:
            decision.reasons.append(
                f"未找到表头, 按内容推测为{scheme.types[predicted].name}(把握不足)"
            )
    else:
        decision.reasons.append("未识别出文件类型(没有已知表头)")
    return None


def _households_named(
    session: Session, name: str, village: Village | None
) -> list[tuple[Household, float]]:
    query = select(Household)
    if village is not None:
        query = query.where(Household.village_id == village.id)
    households = list(session.scalars(query))
    names = [h.head_name for h in households]
    scored = process.extract(name, names, scorer=fuzz.ratio, limit=5, score_cutoff=60)
    return [(households[index], score / 100) for _, score, index in scored]


def village_in_text(session: Session, text: str) -> Village | None:
    """The village the text names: a roster village written out in full, else the
    closest to a "…村" phrase (OCR slips). A township name like 桑村镇 is no village."""
    villages = list(session.scalars(select(Village)))
    norm = facts.normalise(text)
    positions = [(norm.find(v.name), v) for v in villages if v.name and v.name in norm]
    if positions:
        return min(positions, key=lambda pair: pair[0])[1]
    name = facts.village_name(text)
    if not name:
        return None
    found = process.extractOne(name, [v.name for v in villages], scorer=fuzz.ratio, score_cutoff=80)
    return villages[found[2]] if found else None


def _name_pieces(text: str) -> set[str]:
    runs = re.findall(r"[\u3400-\u9fff]{2,}", text)
    return {run[i : i + n] for run in runs for n in NAME_LENGTHS for i in range(len(run) - n + 1)}


def village_of_people(session: Session, text: str) -> tuple[Village | None, list[str]]:
    """The village whose household heads, helpers and cadres the text names, when every
    one it names belongs to that village and there are at least two (minutes and logs
    rarely write their own village's name). Cadres are known from the village papers
    already filed, which name them by role (`facts.people_named`). Returns the village,
    or None and why not."""
    pieces = _name_pieces(facts.normalise(text))
    if not pieces:
        return None, []
    villages: dict[str, set[int]] = {}
    for name, village_id in session.execute(
        select(Household.head_name, Household.village_id).where(Household.head_name.in_(pieces))
    ):
        villages.setdefault(name, set()).add(village_id)
    for name, village_id in session.execute(
        select(Helper.name, Household.village_id)
        .join(Pairing, Pairing.helper_id == Helper.id)
        .join(Household, Household.id == Pairing.household_id)
        .where(Helper.name.in_(pieces))
    ):
        villages.setdefault(name, set()).add(village_id)
    for village_id, extra in session.execute(
        select(Document.village_id, Document.extra).where(
            Document.status == "filed",
            Document.household_id.is_(None),
            Document.village_id.is_not(None),
        )
    ):
        for name in (extra or {}).get("people", ()):
            if name in pieces:
                villages.setdefault(name, set()).add(village_id)
    # 王山国 in the text also holds 王山: a name inside a longer one found is not counted
    names = [n for n in villages if not any(n != m and n in m for m in villages)]
    ids = {i for n in names for i in villages[n]}
    if len(names) >= 2 and len(ids) == 1:
        return session.get(Village, ids.pop()), []
    if len(ids) > 1:
        return None, [f"文中人名分属多个村: {'、'.join(sorted(names)[:6])}"]
    return None, []


def _households_numbered(
    session: Session, text: str, village: Village | None
) -> list[tuple[Household, bool]]:
    """Households a 户编号 on the page names, each with whether it was written with its
    village code (003017, 003-017: sure anywhere) or alone (017: only within `village`)."""
    found: dict[int, tuple[Household, bool]] = {}
    numbers = facts.household_numbers(text)
    if not numbers:
        return []
    villages = list(session.scalars(select(Village)))

    def add(v: Village, number: str, joined: bool) -> None:
        for h in session.scalars(select(Household).where(Household.village_id == v.id)):
            if h.household_no.isdigit() and int(h.household_no) == int(number):
                found.setdefault(h.id, (h, joined))

    for groups in numbers:
        if len(groups) == 2:
            for v in villages:
                if v.code.isdigit() and int(v.code) == int(groups[0]):
                    add(v, groups[1], True)
            continue
        digits = groups[0]
        for v in villages:
            if len(digits) > len(v.code) and digits.startswith(v.code):
                add(v, digits[len(v.code) :], True)
        if village is not None and len(digits) <= 4:
            add(village, digits, False)
    return list(found.values())


def _heads_in_title(session: Session, text: str, village: Village | None) -> list[Household]:
    """Roster heads named in the title lines ("王建国户2018年度收入调查表")."""
    lines = [re.sub(r"\s+", "", facts.normalise(line)) for line in text.splitlines()]
    title = "".join([line for line in lines if line][:2])
    pieces = _name_pieces(title)
    if not pieces:
        return []
    query = select(Household).where(Household.head_name.in_(pieces))
    if village is not None:
        query = query.where(Household.village_id == village.id)
    households = list(session.scalars(query))
    longest = max((len(h.head_name) for h in households), default=0)
    return [h for h in households if len(h.head_name) == longest]


def corroboration(text: str, household: Household) -> list[str]:
    """Facts in the text that agree with the roster's record of `household`."""
    agree = []
    members = facts.members(text)
    if members is not None and members == household.members:
        agree.append("家庭人口")
    if household.phone and household.phone in facts.normalise(text).replace(" ", ""):
        agree.append("联系电话")
    helpers = {p.helper.name for p in household.pairings}
    if helpers & set(facts.helper_names(text)):
        agree.append("帮扶责任人")
    return agree


def _named_household(
    session: Session, text: str, village: Village | None, reasons: list[str]
) -> tuple[Household | None, float]:
    """The household the page names without an ID number: every exact reading (the
    head's labelled name, a head named in the title, a 户编号) must point to the same
    one; else the labelled name read OCR-tolerantly, never sure on its own."""
    name = facts.head_name(text)
    candidates = _households_named(session, name, village) if name else []
    exact = [h for h, score in candidates if score == 1.0]
    readings: list[tuple[Household, float]] = []
    if len(exact) == 1:
        readings.append((exact[0], NAMED_CONFIDENCE))
    titled = _heads_in_title(session, text, village)
    if len(titled) == 1 and titled[0] not in exact:
        readings.append((titled[0], NAMED_CONFIDENCE))
    for household, joined in _households_numbered(session, text, village):
        readings.append((household, NAMED_CONFIDENCE if joined else NUMBER_IN_VILLAGE_CONFIDENCE))
    pointed = {h.id: h for h, _ in readings}
    if len(pointed) == 1:
        best = max(c for _, c in readings)
        agreeing = len(readings) > 1
        return readings[0][0], min(0.97, best + 0.05) if agreeing else best
    if len(pointed) > 1:
        reasons.append(
            "文中的户主姓名、标题或户编号指向不同的户: "
            + "、".join(
                f"{h.head_name}({h.village.name}{h.household_no})" for h in pointed.values()
            )
        )
        return None, 0.0
    if len(exact) > 1 or len(titled) > 1:
        many = exact if len(exact) > 1 else titled
        reasons.append(
            f"户主姓名 {name or many[0].head_name} 对应多户: "
            + "、".join(f"{h.village.name}{h.household_no}" for h in many)
        )
        return None, 0.0
    if candidates:
        best, score = candidates[0]
        runner_up = candidates[1][1] if len(candidates) > 1 else 0.0
        backed = corroboration(text, best) if village is not None else []
        if backed and score - runner_up >= 0.15:
            # One character misread, but the village and other facts agree.
            return best, 0.85
        reasons.append(f"户主姓名 {name} 与花名册不完全一致, 最接近 {best.head_name}")
        return best, min(score, 0.75)
    return None, 0.0


def decide_place(
    session: Session,
    text: str,
    level: str,
    hints: dict[str, str],
    decision: Decision,
    from_name: frozenset[str] = frozenset(),
) -> None:
    """Village and household of the item; `from_name` holds the keys of `hints` read
    from the file's name rather than given by the uploader (they count for less)."""
    hinted_village = (
        session.scalar(select(Village).where(Village.code == hints["hint_village"]))
        if hints.get("hint_village")
        else None
    )
    hinted_household = (
        session.scalar(
            select(Household).where(
                Household.village_id == hinted_village.id,
                Household.household_no == hints["hint_household"],
            )
        )
        if hinted_village and hints.get("hint_household")
        else None
    )
    named_village = village_in_text(session, text) if hinted_village is None else None
    village = hinted_village or named_village

    if level == "village":
        decision.people = facts.people_named(text)
        confidence = (
            0.85
            if named_village or "hint_village" in from_name
            else 0.95
            if hinted_village
            else 0.0
        )
        if village is None:
            village, why = village_of_people(session, text)
            confidence = PEOPLE_CONFIDENCE if village else 0.0
            decision.reasons.extend(why)
        decision.village = village
        decision.place_confidence = confidence
        if village is None:
            decision.reasons.append("未能确定所属行政村")
        return

    by_id = [
        h
        for number in facts.id_numbers(text)
        for h in session.scalars(select(Household).where(Household.id_number == number))
    ]
    distinct = list({h.id: h for h in by_id}.values())
    if len(distinct) == 1:
        found, confidence = distinct[0], 1.0
    elif len(distinct) > 1:
        decision.reasons.append(
            "文中有多户的身份证号: "
            + "、".join(f"{h.head_name}({h.household_no})" for h in distinct)
        )
        found, confidence = None, 0.0
    else:
        found, confidence = _named_household(session, text, village, decision.reasons)
    if hinted_household is not None:
        if found is not None and found.id != hinted_household.id and confidence >= 0.9:
            decision.reasons.append(
                f"{'文件名写的是' if 'hint_household' in from_name else '上传时指定为'} "
                f"{hinted_household.head_name}, "
                f"文中内容指向 {found.head_name}"
            )
            confidence = 0.5
        else:
            hinted = NAME_HINT_CONFIDENCE if "hint_household" in from_name else HINT_CONFIDENCE
            found, confidence = hinted_household, max(confidence, hinted)
    if found is None:
        decision.reasons.append("未能确定所属贫困户")
    if (
        found is not None
        and village is not None
        and found.village_id != village.id
        and hinted_village
    ):
        decision.reasons.append(
            f"{found.head_name} 不在"
            f"{'文件名中' if 'hint_village' in from_name else '上传时指定'}的 {village.name}"
        )
        confidence = min(confidence, 0.5)
    decision.household = found
    decision.village = found.village if found else village
    decision.place_confidence = confidence


def decide(
    session: Session,
    scheme: Scheme,
    text: str,
    *,
    kind: str,
    metadata: dict[str, Any],
    hints: dict[str, str],
    model: TypeModel | None,
    name: str = "",
) -> Decision:
    """Everything about one item; `name` is the file's name as uploaded, folders
    included, read for hints the uploader did not give (`ingest.namehints`)."""
    decision = Decision()
    from_name: frozenset[str] = frozenset()
    if not hints.get("hint_household"):
        taken = {
            k: v
            for k, v in name_hints(session, name, hints.get("hint_village")).items()
            if k not in hints
        }
        hints, from_name = {**hints, **taken}, frozenset(taken)
    title_line = None
    if not text.strip() and kind in PHOTO_KINDS:
        # A photo of the work: a household's photo if we know whose, else the village's.
        decision.doc_type = "H16" if hints.get("hint_household") else "V09"
        decision.type_confidence = 0.9
    else:
        title_line = decide_type(text, scheme, model, decision)
    level = scheme.types[decision.doc_type].level if decision.doc_type else "household"
    decide_place(session, text, level, hints, decision, from_name)
    decision.date = facts.document_date(text)
    if decision.date is None and metadata.get("date_taken"):
        decision.date = dt.date.fromisoformat(str(metadata["date_taken"])[:10])
    # An undated item can still be filed under its year (the catalog's date stays empty).
    decision.year = decision.date.year if decision.date else facts.document_year(text)
    if decision.year is None:
        decision.reasons.append("未识别出文件日期或年度")
        decision.type_confidence = min(decision.type_confidence, 0.5)
    if title_line:
        decision.title = title_line
    elif decision.doc_type:
        who = (
            decision.household.head_name
            if decision.household
            else (decision.village.name if decision.village else "")
        )
        decision.title, decision.title_made_up = (
            f"{who}{scheme.types[decision.doc_type].name}",
            True,
        )
    return decision
