"""The member widget and the demo website in a real browser (Debian's Chromium through Playwright).

The servers (Rasa, actions, web process in demo mode, own member store) are
started by the ``website`` fixture; every test aborts requests that would
leave 127.0.0.1 and fails if one was attempted (``offsite``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.servers import Assistant
from bot.store import Member, session_scope
from bot.store.db import make_engine
from tests.conftest import run_in_thread

pytestmark = pytest.mark.live

DOCS = PROJECT_ROOT / "docs"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCHER = re.compile(r"^Chat (mit dem digitalen Assistenten )?öffnen")


def open_widget(page: Page, website: Assistant) -> None:
    page.goto(website.web_url + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name="Digitaler Assistent")).to_be_visible()


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Ihre Nachricht an den Assistenten")
    box.fill(text)
    box.press("Enter")


def bot_texts(page: Page) -> list[str]:
    return page.locator(".ofc-bot .ofc-text").all_inner_texts()


def wait_for_answer(page: Page, count_before: int, contains: str, timeout: float = 30_000) -> str:
    """The text of the bot messages after the first ``count_before``, once one contains ``contains``."""
    page.wait_for_function(
        "([n, s]) => Array.from(document.querySelectorAll('.ofc-bot .ofc-text')).slice(n)"
        ".some(e => e.textContent.includes(s))", arg=[count_before, contains], timeout=timeout)
    return "\n".join(bot_texts(page)[count_before:])


def test_the_page_is_served_with_a_strict_policy_and_no_inline_code(website: Assistant):
    with urllib.request.urlopen(website.web_url + "/", timeout=30) as reply:
        policy = reply.headers["Content-Security-Policy"]
        html = reply.read().decode()
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script or style"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page loads something from elsewhere"


def test_an_faq_question_is_answered_and_a_clarification_button_works_by_keyboard(website: Assistant, page: Page, offsite):
    open_widget(page, website)
    greeting = bot_texts(page)[0]
    assert "keine Passwörter, PINs, Inhalte Ihres QR-Codes" in greeting
    expect(page.get_by_label("Ihre Nachricht an den Assistenten")).to_be_focused()
    # "Der Assistent schreibt …" shows while the answer is on its way: recorded as it happens, since a fast answer
    # hides it again before a poll could see it
    page.evaluate("""() => {
        const typing = document.querySelector('.ofc-typing');
        window.ofcTypingShown = false;
        new MutationObserver(() => { if (!typing.hidden) window.ofcTypingShown = true; })
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
    }""")
    say(page, "Ich habe mein Passwort vergessen")
    answer = wait_for_answer(page, 1, "Passwort / PIN vergessen")
    assert page.evaluate("() => window.ofcTypingShown")
    expect(page.locator(".ofc-typing")).to_be_hidden()
    assert "Selfie-Ident" in answer
    assert re.fullmatch(r"\d{2}:\d{2}", page.locator(".ofc-time").last.inner_text())
    # "Meinten Sie ...?": the buttons are real buttons, reached and pressed by keyboard
    before = len(bot_texts(page))
    say(page, "Code")
    wait_for_answer(page, before, "Meinten Sie")
    choice = page.get_by_role("button", name="QR-Code abgelaufen")
    choice.focus()
    expect(choice).to_be_focused()
    page.keyboard.press("Enter")
    answer = wait_for_answer(page, before + 1, "QR-Code")
    assert page.locator(".ofc-user .ofc-text").last.inner_text() == "QR-Code abgelaufen"
    assert "Gesundheitskarte" in answer or "60 Tage" in answer
    # Esc closes the dialog and gives the focus back to the launcher
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Digitaler Assistent")).to_be_hidden()
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_focused()


def test_registration_by_letter_survives_a_reload(website: Assistant, page: Page, offsite):
    open_widget(page, website)
    say(page, "Jetzt registrieren")
    wait_for_answer(page, 1, "Versichertennummer")
    say(page, "A123456780")
    wait_for_answer(page, 2, "Postleitzahl")
    page.reload()
    # the history is back, the panel still open, and the form goes on where it stopped
    expect(page.get_by_role("dialog", name="Digitaler Assistent")).to_be_visible()
    assert page.locator(".ofc-user .ofc-text").all_inner_texts() == ["Jetzt registrieren", "A123456780"]
    count = len(bot_texts(page))
    say(page, "84130")
    wait_for_answer(page, count, "E-Mail")
    say(page, "überspringen")
    wait_for_answer(page, count + 1, "Telefonnummer")
    say(page, "nein")
    wait_for_answer(page, count + 2, "Wie möchten Sie")
    page.get_by_role("button", name=re.compile("Brief")).click()
    wait_for_answer(page, count + 3, "Soll ich Ihnen die Zugangsdaten")  # the last question before the letter
    page.get_by_role("button", name="Ja, Brief bestellen").click()
    answer = wait_for_answer(page, count + 4, "Auftragsnummer")
    assert re.search(r"ZB-\d{4}-\w{6}", answer)
    # "Chat beenden" starts afresh
    page.get_by_role("button", name="Chat beenden").click()
    expect(page.locator(".ofc-user")).to_have_count(0)
    assert len(bot_texts(page)) == 1


def test_demo_login_phone_change_and_approval_in_the_demo_app(website: Assistant, page: Page, offsite):
    page.goto(website.web_url + "/")
    page.get_by_label("Demo-Mitglied").select_option("C314159266")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#login-state")).to_have_text("Angemeldet als Claudia Maier.")
    page.get_by_role("button", name=LAUNCHER).click()
    say(page, "Ich möchte meine Telefonnummer ändern")
    wait_for_answer(page, 1, "neue Telefonnummer")
    say(page, "0170 9876543")
    wait_for_answer(page, 2, "+491709876543")
    page.get_by_role("button", name="Ja, übermitteln").click()
    wait_for_answer(page, 3, "wartet jetzt auf Ihre Freigabe")
    app = page.locator("#demo-app")
    expect(app.get_by_text(re.compile(r"Telefonnummer: \+49\*+543"))).to_be_visible(timeout=10_000)
    assert "9876" not in app.inner_text(), "the Demo-App shows the new number masked"
    app.get_by_role("button", name="Freigeben: Telefonnummer").click()
    expect(page.locator("#app-result")).to_have_text("Freigegeben.")
    count = len(bot_texts(page))
    say(page, "erledigt")
    assert "übernommen" in wait_for_answer(page, count, "übernommen")
    engine = make_engine(website.settings.database_url)
    with session_scope(engine) as session:
        phone = session.execute(select(Member.phone).where(Member.insurance_number == "C314159266")).scalar_one()
    engine.dispose()
    assert phone == "+491709876543"


def test_html_in_a_message_is_shown_as_text(website: Assistant, page: Page, offsite):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_widget(page, website)
    say(page, "<img src=x onerror=alert(1)>")
    page.wait_for_function("() => document.querySelectorAll('.ofc-bot').length > 1", timeout=30_000)
    assert page.locator(".ofc-user .ofc-text").last.inner_text() == "<img src=x onerror=alert(1)>"
    assert page.locator(".ofc-root img").count() == 0 and dialogs == []


def test_links_only_for_https_urls():
    script = (PROJECT_ROOT / "bot" / "web" / "static" / "widget.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script
    assert re.search(r"HTTPS_URL = /https:", script)


def _ticket(page: Page) -> str:
    return json.loads(page.evaluate("sessionStorage.getItem('online-filiale-chat.v1')"))["ticket"]


def _listen(website: Assistant, session_id: str | None, seconds: float) -> tuple[str, list[dict]]:
    """A second client that asks for ``session_id``; what it is given and what it hears."""

    async def run() -> tuple[str, list[dict]]:
        client = socketio.AsyncClient(reconnection=False)
        heard: list[dict] = []
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", lambda data: heard.append(data))
        client.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await client.connect(website.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"],
                             headers={"Origin": website.web_url})
        try:
            await client.emit("session_request", {"session_id": session_id})
            ticket = await asyncio.wait_for(confirmed.get(), 30)
            await asyncio.sleep(seconds)
            return ticket, heard
        finally:
            await client.disconnect()

    return run_in_thread(run)


def test_another_client_never_joins_a_conversation_it_was_not_given(website: Assistant, page: Page, offsite):
    open_widget(page, website)
    say(page, "Was ist die 2-Faktor-Authentifizierung?")
    wait_for_answer(page, 1, "2")
    ticket = _ticket(page)
    conversation_id, expires, _signature = ticket.split(".")
    forged = f"{conversation_id}.{expires}.{'0' * 32}"
    import threading

    results: dict[str, tuple[str, list[dict]]] = {}

    def listen(name: str, session_id: str) -> None:
        results[name] = _listen(website, session_id, 8)

    threads = [threading.Thread(target=listen, args=(name, sid)) for name, sid in
               (("bare id", conversation_id), ("forged", forged))]
    for thread in threads:
        thread.start()
    page.wait_for_timeout(2000)
    before = len(bot_texts(page))
    say(page, "Wie lange ist der QR-Code gültig?")
    wait_for_answer(page, before, "QR-Code")
    for thread in threads:
        thread.join()
    for name, (given, heard) in results.items():
        assert given.split(".")[0] != conversation_id, f"{name}: joined the first conversation"
        assert heard == [], f"{name}: heard the first conversation"
    # the real ticket resumes it (that is what a reload does)
    assert _listen(website, ticket, 0)[0].split(".")[0] == conversation_id


def test_a_foreign_origin_is_refused(website: Assistant):
    async def connect() -> None:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(website.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"],
                             headers={"Origin": "https://elsewhere.example"})
        await client.disconnect()

    with pytest.raises(socketio.exceptions.ConnectionError):
        run_in_thread(connect)


def test_unread_count_while_closed(website: Assistant, page: Page, offsite):
    open_widget(page, website)
    page.get_by_label("Ihre Nachricht an den Assistenten").fill("Wie lade ich die App herunter?")
    # send and close in one task of the page, so the answer always arrives while the panel is closed
    page.evaluate("""() => {
        document.querySelector('.ofc-panel .ofc-form').requestSubmit();
        document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
    }""")
    launcher = page.get_by_role("button", name=re.compile(r"ungelesene"))
    expect(launcher).to_be_visible(timeout=30_000)
    assert int(page.locator(".ofc-unread").inner_text()) >= 1
    launcher.click()
    expect(page.locator(".ofc-unread")).to_be_hidden()


def test_no_serious_accessibility_violations_on_the_open_widget(website: Assistant, page: Page, offsite):
    open_widget(page, website)
    say(page, "Code")
    wait_for_answer(page, 1, "Meinten Sie")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.parametrize("name,viewport", [("desktop", {"width": 1280, "height": 800}),
                                           ("mobile", {"width": 375, "height": 740}),
                                           ("narrow", {"width": 320, "height": 640})])
def test_layout_at_desktop_and_small_widths(website: Assistant, page: Page, offsite, name: str, viewport: dict,
                                            tmp_path: Path):
    page.set_viewport_size(viewport)
    page.emulate_media(reduced_motion="reduce")
    open_widget(page, website)
    say(page, "Ich habe mein Passwort vergessen")
    wait_for_answer(page, 1, "Passwort / PIN vergessen")
    panel = page.get_by_role("dialog", name="Digitaler Assistent").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= viewport["width"] + 0.5
    send = page.get_by_role("button", name="Senden").bounding_box()
    assert send["x"] + send["width"] <= viewport["width"] + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate("getComputedStyle(document.querySelector('.ofc-typing')).animationName") == "none"
    target = DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    if name != "narrow":
        page.screenshot(path=str(target / f"widget-{name}.png"))



@pytest.mark.parametrize("name, viewport", [("related-desktop", {"width": 1280, "height": 800}),
                                            ("related-mobile", {"width": 375, "height": 780})])
def test_an_answer_offers_the_topic_the_member_may_have_meant(website: Assistant, page: Page, offsite, name: str,
                                                               viewport: dict, tmp_path: Path):
    """Under the answer on the phone number: "Was brauche ich für die Registrierung?" (addons/nlg.py); one press
    answers it. Screenshots at desktop and phone width (UPDATE_SCREENSHOTS=1 keeps them in docs/)."""
    target = DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    page.set_viewport_size(viewport)
    open_widget(page, website)
    before = len(bot_texts(page))
    say(page, "muss ich meine handynummer angeben?")
    wait_for_answer(page, before, "Telefonnummer ist freiwillig")
    related = page.get_by_role("button", name="Was brauche ich für die Registrierung?")
    expect(related).to_be_visible()
    page.screenshot(path=str(target / f"widget-{name}.png"))
    related.click()
    answer = wait_for_answer(page, before + 1, "Für die Registrierung benötigen Sie")
    assert "Versichertennummer" in answer
    assert page.locator(".ofc-user .ofc-text").last.inner_text() == "Was brauche ich für die Registrierung?"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
