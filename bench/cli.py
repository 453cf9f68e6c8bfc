"""Command-line start-up: how long a person waits for `dangan --help`, `dangan docs list`
and `dangan search`, and how much of that is spent importing modules.

    .venv/bin/python bench/cli.py --home dangan-data --label after --write-docs

Runs the `dangan` command's entry point with the venv's interpreter against an existing
archive (`make demo` or `dangan demo` builds one), each command `--runs` times after one
warm-up run, and reports the median wall time. Import time is the sum of the top-level
cumulative figures that `python -X importtime` prints for one run of the same command:
every module the command loads, including those imported only when a subcommand runs.
It measures whatever code it is pointed at, so the same script gives the figures before
and after a change: `--label before --entry cli.main:run --pythonpath ../old-checkout`. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import record  # noqa: E402

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("docs", "list", "--json"),
    ("search", "扶贫手册"),
)
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def dangan_command(entry: str) -> list[str]:
    """The running interpreter calling the console script's entry point (MODULE:FUNC), so
    that `-X importtime` can be added and an older revision measured the same way
    (`--entry cli.main:run` with that revision's folder on PYTHONPATH)."""
    module, _, func = entry.partition(":")
    code = f"import sys; from {module} import {func}; sys.argv[0] = 'dangan'; {func}()"
    # -P: the working directory is not put first on sys.path (from the repository's root
    # `import cli` would find this checkout's folder, not the revision measured)
    return [sys.executable, "-P", "-c", code]


def wall_seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def import_seconds(argv: list[str], env: dict[str, str]) -> tuple[float, list[tuple[float, str]]]:
    """(total seconds importing, the five largest top-level imports)."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    top: list[tuple[float, str]] = []
    for line in done.stderr.splitlines():
        found = _IMPORT_LINE.match(line)
        if found:  # a name with no leading spaces is imported by the program itself
            top.append((int(found.group(1)) / 1e6, found.group(2)))
    return sum(s for s, _ in top), sorted(top, reverse=True)[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", default="dangan-data", help="an existing archive")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--label", default="now", help="e.g. before, after")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--entry", default="dangan.cli.main:run", help="the console script's MODULE:FUNC"
    )
    parser.add_argument("--pythonpath", help="a revision's checkout, put first on PYTHONPATH")
    args = parser.parse_args()
    home = Path(args.home).resolve()
    if not (home / "dangan.db").exists():
        sys.exit(f"bench/cli.py: no archive in {home}; build one with `dangan demo` first")
    env = {**os.environ, "DANGAN_HOME": str(home)}
    env.pop("DANGAN_DATABASE_URL", None)
    if args.pythonpath:
        env["PYTHONPATH"] = str(Path(args.pythonpath).resolve())
    base = dangan_command(args.entry)
    rows = []
    for command in COMMANDS:
        argv = [*base, *command]
        wall_seconds(argv, env)  # warm the page cache and the bytecode
        walls = [wall_seconds(argv, env) for _ in range(args.runs)]
        imports, largest = import_seconds(argv, env)
        shown = "dangan " + " ".join(command)
        rows.append((shown, statistics.median(walls), imports, largest))
        print(f"{shown:32} wall {statistics.median(walls):.2f} s  importing {imports:.2f} s")
        for seconds, name in largest:
            print(f"    {seconds:.3f} s  {name}")
    body = "\n".join(
        [
            f"`bench/cli.py --label {args.label}`: median wall time of {args.runs} runs on the "
            "demo archive (SQLite), and the seconds spent importing in one run "
            "(`python -X importtime`, top-level cumulative). Goal: at most 0.3 s importing.",
            "",
            "| command | wall (median) | importing | largest imports |",
            "|---|---|---|---|",
            *(
                f"| `{shown}` | {wall:.2f} s | {imports:.2f} s | "
                + ", ".join(f"{name} {s:.2f}" for s, name in largest[:3])
                + " |"
                for shown, wall, imports, largest in rows
            ),
        ]
    )
    if args.write_docs:
        record("Command line", f"cli-{args.label}", body)


if __name__ == "__main__":
    main()
