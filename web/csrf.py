"""CSRF protection: a random token kept in the signed session cookie.

Every form carries it in a hidden `csrf_token` field; scripts in the pages send it
in the `X-CSRF-Token` header. A request authenticated by an API token (no cookie
involved) needs none. Checked for every unsafe method by `auth.require`, and by the
login and first-run forms.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(Exception):
    """The token was missing or wrong: the request is refused with 403."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate(request: Request) -> None:
    """A fresh token (at login and logout)."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)


async def check(request: Request) -> None:
    """Raise CsrfFailed unless the request carries the session's token."""
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfFailed()
