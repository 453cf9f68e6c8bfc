"""Regenerate text.pdf, the one binary fixture the ingest tests need: a PDF with a real
Chinese text layer (Pillow and pypdf cannot write one). Needs fpdf2 and fontTools, which
the tests themselves do not: `python tests/data/ingest/make_fixtures.py`."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from fontTools.ttLib import TTCollection
from fpdf import FPDF

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
HERE = Path(__file__).parent

PAGES = [
    [
        "桑村镇东坪村贫困户评议表",
        "户主姓名：王建华　身份证号：430521197805123456",
        "家庭人口：4人　致贫原因：因病",
        "评议意见：经村民代表大会民主评议，同意纳入建档立卡贫困户。",
    ],
    [
        "帮扶联系卡",
        "帮扶责任人：李春梅　联系电话：13907310001",
        "帮扶措施：产业扶持、教育资助、健康扶贫。",
    ],
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        face = Path(tmp) / "NotoSansSC.otf"
        TTCollection(FONT).fonts[2].save(face)
        pdf = FPDF(format="A4")
        pdf.add_font("noto", fname=str(face))
        pdf.set_font("noto", size=14)
        for lines in PAGES:
            pdf.add_page()
            for line in lines:
                pdf.cell(0, 12, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_creation_date(datetime(2017, 4, 28, tzinfo=UTC))
        pdf.output(str(HERE / "text.pdf"))


if __name__ == "__main__":
    main()
