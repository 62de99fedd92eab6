"""Security headers for every page of the web process."""

from __future__ import annotations

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

from bot.config import Settings


def content_security_policy(settings: Settings) -> str:
    """Only this origin, plus the assistant's socket.io endpoint for the widget; nothing inline."""
    rasa = settings.rasa_url
    socket = rasa.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {rasa} {socket}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ])


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds the CSP and the usual hardening headers to every response."""

    def __init__(self, app, settings: Settings) -> None:
        super().__init__(app)
        self.headers = {
            "Content-Security-Policy": content_security_policy(settings),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
            "Cross-Origin-Opener-Policy": "same-origin",
        }

    async def dispatch(self, request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response
