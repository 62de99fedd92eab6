"""Demo mode only: a demo login that mints a member session token, and a stand-in for the insurer's app.

The "Demo-App" lists the logged-in member's pending approval requests and
decides them through :mod:`bot.services.approvals`, like ``python -m bot
approvals``. Outside demo mode these routes do not exist (404).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot import sessions
from bot.config import Settings
from bot.services import approvals
from bot.store import session_scope
from bot.store.seed import demo_members

#: Demo tokens are short-lived; the page logs in again when one expires.
TOKEN_MINUTES = 30

KIND_NAMES = {"address": "Adresse", "email": "E-Mail-Adresse", "phone": "Telefonnummer", "iban": "Bankverbindung"}


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _member_of(request: Request) -> str | None:
    """The Versichertennummer of the demo session in ``Authorization: Bearer``."""
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    session = sessions.verify(token)
    return session.insurance_number if session.ok else None


def routes(settings: Settings) -> list[Route]:
    from datetime import datetime

    members = {m.insurance_number: m for m, _ in demo_members(datetime.utcnow())}

    async def list_members(request: Request) -> JSONResponse:
        return JSONResponse([{"number": n, "name": m.name} for n, m in members.items()])

    async def login(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            return _error("Ungültige Anfrage.", 400)
        number = body.get("number") if isinstance(body, dict) else None
        if number not in members:
            return _error("Unbekanntes Demo-Mitglied.", 400)
        if not settings.member_token_secret:
            return _error("Im Demo-Modus fehlt das Token-Geheimnis.", 503)
        token = sessions.mint(number, settings.member_token_secret, timedelta(minutes=TOKEN_MINUTES))
        return JSONResponse({"token": token, "name": members[number].name, "expires_in": TOKEN_MINUTES * 60})

    async def pending(request: Request) -> JSONResponse:
        number = _member_of(request)
        if number is None:
            return _error("Bitte melden Sie sich an.", 401)
        try:
            with session_scope() as db:
                views = approvals.pending_for_member(db, number)
        except SQLAlchemyError:
            return _error("Der Dienst ist gerade nicht erreichbar.", 503)
        return JSONResponse([{"id": v.public_id, "kind": KIND_NAMES[v.kind.value], "value": v.masked_value,
                              "seconds_left": v.seconds_left} for v in views])

    async def decide(request: Request) -> JSONResponse:
        number = _member_of(request)
        if number is None:
            return _error("Bitte melden Sie sich an.", 401)
        if request.path_params["verb"] not in ("approve", "reject"):
            return _error("Unbekannte Aktion.", 404)
        approve_it = request.path_params["verb"] == "approve"
        try:
            with session_scope() as db:
                state = approvals.decide_as_member(db, number, request.path_params["id"], approve_it, actor="demo-app")
        except approvals.DecisionError:
            return _error("Diese Anfrage gibt es nicht (mehr).", 404)
        except SQLAlchemyError:
            return _error("Der Dienst ist gerade nicht erreichbar.", 503)
        return JSONResponse({"status": state.status.value})

    return [
        Route("/members", list_members),
        Route("/login", login, methods=["POST"]),
        Route("/app/requests", pending),
        Route("/app/requests/{id}/{verb:str}", decide, methods=["POST"]),
    ]
