"""Ports for the servers the tests start: free, never handed out twice, never in the ephemeral range."""

from __future__ import annotations

import socket

import pytest

from bot import ports


def test_ports_lie_outside_the_range_outgoing_connections_draw_from():
    low, high = ports.ephemeral_range()
    picked = [ports.free_port() for _ in range(50)]
    assert all(not (low <= port <= high) for port in picked)
    assert all(1024 < port < 65536 for port in picked)


def test_no_port_is_handed_out_twice_even_before_anything_binds_it():
    picked = [ports.free_port() for _ in range(200)]
    assert len(set(picked)) == len(picked)


def test_a_block_is_consecutive_bindable_and_disjoint_from_earlier_ports():
    single = ports.free_port()
    base = ports.free_block(4)
    block = range(base, base + 4)
    assert single not in block
    for port in block:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # raises if anything holds it


def test_a_port_something_listens_on_is_never_picked(monkeypatch: pytest.MonkeyPatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        taken = held.getsockname()[1]
        held.listen(1)
        monkeypatch.setattr(ports, "_candidates", lambda: range(taken, taken + 3))
        picked = {ports.free_port(), ports.free_port()}
        assert taken not in picked
        with pytest.raises(RuntimeError, match="no block"):
            ports.free_port()  # the held one is all that is left


def test_the_ephemeral_range_is_read_from_the_kernel(monkeypatch: pytest.MonkeyPatch, tmp_path):
    fake = tmp_path / "range"
    fake.write_text("40000\t50000\n")
    monkeypatch.setattr(ports, "_RANGE_FILE", fake)
    assert ports.ephemeral_range() == (40000, 50000)
    assert all(port < 40000 for port in ports._candidates())
    fake.write_text("1024 30000\n")
    assert all(port > 30000 for port in ports._candidates())
