"""docker/compose.yaml: the county set-up's services, each dangan command one the CLI
accepts (docker is not needed to check it)."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from dangan.cli.main import app

COMPOSE = Path(__file__).parents[1] / "docker" / "compose.yaml"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def test_compose_runs_web_workers_beat_postgres_and_redis_on_the_broker() -> None:
    services = _services()
    assert set(services) == {"web", "worker", "indexer", "beat", "postgres", "redis"}
    assert services["beat"]["command"] == ["dangan", "beat"]
    for name in ("web", "worker", "indexer", "beat"):
        env = services[name]["environment"]
        assert env["DANGAN_BROKER_URL"].startswith("redis://redis:")
        assert env["DANGAN_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}
        # the worker that runs beat's backup writes where beat says
        assert env["DANGAN_BACKUP_DIR"] == "/backups"
        assert "dangan-backups:/backups" in services[name]["volumes"]
    # Scaled with --scale: no fixed container name or published port.
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]


def test_every_dangan_command_in_compose_parses() -> None:
    cli = typer.main.get_command(app)
    for name, service in _services().items():
        command = service.get("command", [])
        if command[:1] != ["dangan"]:
            continue
        sub = cli.commands[command[1]]  # type: ignore[attr-defined]
        # An unknown option or a bad value raises here.
        params = sub.make_context(command[1], list(command[2:])).params
        if command[1] == "worker":
            assert params["queue_names"], name
        if command[1] == "serve":
            assert params["workers"] == 0  # the pipeline runs in the Celery workers
