"""The hotline agents' assist console in a real browser, against its own servers (Rasa, actions, web).

Agents are created with ``python -m bot agents add`` like an operator would;
requests leaving 127.0.0.1 are aborted and fail the test (``offsite``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select, update

from bot.config import PROJECT_ROOT, load_settings
from bot.servers import Assistant, base_env
from bot.store import AuditEvent, LetterOrder, session_scope
from bot.store.db import make_engine
from bot.store.models import HandoverTicket
from bot.store.seed import demo_members
from tests.conftest import LIVE_LIMITS, LIVE_TOKEN_SECRET, OffsiteRequests, free_port

pytestmark = pytest.mark.live

DOCS = PROJECT_ROOT / "docs"
PASSWORD = "hotline-passwort-2026!"
LAUNCHER = re.compile(r"^Chat (mit dem digitalen Assistenten )?öffnen")


@pytest.fixture(scope="module")
def console_site(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    base = tmp_path_factory.mktemp("console")
    settings = replace(
        load_settings(), rasa_port=free_port(), action_port=free_port(), web_port=free_port(), model_path=model_path,
        database_url=f"sqlite:///{base / 'members.db'}", member_token_secret=LIVE_TOKEN_SECRET,
    )
    env = {**LIVE_LIMITS, "SERVICE_HOURS": "Mon-Sun 00:00-24:00"}
    with Assistant(settings, base / "logs", with_web=True, extra_env=env) as running:
        for name, role in (("anna.hotline", "agent"), ("lena.lead", "lead"), ("max.weg", "agent")):
            add_agent(running, name, role)
        yield running


def cli(assistant: Assistant, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**base_env(assistant.settings)}, timeout=120)


def add_agent(assistant: Assistant, name: str, role: str) -> None:
    done = cli(assistant, "agents", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


def engine_of(assistant: Assistant):
    return make_engine(assistant.settings.database_url)


def log_in(page: Page, site: Assistant, name: str, password: str = PASSWORD) -> None:
    page.goto(site.web_url + "/agent/login")
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


@pytest.fixture
def agent_page(console_site: Assistant, page: Page, offsite) -> Page:
    log_in(page, console_site, "anna.hotline")
    expect(page.get_by_role("heading", name="Assist-Konsole")).to_be_visible()
    return page


def test_nothing_without_a_login(console_site: Assistant, page: Page, offsite):
    page.goto(console_site.web_url + "/agent/")
    expect(page).to_have_url(re.compile(r"/agent/login$"))
    assert page.request.get(console_site.web_url + "/agent/api/session").status == 401
    assert page.request.post(console_site.web_url + "/agent/api/lookup", data={"insurance_number": "C314159266"}).status == 401
    assert page.request.get(console_site.web_url + "/agent/gaps", max_redirects=0).status == 303


def test_a_wrong_password_gets_one_generic_message(console_site: Assistant, page: Page, offsite):
    log_in(page, console_site, "anna.hotline", "falsches-passwort")
    expect(page.get_by_role("alert")).to_have_text("Anmeldung fehlgeschlagen. Bitte prüfen Sie Benutzername und Passwort.")
    log_in(page, console_site, "gibt.es.nicht", "falsches-passwort")
    expect(page.get_by_role("alert")).to_have_text("Anmeldung fehlgeschlagen. Bitte prüfen Sie Benutzername und Passwort.")


def test_the_session_cookie_is_http_only_and_strict(agent_page: Page):
    [cookie] = [c for c in agent_page.context.cookies() if c["name"] == "agent_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/agent"


def test_state_changes_need_the_csrf_token(console_site: Assistant, agent_page: Page):
    url = console_site.web_url + "/agent/api/lookup"
    body = {"insurance_number": "C314159266", "identity_checked": True}
    assert agent_page.request.post(url, data=body).status == 403
    assert agent_page.request.post(url, data=body, headers={"X-CSRF-Token": "falsch"}).status == 403
    token = agent_page.request.get(console_site.web_url + "/agent/api/session").json()["csrf_token"]
    assert agent_page.request.post(url, data=body, headers={"X-CSRF-Token": token}).status == 200
    # the login form needs its token too
    login = agent_page.request.post(console_site.web_url + "/agent/login",
                                    form={"username": "anna.hotline", "password": PASSWORD}, max_redirects=0)
    assert login.status == 403


def test_suggestions_for_a_member_question(console_site: Assistant, agent_page: Page):
    agent_page.get_by_label("Frage der Anruferin oder des Anrufers").fill(
        "Die Dame am Telefon hat ihr Passwort vergessen und kommt nicht mehr in die Online-Filiale")
    agent_page.get_by_role("button", name="Vorschläge holen").click()
    first = agent_page.locator("#suggestions li").first
    expect(first).to_contain_text("Passwort", timeout=30_000)
    expect(agent_page.locator("#suggest-state")).to_have_text("Der Assistent würde die erste Antwort geben.")
    assert re.search(r"\(\d{1,3} %\)", first.inner_text()) and "Passwort / PIN vergessen" in first.inner_text()
    first.get_by_role("button", name=re.compile("^Passt:")).click()
    expect(agent_page.locator("#suggest-state")).to_have_text("Danke, Rückmeldung gespeichert.")
    agent_page.screenshot(path=str((DOCS if os.environ.get("UPDATE_SCREENSHOTS") else Path("/tmp")) / "console-suggestions.png"))
    # below the gate the page says so instead of ranking noise
    agent_page.get_by_label("Frage der Anruferin oder des Anrufers").fill("Code")
    agent_page.get_by_role("button", name="Vorschläge holen").click()
    expect(agent_page.locator("#suggest-state")).to_contain_text("nicht sicher", timeout=30_000)


def test_a_suggestion_touches_no_member_conversation(console_site: Assistant, agent_page: Page):
    token = agent_page.request.get(console_site.web_url + "/agent/api/session").json()["csrf_token"]
    reply = agent_page.request.post(console_site.web_url + "/agent/api/suggest", data={"question": "QR-Code abgelaufen"},
                                    headers={"X-CSRF-Token": token})
    assert reply.status == 200 and reply.json()["suggestions"][0]["topic"] == "qr_code_expired"


def test_lookup_shows_no_full_personal_data(console_site: Assistant, agent_page: Page):
    token = agent_page.request.get(console_site.web_url + "/agent/api/session").json()["csrf_token"]
    members = [m for m, _ in demo_members(datetime.utcnow())]
    full_values = [v for m in members for v in (m.insurance_number, m.email, m.phone, m.iban, m.name, m.street) if v]
    for member in members:
        data = agent_page.request.post(console_site.web_url + "/agent/api/lookup",
                                       data={"insurance_number": member.insurance_number, "identity_checked": True},
                                       headers={"X-CSRF-Token": token})
        assert data.status == 200
        assert [v for v in full_values if v in data.text()] == []
    refused = agent_page.request.post(console_site.web_url + "/agent/api/lookup",
                                      data={"insurance_number": "C314159266", "identity_checked": False},
                                      headers={"X-CSRF-Token": token})
    assert refused.status == 400
    agent_page.get_by_label("Versichertennummer").fill("C314159266")
    agent_page.get_by_label("Identität am Telefon geprüft").check()
    agent_page.get_by_role("button", name="Nachschlagen").click()
    expect(agent_page.locator("#caller-data")).to_contain_text("C. M.")
    assert [v for v in full_values if v in agent_page.content()] == []
    agent_page.screenshot(path=str((DOCS if os.environ.get("UPDATE_SCREENSHOTS") else Path("/tmp")) / "console-lookup.png"))


def test_a_resend_creates_one_order_and_one_audit_event(console_site: Assistant, agent_page: Page):
    engine = engine_of(console_site)
    with session_scope(engine) as session:
        orders_before = session.execute(select(func.count()).select_from(LetterOrder)).scalar_one()
        last_event = session.execute(select(func.max(AuditEvent.id))).scalar_one()
    agent_page.get_by_label("Versichertennummer").fill("E161803391")
    agent_page.get_by_label("Identität am Telefon geprüft").check()
    agent_page.get_by_role("button", name="Nachschlagen").click()
    agent_page.get_by_role("button", name="Zugangsdaten erneut senden").click()
    expect(agent_page.locator("#lookup-state")).to_contain_text("Auftragsnummer ZB-")
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(LetterOrder)).scalar_one() == orders_before + 1
        events = session.execute(select(AuditEvent).where(AuditEvent.id > last_event,
                                                          AuditEvent.action.like("letter_ordered%"))).scalars().all()
    engine.dispose()
    assert [(e.actor, e.action) for e in events] == [("agent:anna.hotline", "letter_ordered:resend")]
    audit = cli(console_site, "audit", "list", "--agent", "anna.hotline", "--since", "1")
    assert "letter_ordered:resend" in audit.stdout and "caller_lookup" in audit.stdout and "agent_login" in audit.stdout


def test_a_disabled_agent_cannot_log_in(console_site: Assistant, page: Page, offsite):
    assert cli(console_site, "agents", "disable", "max.weg").returncode == 0
    log_in(page, console_site, "max.weg")
    expect(page.get_by_role("alert")).to_contain_text("Anmeldung fehlgeschlagen")


def test_lead_only_routes_are_refused_for_an_agent(console_site: Assistant, agent_page: Page, browser: Browser):
    token = agent_page.request.get(console_site.web_url + "/agent/api/session").json()["csrf_token"]
    unlock = agent_page.request.post(console_site.web_url + "/agent/api/unlock",
                                     data={"insurance_number": "C314159266", "reason": "Anruf geprüft"},
                                     headers={"X-CSRF-Token": token})
    assert unlock.status == 403
    assert agent_page.request.get(console_site.web_url + "/agent/gaps").status == 403
    lead = browser.new_context()
    guard = OffsiteRequests()
    lead.route("**/*", guard)
    page = lead.new_page()
    log_in(page, console_site, "lena.lead")
    page.goto(console_site.web_url + "/agent/gaps")
    expect(page.get_by_role("heading", name="Wissenslücken")).to_be_visible()
    lead_token = page.request.get(console_site.web_url + "/agent/api/session").json()["csrf_token"]
    ok = page.request.post(console_site.web_url + "/agent/api/unlock",
                           data={"insurance_number": "C314159266", "reason": "Anruferin am Telefon geprüft"},
                           headers={"X-CSRF-Token": lead_token})
    assert ok.status == 200
    lead.close()
    assert guard.attempted == []


def _member_widget(browser: Browser, site: Assistant) -> tuple[Page, OffsiteRequests]:
    context = browser.new_context(locale="de-DE")
    guard = OffsiteRequests()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(site.web_url + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    return page, guard


def _say(page: Page, text: str) -> None:
    box = page.get_by_label("Ihre Nachricht an den Assistenten")
    box.fill(text)
    box.press("Enter")


def test_live_hand_over_from_the_widget(console_site: Assistant, agent_page: Page, browser: Browser):
    member, guard = _member_widget(browser, console_site)
    _say(member, "Ich möchte mit einem Mitarbeiter sprechen")
    expect(member.locator(".ofc-bot .ofc-text").last).to_contain_text("übernimmt gleich", timeout=30_000)
    # the ticket appears in the console's queue without a reload
    take = agent_page.get_by_role("button", name=re.compile(r"^Chat \w+ übernehmen$")).first
    expect(take).to_be_visible(timeout=10_000)
    agent_page.screenshot(path=str((DOCS if os.environ.get("UPDATE_SCREENSHOTS") else Path("/tmp")) / "console-queue.png"))
    take.click()
    expect(agent_page.locator("#transcript")).to_contain_text("Ich möchte mit einem Mitarbeiter sprechen", timeout=10_000)
    # the member writes; the assistant stays silent; the agent sees it
    bot_count = member.locator(".ofc-bot").count()
    _say(member, "Mein Brief mit den Zugangsdaten kam nie an")
    expect(agent_page.locator("#transcript")).to_contain_text("kam nie an", timeout=10_000)
    member.wait_for_timeout(1500)
    assert member.locator(".ofc-bot").count() == bot_count, "the assistant must be silent while an agent holds the chat"
    # the agent answers; the widget shows it as coming from a person
    agent_page.get_by_label("Ihre Antwort an das Mitglied").fill("Guten Tag, ich schicke Ihnen die Zugangsdaten erneut.")
    agent_page.get_by_role("button", name="Senden").click()
    agent_message = member.locator(".ofc-agent").last
    expect(agent_message).to_contain_text("ich schicke Ihnen die Zugangsdaten erneut", timeout=10_000)
    expect(agent_message.locator(".ofc-badge")).to_have_text("Mitarbeiter/in")
    # ending the hand-over resumes the assistant, which says so and answers again
    agent_page.get_by_role("button", name="Übergabe beenden").click()
    expect(member.locator(".ofc-bot .ofc-text").last).to_contain_text("wieder mit dem digitalen Assistenten",
                                                                      timeout=10_000)
    _say(member, "Wie lange ist der QR-Code gültig?")
    expect(member.locator(".ofc-bot .ofc-text").last).to_contain_text("60", timeout=30_000)
    member.context.close()
    assert guard.attempted == []


def test_a_hand_over_nobody_takes_gets_the_hotline(console_site: Assistant, browser: Browser):
    from bot.web.agent import expire_handovers

    member, guard = _member_widget(browser, console_site)
    _say(member, "Kann ich bitte mit einem Menschen sprechen?")
    expect(member.locator(".ofc-bot .ofc-text").last).to_contain_text("übernimmt gleich", timeout=30_000)
    engine = engine_of(console_site)
    with session_scope(engine) as session:  # as if it had waited longer than HANDOVER_WAIT_MINUTES
        session.execute(update(HandoverTicket).where(HandoverTicket.status == "waiting")
                        .values(created_at=datetime.utcnow() - timedelta(minutes=30)))
    engine.dispose()
    os.environ["DATABASE_URL"] = console_site.settings.database_url
    try:
        from bot.store import reset_engine

        reset_engine()
        settings = replace(load_settings(), rasa_port=console_site.settings.rasa_port)
        assert expire_handovers(settings) >= 1
    finally:
        os.environ.pop("DATABASE_URL", None)
        reset_engine()
    expect(member.locator(".ofc-bot .ofc-text").last).to_contain_text("08731 76 21384", timeout=10_000)
    _say(member, "Was ist NECT?")
    expect(member.locator(".ofc-bot .ofc-text").last).to_contain_text("NECT", timeout=30_000)
    member.context.close()
    assert guard.attempted == []
