"""`dangan audit` as users and scripts call it: DESIGN.md's JSON shape, exit code 0
whatever it finds, a clear error for a rule or village that does not exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dangan.archive.context import Archive
from tests import factories


def dangan(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("dangan")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )


def test_audit_json_has_the_design_shape_and_exits_0(arc: Archive) -> None:
    with arc.db.write() as session:
        village = factories.village(session, arc)
        household = factories.household(session, village)
        household.id_number = household.id_number[:17] + "1"  # a check-digit slip
        factories.document(session, arc, village_row=village, household_row=household).status = (
            "filed"
        )
    done = dangan("audit", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"generated_at", "scope", "findings", "journal_head"} <= set(report)
    assert report["township"] == {"fonds": "Z105", "name": "桑村镇"}
    assert report["households"] == [
        {"village_code": "003", "household_no": "017", "head_name": "王建国"}
    ]
    rules = {f["rule"] for f in report["findings"]}
    assert {"ID_INVALID", "MISSING_ITEM", "NO_HELPER"} <= rules
    for finding in report["findings"]:
        assert set(finding) == {
            "rule",
            "severity",
            "village_code",
            "household_no",
            "message",
            "evidence",
        }
        assert finding["village_code"] == "003" and finding["household_no"] == "017"
    # the H01 the file holds is not reported missing; the seven others are
    missing = [f["message"] for f in report["findings"] if f["rule"] == "MISSING_ITEM"]
    assert len(missing) == 7 and not any("(H01)" in m for m in missing)

    only = json.loads(dangan("audit", "--rule", "id_invalid", "--json").stdout)
    assert [f["rule"] for f in only["findings"]] == ["ID_INVALID"]
    table = dangan("audit", "--village", "白沙村")
    assert table.returncode == 0 and "ID_INVALID" in table.stdout


def test_audit_names_an_unknown_rule_or_village(arc: Archive) -> None:
    bad_rule = dangan("audit", "--rule", "NO_SUCH_RULE")
    assert bad_rule.returncode != 0
    assert "NO_SUCH_RULE" in bad_rule.stderr and "Traceback" not in bad_rule.stderr
    bad_village = dangan("audit", "--village", "不存在村")
    assert bad_village.returncode != 0 and "不存在村" in bad_village.stderr
