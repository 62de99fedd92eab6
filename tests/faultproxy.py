"""A TCP proxy that can fail on command: forward, refuse, or blackhole.

Put between a server process and PostgreSQL or Redis to cut them off without
stopping the machine's shared services:

- ``forward()``: pass bytes both ways (the normal case);
- ``refuse()``: stop listening and reset every open connection (a database
  that is down: connections are refused at once);
- ``blackhole()``: accept connections and open ones stay up, but nothing is
  passed on and nothing comes back (a firewall dropping packets: only timeouts help).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Optional, Set

from bot.ports import free_port


class FaultProxy:
    """Listens on 127.0.0.1:``port`` and forwards to ``target_host:target_port`` while the mode allows."""

    def __init__(self, target_host: str, target_port: int, port: Optional[int] = None) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self.mode = "forward"
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        self._writers: Set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        self._call(self._listen())

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if self.mode == "forward":  # blackholed: read and drop
                    writer.write(data)
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        try:
            if self.mode != "forward":
                await client_reader.read()  # hold the connection, answer nothing
                return
            try:
                server_reader, server_writer = await asyncio.open_connection(*self.target)
            except OSError:
                return
            self._writers.add(server_writer)
            await asyncio.gather(self._pump(client_reader, server_writer), self._pump(server_reader, client_writer))
        finally:
            client_writer.close()

    async def _reset_all(self) -> None:
        for writer in list(self._writers):
            transport = writer.transport
            if transport is not None:
                transport.abort()
        self._writers.clear()

    async def _refuse(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._reset_all()

    def forward(self) -> None:
        """Back to normal: listen again; new connections are passed through.

        Connections left from a blackhole are reset (their protocol state is
        lost, as after a real network cut): clients notice and reconnect.
        """
        if self.mode == "blackhole":
            self._call(self._reset_all())
        self.mode = "forward"
        self._call(self._listen())

    def refuse(self) -> None:
        """Down: nothing listens, open connections are reset."""
        self.mode = "refuse"
        self._call(self._refuse())

    def blackhole(self) -> None:
        """Unreachable: connections are accepted (and kept) but nothing passes either way."""
        self.mode = "blackhole"
        self._call(self._listen())

    def close(self) -> None:
        self._call(self._refuse())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
