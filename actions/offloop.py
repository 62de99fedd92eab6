"""Actions run in a worker thread, so their member-store calls never block the action server.

rasa_sdk awaits every action on the action server's one event loop; the
actions call the member store synchronously (SQLAlchemy), so one slow or
blackholed database call would stall every other conversation. ``off_loop``
moves an action's whole ``run`` into a thread of the loop's default
executor, with a small event loop of its own for the coroutine.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, TypeVar

T = TypeVar("T")


def off_loop(cls: type[T]) -> type[T]:
    """Class decorator: ``cls.run`` runs in a worker thread; subclasses inherit it."""
    inner = cls.run  # type: ignore[attr-defined]

    @functools.wraps(inner)
    async def run(self: Any, dispatcher: Any, tracker: Any, domain: Any) -> Any:
        return await asyncio.to_thread(lambda: asyncio.run(inner(self, dispatcher, tracker, domain)))

    cls.run = run  # type: ignore[attr-defined]
    return cls
