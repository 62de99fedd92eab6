"""The hotline agents' assist console under ``/agent`` (pages) and ``/agent/api`` (JSON).

No anonymous access: every page but the login redirects there without a
session, every API route answers 401. Every state-changing request needs the
session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``),
else 403. The session lives on the server; the cookie is HttpOnly and
SameSite=Strict. Handlers are plain functions: Starlette runs them in its
thread pool, so store and HTTP calls do not block the event loop.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any, Optional

import yaml
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import faq, validation
from bot.config import HOTLINE, PROJECT_ROOT, Settings
from bot.local_secrets import assist_token
from bot.privacy import mask_text
from bot.services import agents, callers, gaps, handover
from bot.store import session_scope
from bot.store.models import AgentRole, SuggestionFeedback

SESSION_COOKIE = "agent_session"
LOGIN_CSRF_COOKIE = "agent_login_csrf"
GENERIC_LOGIN_ERROR = "Anmeldung fehlgeschlagen. Bitte prüfen Sie Benutzername und Passwort."
#: Suggestions after the first are shown only from this confidence on (below it they are noise).
MIN_SHOWN_CONFIDENCE = 0.05
#: The longest a login request is held for the growing delay; longer waits are refused at once.
MAX_HELD_SECONDS = 8.0

LETTER_REPLIES = {
    "ordered": "Der Brief mit den Zugangsdaten ist bestellt (Auftragsnummer {reference}).",
    "already_on_its_way": "Ein Brief ist bereits unterwegs (bestellt am {date}, Auftragsnummer {reference}); nichts Neues bestellt.",
    "limit_reached": "Die Zugangsdaten wurden in letzter Zeit zu oft verschickt; bitte Ursache klären.",
    "not_registered": "Das Mitglied ist noch nicht registriert: erst registrieren.",
    "address_hold": "Die Anschrift wurde kürzlich geändert: aus Sicherheitsgründen jetzt kein Brief.",
}


def _domain_responses() -> dict[str, str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name: variants[0].get("text", "") for name, variants in domain["responses"].items()}


class RasaAssist:
    """The Rasa server's internal assist routes (``addons/assist.py``), with the shared token."""

    def __init__(self, settings: Settings) -> None:
        self.base = f"{settings.rasa_url}/webhooks/assist"
        self.token = assist_token(settings)

    def call(self, path: str, body: Optional[dict] = None, timeout: float = 30.0) -> dict:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(f"{self.base}/{path}", data=data, method="POST" if body is not None else "GET",
                                         headers={"Content-Type": "application/json", "X-Assist-Token": self.token})
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - the configured Rasa URL
            return json.loads(reply.read())


def routes(settings: Settings, templates) -> list[Route]:
    """The console's routes for the web process."""
    responses = _domain_responses()
    catalog = faq.load_catalog()
    rasa = RasaAssist(settings)

    def source(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def console_of(request: Request) -> Optional[agents.Console]:
        try:
            with session_scope() as db:
                return agents.current(db, request.cookies.get(SESSION_COOKIE), settings=settings)
        except SQLAlchemyError:
            return None

    def page(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context),
                            headers={"Cache-Control": "no-store"})

    # --- login and logout -------------------------------------------------------------------

    def login_form(request: Request, error: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        reply = page("agent_login.html", csrf_token=token, error=error)
        reply.status_code = status
        reply.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/agent")
        return reply

    def login_page(request: Request) -> Response:
        if console_of(request) is not None:
            return RedirectResponse("/agent", status_code=303)
        return login_form(request)

    async def login_submit(request: Request) -> Response:
        form = await request.form()
        presented, expected = str(form.get("csrf_token", "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(presented, expected):
            return PlainForbidden()
        username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:1024]
        from starlette.concurrency import run_in_threadpool

        outcome = await run_in_threadpool(check_login, username, password, source(request))
        if outcome is None:
            return login_form(request, GENERIC_LOGIN_ERROR, 401)
        reply = RedirectResponse("/agent", status_code=303)
        reply.set_cookie(SESSION_COOKIE, outcome.cookie, httponly=True, samesite="strict", path="/agent",
                         secure=request.url.scheme == "https")
        reply.delete_cookie(LOGIN_CSRF_COOKIE, path="/agent")
        return reply

    def check_login(username: str, password: str, address: str) -> Optional[agents.LoggedIn]:
        with session_scope() as db:
            wait = agents.wait_before_login(db, username, address)
        if wait > MAX_HELD_SECONDS:
            with session_scope() as db:
                agents.refuse_unchecked(db, username, address)
            return None
        if wait > 0:
            time.sleep(wait)
        with session_scope() as db:
            return agents.login(db, username, password, address)

    async def logout(request: Request) -> Response:
        console = console_of(request)
        form = await request.form()
        if console is None:
            return RedirectResponse("/agent/login", status_code=303)
        if not console.csrf_ok(str(form.get("csrf_token", ""))):
            return PlainForbidden()
        with session_scope() as db:
            agents.logout(db, request.cookies.get(SESSION_COOKIE))
        reply = RedirectResponse("/agent/login", status_code=303)
        reply.delete_cookie(SESSION_COOKIE, path="/agent")
        return reply

    # --- pages ------------------------------------------------------------------------------

    def console_page(request: Request) -> Response:
        console = console_of(request)
        if console is None:
            return RedirectResponse("/agent/login", status_code=303)
        return page("agent.html", agent=console, lead=console.role == AgentRole.LEAD)

    def gaps_page(request: Request) -> Response:
        console = console_of(request)
        if console is None:
            return RedirectResponse("/agent/login", status_code=303)
        if console.role != AgentRole.LEAD:
            return HTMLResponse("Diese Seite ist Teamleitungen vorbehalten.", status_code=403)
        days = _days(request.query_params.get("days"))
        with session_scope() as db:
            rows = gaps.report(db, days)
            agents.audit.record(db, console.actor, "gaps_viewed", detail=f"{days} days")
        return page("agent_gaps.html", agent=console, rows=rows, days=days)

    # --- JSON API ---------------------------------------------------------------------------

    def api(handler, change: bool = False, lead: bool = False):
        """401 without a session, 403 without the CSRF token (state changes) or the role."""

        async def endpoint(request: Request) -> Response:
            from starlette.concurrency import run_in_threadpool

            console = await run_in_threadpool(console_of, request)
            if console is None:
                return JSONResponse({"error": "Bitte melden Sie sich an."}, status_code=401)
            if change and not console.csrf_ok(request.headers.get("x-csrf-token")):
                return JSONResponse({"error": "CSRF-Token fehlt oder ist falsch."}, status_code=403)
            if lead and console.role != AgentRole.LEAD:
                return JSONResponse({"error": "Nur für Teamleitungen."}, status_code=403)
            body: dict = {}
            if change:
                try:
                    body = await request.json()
                except ValueError:
                    return JSONResponse({"error": "Erwartet wird ein JSON-Objekt."}, status_code=400)
                if not isinstance(body, dict):
                    return JSONResponse({"error": "Erwartet wird ein JSON-Objekt."}, status_code=400)
            try:
                return await run_in_threadpool(handler, request, console, body)
            except SQLAlchemyError:
                return JSONResponse({"error": "Die Datenbank ist gerade nicht erreichbar."}, status_code=503)
            except (urllib.error.URLError, OSError):
                return JSONResponse({"error": "Der Assistent ist gerade nicht erreichbar."}, status_code=503)

        return endpoint

    def session_info(request: Request, console: agents.Console, body: dict) -> Response:
        return JSONResponse({"username": console.username, "role": console.role.value, "csrf_token": console.csrf_token})

    def suggest(request: Request, console: agents.Console, body: dict) -> Response:
        question = body.get("question")
        if not isinstance(question, str) or not question.strip() or len(question) > 2000:
            return JSONResponse({"error": "Bitte geben Sie eine Frage ein (höchstens 2000 Zeichen)."}, status_code=400)
        parsed = rasa.call("parse", {"text": question.strip()})
        candidates = faq.candidates_from_parse(parsed)
        confident = faq.is_confident(candidates, question.strip())
        suggestions = []
        for index, candidate in enumerate(candidates[:3]):
            topic = catalog.get(candidate.topic)
            if topic is None or (index and candidate.confidence < MIN_SHOWN_CONFIDENCE):
                continue
            suggestions.append({"topic": topic.id, "title": topic.title, "confidence": round(candidate.confidence, 3),
                                "answer": responses.get(f"utter_faq/{topic.id}", "").replace("{hotline}", HOTLINE)})
        with session_scope() as db:
            agents.audit.record(db, console.actor, "suggestions_requested", detail=mask_text(question)[:200])
        return JSONResponse({"confident": confident, "suggestions": suggestions})

    def feedback(request: Request, console: agents.Console, body: dict) -> Response:
        question, topic, fits = body.get("question"), body.get("topic"), body.get("fits")
        if not isinstance(question, str) or catalog.get(str(topic)) is None or not isinstance(fits, bool):
            return JSONResponse({"error": "question, topic und fits (true/false) werden gebraucht."}, status_code=400)
        with session_scope() as db:
            db.add(SuggestionFeedback(agent_id=console.agent_id, question=mask_text(question)[:500], topic=topic,
                                      fits=1 if fits else 0, created_at=datetime.utcnow()))
        return JSONResponse({"status": "stored"})

    def number_of(body: dict) -> Optional[str]:
        checked = validation.check_insurance_number(str(body.get("insurance_number") or ""))
        return checked.value if checked.ok else None

    def lookup(request: Request, console: agents.Console, body: dict) -> Response:
        if body.get("identity_checked") is not True:
            return JSONResponse({"error": "Bitte bestätigen Sie, dass die Identität am Telefon geprüft wurde."},
                                status_code=400)
        number = number_of(body)
        if number is None:
            return JSONResponse({"error": "Das ist keine gültige Versichertennummer."}, status_code=400)
        with session_scope() as db:
            view = callers.lookup(db, number, console.actor)
        if view is None:
            return JSONResponse({"error": "Kein Mitglied mit dieser Versichertennummer."}, status_code=404)
        return JSONResponse(view)

    def resend(request: Request, console: agents.Console, body: dict) -> Response:
        number = number_of(body)
        if number is None:
            return JSONResponse({"error": "Das ist keine gültige Versichertennummer."}, status_code=400)
        with session_scope() as db:
            result = callers.resend(db, number, console.actor)
        text = LETTER_REPLIES[result.outcome.value].format(
            reference=result.reference or "", date=f"{result.ordered_at:%d.%m.%Y}" if result.ordered_at else "")
        return JSONResponse({"outcome": result.outcome.value, "message": text, "reference": result.reference})

    def unlock(request: Request, console: agents.Console, body: dict) -> Response:
        number, reason = number_of(body), str(body.get("reason") or "").strip()
        if number is None or len(reason) < 5:
            return JSONResponse({"error": "Versichertennummer und ein Grund (mindestens 5 Zeichen) werden gebraucht."},
                                status_code=400)
        with session_scope() as db:
            cleared = callers.unlock(db, number, console.actor, reason)
        return JSONResponse({"cleared": cleared, "message": f"Sperre aufgehoben ({cleared} Fehlversuche gelöscht)."})

    def tickets(request: Request, console: agents.Console, body: dict) -> Response:
        now = datetime.utcnow()
        with session_scope() as db:
            rows = handover.queue(db)
            listed = [{"id": t.public_id, "status": t.status.value, "mine": t.agent_id == console.agent_id,
                       "waiting_seconds": int((now - t.created_at).total_seconds())} for t in rows]
        return JSONResponse({"tickets": listed})

    def take(request: Request, console: agents.Console, body: dict) -> Response:
        try:
            with session_scope() as db:
                handover.take(db, request.path_params["ticket"], console.agent_id, console.actor)
        except handover.TicketError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse({"status": "taken"})

    def transcript(request: Request, console: agents.Console, body: dict) -> Response:
        try:
            with session_scope() as db:
                conversation_id = handover.owned(db, request.path_params["ticket"], console.agent_id).conversation_id
        except handover.TicketError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse(rasa.call(f"conversation/{conversation_id}"))

    def reply(request: Request, console: agents.Console, body: dict) -> Response:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > 2000:
            return JSONResponse({"error": "Bitte schreiben Sie eine Nachricht (höchstens 2000 Zeichen)."}, status_code=400)
        try:
            with session_scope() as db:
                conversation_id = handover.owned(db, request.path_params["ticket"], console.agent_id).conversation_id
        except handover.TicketError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        rasa.call("say", {"conversation_id": conversation_id, "text": text.strip()})
        return JSONResponse({"status": "sent"})

    def close(request: Request, console: agents.Console, body: dict) -> Response:
        try:
            with session_scope() as db:
                conversation_id = handover.close(db, request.path_params["ticket"], console.agent_id,
                                                 console.actor).conversation_id
        except handover.TicketError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        rasa.call("resume", {"conversation_id": conversation_id, "text": responses["utter_handover_resumed"]})
        return JSONResponse({"status": "closed"})

    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", console_page),
        Route("/gaps", gaps_page),
        Route("/api/session", api(session_info)),
        Route("/api/suggest", api(suggest, change=True), methods=["POST"]),
        Route("/api/suggest/feedback", api(feedback, change=True), methods=["POST"]),
        Route("/api/lookup", api(lookup, change=True), methods=["POST"]),
        Route("/api/letters/resend", api(resend, change=True), methods=["POST"]),
        Route("/api/unlock", api(unlock, change=True, lead=True), methods=["POST"]),
        Route("/api/handover", api(tickets)),
        Route("/api/handover/{ticket}/take", api(take, change=True), methods=["POST"]),
        Route("/api/handover/{ticket}/messages", api(transcript)),
        Route("/api/handover/{ticket}/reply", api(reply, change=True), methods=["POST"]),
        Route("/api/handover/{ticket}/close", api(close, change=True), methods=["POST"]),
    ]


def _days(raw: Optional[str]) -> int:
    try:
        return max(1, min(int(raw or 7), 90))
    except ValueError:
        return 7


class PlainForbidden(HTMLResponse):
    """403 for a state change without its CSRF token."""

    def __init__(self) -> None:
        super().__init__("Anfrage abgelehnt: das Sicherheitstoken (CSRF) fehlt oder ist falsch. Bitte laden Sie die "
                         "Seite neu.", status_code=403)


def expire_handovers(settings: Settings) -> int:
    """Tickets nobody took in time: the member gets the hotline and the assistant again. Returns how many."""
    with session_scope() as db:
        conversations = handover.expire_overdue(db, settings=settings)
    if not conversations:
        return 0
    text = _domain_responses()["utter_handover_timeout"].replace("{hotline}", HOTLINE)
    assist = RasaAssist(settings)
    for conversation_id in conversations:
        try:
            assist.call("resume", {"conversation_id": conversation_id, "text": text})
        except (urllib.error.URLError, OSError):
            continue
    return len(conversations)
