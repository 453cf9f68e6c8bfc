"""Maintenance on Celery (a county with DANGAN_BROKER_URL set): the fixity scrub and the
daily backup as tasks on the `maintenance` queue, and `dangan beat`, which sends them on
their schedules.

Why a package of its own: the tasks run `retention`'s scrub and backup on `ingest`'s
Celery application, and `ingest` may not import `retention` (the pipeline stays apart
from preservation), nor `retention` the pipeline. This package sits on top of both,
beside `web` and `cli`: only they may import it (`cli` does, for `dangan beat` and
`dangan worker`), and it imports neither of them (pyproject's import contracts). Without a
broker the same schedules run as threads of `dangan serve` (`retention.fixity`,
`retention.backup_schedule`), with the same settings and the same step per run.
"""
