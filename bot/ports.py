"""Free local ports for servers that tests and benchmarks start themselves.

A port from ``bind(("127.0.0.1", 0))`` lies in the kernel's ephemeral range, which
outgoing connections also draw from: between picking such a port and a server binding
it (Rasa takes half a minute to start), a client connection to PostgreSQL, Redis or
another server can take it, and the server fails with "address already in use". So the
ports here come from below the ephemeral range, and no port is handed out twice by one
process.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

#: Where ports are picked when the kernel does not say its ephemeral range.
DEFAULT_LOW, DEFAULT_HIGH = 20000, 32767
_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")

_handed_out: set[int] = set()
#: Its own generator: a test that seeds ``random`` must not make two processes pick the same ports.
_random = random.SystemRandom()
_lock = threading.Lock()


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux's default when unknown)."""
    try:
        low, high = (int(part) for part in _RANGE_FILE.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _candidates() -> range:
    """Ports that no outgoing connection takes: below the ephemeral range (or above it when it starts low)."""
    low, high = ephemeral_range()
    if low > DEFAULT_LOW + 2000:
        return range(DEFAULT_LOW, min(DEFAULT_HIGH, low - 1))
    return range(high + 1, 65000)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_block(count: int = 1) -> int:
    """The first of ``count`` consecutive ports that are free now and were not handed out before."""
    candidates = _candidates()
    with _lock:
        for _ in range(500):
            base = _random.randrange(candidates.start, candidates.stop - count + 1)
            block = range(base, base + count)
            if any(port in _handed_out for port in block):
                continue
            if all(_bindable(port) for port in block):
                _handed_out.update(block)
                return base
    raise RuntimeError(f"no block of {count} free local ports in {candidates.start}-{candidates.stop}")


def free_port() -> int:
    """A port that is free now, not handed out before, and outside the ephemeral range."""
    return free_block(1)
