"""`dangan demo`: a synthetic township, imported and ingested, optionally served at once."""

from __future__ import annotations

import enum
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dangan.cli.common import ACTOR, console, err_console, home

if TYPE_CHECKING:
    from dangan.archive.context import Archive
    from dangan.ingest.receive import Hints

FONDS, TOWNSHIP = "Z105", "桑村镇"
_CODED = re.compile(r"^(\d{3})_")


class Layouts(enum.StrEnum):
    """The generator's layout families (`demo.variants.LAYOUT_FAMILIES`), named here so
    that `dangan --help` does not load the generator."""

    classic = "classic"
    developed = "developed"
    unseen = "unseen"


@dataclass(frozen=True)
class DemoTownship:
    """What `dangan demo` generates: the same values give the same bytes."""

    seed: int
    villages: int
    per_village: int
    layouts: str

    def folder(self, arc: Archive) -> Path:
        family = "" if self.layouts == "classic" else f"-{self.layouts}"
        return (
            arc.settings.home
            / "demo-corpus"
            / f"seed{self.seed}-{self.villages}x{self.per_village}{family}"
        )


def build_corpus(arc: Archive, town: DemoTownship, *, show: bool) -> Path:
    """The corpus on disk (built once per township; the same values give the same bytes)."""
    from dangan.cli.ingest import _progress
    from dangan.demo import status as demo_status
    from dangan.demo.build import build_township

    out = town.folder(arc)
    if (out / "ground_truth.json").exists():
        return out

    def build(progress: Callable[[int, int], None]) -> None:
        build_township(
            out,
            town.seed,
            town.villages,
            town.per_village,
            fonds=FONDS,
            name=TOWNSHIP,
            progress=progress,
            layouts=town.layouts,
        )

    if show:
        with _progress() as bar:
            task = bar.add_task("生成示例档案", total=None)
            build(lambda done, total: bar.update(task, completed=done, total=total))
    else:
        home = arc.settings.home
        build(lambda done, total: demo_status.write(home, "生成示例档案", done, total))
    return out


def folders_with_hints(corpus: Path) -> list[tuple[Path, Hints]]:
    """Each household folder with its village and household, as an archivist uploads them."""
    from dangan.ingest.receive import Hints

    batches = []
    for village in sorted(p for p in corpus.iterdir() if p.is_dir() and _CODED.match(p.name)):
        village_code = _CODED.match(village.name).group(1)  # type: ignore[union-attr]
        for folder in sorted(p for p in village.iterdir() if p.is_dir()):
            coded = _CODED.match(folder.name)
            batches.append((folder, Hints(village_code, coded.group(1) if coded else None)))
    return batches


def load_demo(arc: Archive, corpus: Path, *, show: bool) -> dict[str, int]:
    """Import the roster and receive every file; returns outcome counts."""
    from dangan.archive.roster import import_roster
    from dangan.demo import status as demo_status
    from dangan.ingest.receive import receive_paths

    with arc.db.write() as session:
        report = import_roster(session, arc.township(session), corpus / "roster.xlsx", actor=ACTOR)
    if show:
        # The planted bad ID numbers: their rows are imported and flagged for the audit.
        bad_ids = len({w.row for w in report.warnings if w.field == "id_number"})
        refused = f", 未导入 {len(report.errors)} 行" if report.errors else ""
        console.print(
            f"花名册: 新增 {report.created} 户, 身份证号有误 {bad_ids} 行"
            f"(已导入并标记, 示例中故意放入的错误){refused}"
        )
    counts = {"queued": 0, "duplicate": 0, "failed": 0}
    batches = folders_with_hints(corpus)
    for done, (folder, hints) in enumerate(batches):
        demo_status.write(arc.settings.home, "接收示例文件", done, len(batches))
        results = receive_paths(arc, [folder], actor=ACTOR, hints=hints)
        for result in results:
            counts[result.outcome] += 1
    demo_status.write(
        arc.settings.home, "示例文件已全部接收", len(batches), len(batches), finished=True
    )
    return counts


def demo(
    serve: Annotated[
        bool, typer.Option("--serve", help="立即启动网页界面, 识别在后台进行")
    ] = False,
    size: Annotated[int, typer.Option(help="贫困户总数(分布在各村)")] = 30,
    villages: Annotated[int, typer.Option(help="行政村个数")] = 3,
    seed: Annotated[int, typer.Option(help="随机种子(相同种子生成相同文件)")] = 2018,
    host: Annotated[str, typer.Option(help="--serve 的监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="--serve 的端口")] = 8000,
    workers: Annotated[int | None, typer.Option(help="处理进程数(默认每核一个)")] = None,
    layouts: Annotated[
        Layouts,
        typer.Option(
            help="表格版式: classic 每种表格一种版式; developed 每种三种版式与措辞; "
            "unseen 另一组从未用于调校的版式与措辞(用来检验识别在陌生材料上的表现)"
        ),
    ] = Layouts.classic,
) -> None:
    """生成一个示例乡镇(花名册、扫描件、照片、PDF、Word), 导入并识别归档。"""
    from dangan.archive.context import init_archive
    from dangan.cli.ingest import wait_with_progress
    from dangan.cli.users import demo as demo_users

    town = DemoTownship(seed, villages, max(1, -(-size // villages)), layouts.value)
    arc, _ = init_archive(home(), fonds=FONDS, township=TOWNSHIP, actor=ACTOR)
    demo_users()
    if serve:
        _serve_while_loading(arc, town, host, port, workers)
        return
    corpus = build_corpus(arc, town, show=True)
    counts = load_demo(arc, corpus, show=True)
    console.print(
        f"已接收: 排队 {counts['queued']}  重复 {counts['duplicate']}  失败 {counts['failed']}"
    )
    wait_with_progress(arc, workers)
    truth = json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))
    console.print(
        f"示例档案库: {arc.settings.home}\n示例文件: {corpus} ({truth['stats']['files']} 个文件)\n"
        "运行 [bold]dangan serve[/] 打开网页界面"
    )


def _serve_while_loading(
    arc: Archive, town: DemoTownship, host: str, port: int, workers: int | None
) -> None:
    import uvicorn

    from dangan.demo import status as demo_status
    from dangan.web.app import create_app

    def load() -> None:
        try:
            corpus = build_corpus(arc, town, show=False)
            counts = load_demo(arc, corpus, show=False)
            console.print(f"示例文件已全部接收(排队 {counts['queued']}), 后台正在识别, 进度见首页")
        except Exception as exc:  # the server stays up; the user sees why the demo stopped
            demo_status.write(arc.settings.home, "示例数据加载失败", finished=True, error=str(exc))
            err_console.print(f"[red]示例数据加载失败[/]: {exc}")

    demo_status.write(arc.settings.home, "准备示例乡镇")
    threading.Thread(target=load, name="demo-loader", daemon=True).start()
    time.sleep(0.1)
    console.print(
        f"dangan 示例已启动: http://{host}:{port}/  (示例档案正在后台生成和识别; Ctrl+C 退出)"
    )
    uvicorn.run(create_app(arc, workers=workers), host=host, port=port, log_level="warning")
