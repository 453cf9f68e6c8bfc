"""Reading order of text lines: rows, wrapped table cells, tilted tables."""

from __future__ import annotations

from dangan.ingest.ocr.layout import TextLine, reading_order


def line(text: str, left: float, top: float, width: float, height: float = 44) -> TextLine:
    return TextLine(text, left, top, left + width, top + height)


def test_a_wrapped_cell_is_read_whole_with_its_row_around_it() -> None:
    # the row number and the other cells sit centred between the cell's two lines
    lines = [
        line("序号", 170, 400, 70),
        line("计划措施", 450, 400, 120),
        line("落实时间", 840, 400, 120),
        line("就业扶持：安排公益岗位（保洁员），月", 250, 452, 510, 48),
        line("1", 194, 487, 25, 32),
        line("2018年3月7日", 813, 470, 180, 38),
        line("工资500元", 253, 496, 140),
        line("2", 194, 570, 25, 32),
        line("就业扶持：参加技能培训", 257, 560, 500),
        line("2018年10月22日", 800, 560, 210),
    ]
    assert reading_order(lines) == [
        "序号 计划措施 落实时间",
        "1 就业扶持：安排公益岗位（保洁员），月工资500元 2018年3月7日",
        "2 就业扶持：参加技能培训 2018年10月22日",
    ]


def test_a_heading_over_its_paragraph_and_lines_of_text_stay_apart() -> None:
    lines = [
        line("贫困户申请书", 700, 100, 400, 60),
        line("村委会：", 200, 175, 160),
        line("我叫梁强保，家住石门村4组，家中六口人，", 250, 230, 1500),
        line("因缺技术致贫，特申请纳入建档立卡贫困户。", 200, 285, 1500),
    ]
    assert reading_order(lines) == [
        "贫困户申请书",
        "村委会：",
        "我叫梁强保，家住石门村4组，家中六口人，",
        "因缺技术致贫，特申请纳入建档立卡贫困户。",
    ]


def test_rows_of_a_slightly_tilted_table_are_not_chained_into_one() -> None:
    # boxes as RapidOCR found them on a form scanned 1.4° off (扫描件0398.jpg)
    first = [
        line("家庭人口：2人", 157, 340, 202, 40),
        line("致贫原因：缺劳力", 376, 334, 249, 41),
        line("帮扶责任人：江长", 636, 328, 244, 41),
    ]
    second = [
        line("序号", 167, 403, 71),
        line("计划措施", 449, 396, 123, 45),
        line("落实时间", 840, 387, 122),
        line("落实情况", 1048, 383, 122),
        line("成效", 1292, 378, 71),
    ]
    third = [
        line("1", 191, 472, 25, 33),
        line("产业扶持：发放核桃苗100株", 335, 457, 355),
        line("2018年5月6日", 811, 452, 180, 39),
        line("已落实", 1063, 446, 96, 41),
        line("三年后挂果增收", 1225, 439, 205, 45),
    ]
    assert reading_order(first + second + third) == [
        "家庭人口：2人 致贫原因：缺劳力 帮扶责任人：江长",
        "序号 计划措施 落实时间 落实情况 成效",
        "1 产业扶持：发放核桃苗100株 2018年5月6日 已落实 三年后挂果增收",
    ]


def test_cells_found_column_by_column_are_read_row_by_row() -> None:
    lines = [
        line("户主姓名", 100, 300, 160),
        line("身份证号", 100, 400, 160),
        line("梁强保", 600, 302, 120),
        line("370406194008120034", 600, 398, 400),
    ]
    assert reading_order(lines) == ["户主姓名 梁强保", "身份证号 370406194008120034"]
