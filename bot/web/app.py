"""Routes of the web process: the demo website, the widget's files, health; demo login and app.

The widget script is served as one file: the pinned socket.io client from
``node_modules`` (installed by ``npm ci``), the widget's configuration (its
welcome text comes from ``domain.yml``'s ``utter_greet``) and ``widget.js``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import AsyncIterator, Optional

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import HOTLINE, PROJECT_ROOT, Settings, load_settings
from bot.web import agent, demo
from bot.web.security import SecurityHeaders

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SOCKET_IO_CLIENT = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def welcome_text() -> str:
    """The widget's first message: the assistant's greeting with its privacy notice (domain.yml)."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]["utter_greet"][0]["text"]


@lru_cache(maxsize=4)
def widget_script(server: str) -> str:
    """socket.io client + configuration + widget, as one script."""
    if not SOCKET_IO_CLIENT.exists():
        raise FileNotFoundError(f"{SOCKET_IO_CLIENT} is missing: run `npm ci` (make setup does)")
    config = {"server": server, "welcome": welcome_text(), "hotline": HOTLINE}
    return "\n".join([
        SOCKET_IO_CLIENT.read_text(encoding="utf-8"),
        f"window.OnlineFilialeChatConfig = {json.dumps(config, ensure_ascii=False)};",
        (HERE / "static" / "widget.js").read_text(encoding="utf-8"),
    ])


#: How often the web process looks for hand-overs nobody took in time.
HANDOVER_CHECK_SECONDS = 10


def _lifespan(settings: Settings):
    """Runs the hand-over timeout check in the background while the app serves."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def expire_loop() -> None:
            while True:
                await asyncio.sleep(HANDOVER_CHECK_SECONDS)
                try:
                    await run_in_threadpool(agent.expire_handovers, settings)
                except Exception:  # noqa: BLE001 - logged; the next round tries again
                    logger.exception("hand-over timeout check failed")

        task = asyncio.create_task(expire_loop())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


def create_app(settings: Optional[Settings] = None) -> Starlette:
    """The web process's application."""
    settings = settings or load_settings()

    async def home(request: Request) -> Response:
        page = templates.get_template("index.html").render(demo=settings.demo_mode, hotline=HOTLINE)
        return HTMLResponse(page)

    async def widget(request: Request) -> Response:
        try:
            body = widget_script(settings.rasa_url)
        except FileNotFoundError as exc:
            return PlainTextResponse(str(exc), status_code=503)
        return Response(body, media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "demo": settings.demo_mode})

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", home),
        Route("/favicon.ico", no_icon),
        Route("/chat/widget.js", widget),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    if settings.demo_mode:
        routes.append(Mount("/demo", routes=demo.routes(settings)))
    routes.append(Route("/agent", lambda request: RedirectResponse("/agent/", status_code=307)))
    routes.append(Mount("/agent", routes=agent.routes(settings, templates)))
    app = Starlette(routes=routes, lifespan=_lifespan(settings))
    app.add_middleware(SecurityHeaders, settings=settings)
    return app
