"""Who may take which retention step, and on which villages.

The roles per step are defined here, where the steps are, and web/permissions.py
takes them into its matrix, so that the pages, the API and the command line ask the
same question. Separation of duties (approver and witnesses other than the proposer)
is checked by the steps themselves (disposal.py).
"""

from __future__ import annotations

from dangan.archive.errors import NotAllowed
from dangan.archive.models import Village
from dangan.archive.users import ROLES, Account

STEP_ROLES: dict[str, frozenset[str]] = {
    # 保管期限 status, holds and disposal lists are open to everyone who reads the archive.
    "retention": frozenset({"admin", "archivist", "inspector", "auditor"}),
    # An inspection or a dispute puts a hold: the inspector may too.
    "retention_hold": frozenset({"admin", "archivist", "inspector"}),
    # The appraisal group (鉴定小组) proposes lists and extends periods.
    "retention_propose": frozenset({"admin", "archivist"}),
    # The unit head (单位负责人) approves or rejects a list.
    "retention_approve": frozenset({"admin"}),
    # Carrying out the destruction; its two witnesses (监销人) may hold any role.
    "retention_destroy": frozenset({"admin", "archivist"}),
    "retention_witness": frozenset(ROLES),
    # Starting a fixity scrub by hand (the server schedules it anyway).
    "fixity": frozenset({"admin"}),
}

STEP_NAMES: dict[str, str] = {
    "retention": "查看保管期限",
    "retention_hold": "冻结或解除冻结",
    "retention_propose": "提出销毁清册或延长保管",
    "retention_approve": "批准或驳回销毁清册",
    "retention_destroy": "执行销毁",
    "retention_witness": "监销",
    "fixity": "运行固定性检查",
}


def check_role(account: Account, step: str) -> None:
    if not account.active or account.role not in STEP_ROLES[step]:
        raise NotAllowed(f"{account.username}({account.role_name})无权{STEP_NAMES[step]}")


def check_village(account: Account | None, village: Village | None, what: str) -> None:
    """An account limited to some villages acts on those only; None is the terminal's
    own user, who may act on every village."""
    if account is None or not account.villages:
        return
    if village is None or village.code not in account.villages:
        raise NotAllowed(f"{account.username} 不负责{what}所在的村")
