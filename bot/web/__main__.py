"""``python -m bot.web``: serve the web process on WEB_HOST:WEB_PORT."""

from __future__ import annotations

import uvicorn

from bot.config import checked_settings
from bot.privacy import install_log_masking
from bot.web.app import create_app


def main() -> None:
    install_log_masking()
    settings = checked_settings()
    level = "debug" if settings.log_level == "debug" else settings.log_level
    uvicorn.run(create_app(settings), host=settings.web_host, port=settings.web_port, log_level=level,
                access_log=settings.log_level == "debug", proxy_headers=False, server_header=False,
                ws="none", http="h11", loop="asyncio")  # Rasa pins an old websockets; the web process needs none


if __name__ == "__main__":
    main()
