"""The demo townships the benchmarks read: built once per seed, size and layout family
under $TMPDIR, and built again when the generator has changed since, so that a figure is
never taken on papers an older generator made (a stale corpus lacks the faults and
layouts added since, and its figures look like the new generator's)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from dangan.demo.build import build_township

GENERATOR = Path(__file__).resolve().parents[1] / "demo"
STAMP = "generator.sha256"


def generator_digest() -> str:
    """SHA-256 over the generator's source files, in name order."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.rglob("*.py")):
        digest.update(path.relative_to(GENERATOR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def township(
    seed: int, villages: int, per_village: int, layouts: str = "classic", at: Path | None = None
) -> Path:
    """The corpus folder for these values (`at`, or one named for them under $TMPDIR),
    built by the current generator."""
    family = "" if layouts == "classic" else f"-{layouts}"
    out = at or Path(tempfile.gettempdir()) / (
        f"dangan-bench-corpus-{seed}-{villages}x{per_village}{family}"
    )
    stamp, digest = out / STAMP, generator_digest()
    if (out / "ground_truth.json").exists() and stamp.exists() and stamp.read_text() == digest:
        return out
    # built beside it and swapped in, so that a bench still reading the old one loses
    # it for a moment only
    fresh = out.with_name(out.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    build_township(fresh, seed, villages, per_village, layouts=layouts)
    (fresh / STAMP).write_text(digest)
    shutil.rmtree(out, ignore_errors=True)
    fresh.rename(out)
    return out
