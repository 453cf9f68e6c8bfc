"""Property-based requests against the OpenAPI description: no answer is a 5xx.

Runs in-process (ASGI) as an administrator with an API token, a few examples per
operation so that the whole run stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from dangan.archive.context import init_archive
from dangan.web.app import create_app
from tests.conftest import _empty_all_tables
from tests.e2e import world as w

TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def web_schema(_migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    _empty_all_tables(_migrated)
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("schemathesis") / "home"
        mp.setenv("DANGAN_DATABASE_URL", _migrated)
        mp.setenv("DANGAN_HOME", str(home))
        for var, value in w.FAST_HASHING.items():
            mp.setenv(var, value)
        arc, _ = init_archive(home, fonds="Z105", township="桑村镇")
        world = w.build(arc)
        TOKEN["admin"] = world.tokens["admin"]
        yield schemathesis.openapi.from_asgi("/api/openapi.json", create_app(arc))
        arc.close()
    _empty_all_tables(_migrated)


def test_no_server_errors(web_schema):  # type: ignore[no-untyped-def]
    """Every operation, a few generated requests each; collects every 5xx found."""
    headers = {"Authorization": f"Bearer {TOKEN['admin']}"}
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in web_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):  # type: ignore[no-untyped-def]
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            statuses.append(response.status_code)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
    # Requests really went through, and some got past validation to the handlers.
    assert len(statuses) >= 2 * len(operations)
    assert sum(1 for s in statuses if s < 300) >= len(operations) // 2
