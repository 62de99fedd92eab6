"""The production profile (``PROFILE=prod``): shared stores, replicas, a proxy.

Plain Python, no Rasa import. What production needs before it starts, where
each process listens on one machine, the proxy's configuration and the Rasa
endpoints that point every replica at the shared stores. ``bot/servers.py``
starts the processes; ``docker-compose.yml`` and ``deploy/k8s/`` describe the
same topology for other machines.

Topology (one machine)::

    member ──► HAProxy :RASA_PORT ──cookie──► Rasa 1 :RASA_PORT+1 ─┐   ┌─► PostgreSQL (members, tracker)
                                   └────────► Rasa 2 :RASA_PORT+2 ─┼───┤
               HAProxy :ACTION_PORT ─────────► actions 1, 2        ─┘   └─► Redis (locks, socket.io pushes)
               web :WEB_PORT (widget page, console) ──► HAProxy :RASA_PORT
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.config import MIN_TOKEN_SECRET_BYTES, Settings

#: Variables ``PROFILE=prod`` refuses to start without (each names a shared store or a secret).
REQUIRED_VARIABLES: tuple[str, ...] = (
    "DATABASE_URL",
    "TRACKER_STORE_URL",
    "LOCK_STORE_URL",
    "MEMBER_HASH_KEY",
    "MEMBER_TOKEN_SECRET",
    "ASSIST_TOKEN",
)

#: The proxy's cookie that keeps a socket.io client (long-polling) on one Rasa replica.
STICKY_COOKIE = "SERVERID"


def missing_variables(settings: Settings) -> list[str]:
    """The required variables that are unset (or still at the embedded default), in the order of
    :data:`REQUIRED_VARIABLES`."""
    values = {
        "DATABASE_URL": "" if settings.uses_sqlite else settings.database_url,
        "TRACKER_STORE_URL": settings.tracker_store_url,
        "LOCK_STORE_URL": settings.lock_store_url,
        "MEMBER_HASH_KEY": settings.member_hash_key,
        "MEMBER_TOKEN_SECRET": settings.member_token_secret,
        "ASSIST_TOKEN": settings.assist_token,
    }
    return [name for name in REQUIRED_VARIABLES if not values[name]]


def problems(settings: Settings) -> list[str]:
    """What stops the production profile from starting, one sentence each (empty: fine)."""
    found = [f"{name} is not set" + (" to a postgresql:// URL (SQLite is the embedded default only)"
                                     if name == "DATABASE_URL" else "")
             for name in missing_variables(settings)]
    if settings.tracker_store_url and not settings.tracker_store_url.startswith("postgresql"):
        found.append("TRACKER_STORE_URL must be a postgresql:// URL")
    if settings.lock_store_url and not settings.lock_store_url.startswith(("redis://", "rediss://")):
        found.append("LOCK_STORE_URL must be a redis:// URL")
    for name, value in (("ASSIST_TOKEN", settings.assist_token), ("MEMBER_HASH_KEY", settings.member_hash_key)):
        if value and len(value.encode("utf-8")) < MIN_TOKEN_SECRET_BYTES:
            found.append(f"{name} must have at least {MIN_TOKEN_SECRET_BYTES} bytes (for example: openssl rand -hex 32)")
    if settings.rasa_replicas < 1 or settings.action_replicas < 1:
        found.append("RASA_REPLICAS and ACTION_REPLICAS must be at least 1")
    return found


@dataclass(frozen=True)
class Topology:
    """Where each process of the production profile listens on one machine."""

    host: str
    proxy_port: int
    rasa_ports: tuple[int, ...]
    action_proxy_port: int
    action_ports: tuple[int, ...]
    web_port: int

    @property
    def action_url(self) -> str:
        """What every Rasa replica calls: the proxy in front of the action servers."""
        return f"http://{self.host}:{self.action_proxy_port}/webhook"


def topology(settings: Settings) -> Topology:
    """The ports: the proxy takes the usual ports (RASA_PORT, ACTION_PORT), the replicas the next ones."""
    return Topology(
        host=settings.rasa_host,
        proxy_port=settings.rasa_port,
        rasa_ports=tuple(settings.rasa_port + 1 + i for i in range(settings.rasa_replicas)),
        action_proxy_port=settings.action_port,
        action_ports=tuple(settings.action_port + 1 + i for i in range(settings.action_replicas)),
        web_port=settings.web_port,
    )


#: Rasa's response generator: the domain's responses, an FAQ answer with the related topic's button.
NLG_TYPE = "addons.nlg.RelatedTopicNLG"


def endpoints(settings: Settings, action_url: str) -> dict:
    """Rasa's endpoints for a production replica: shared tracker and lock stores, the actions' proxy."""
    return {
        "action_endpoint": {"url": action_url},
        "tracker_store": {"type": "addons.tracker_store.ProductionTrackerStore", "url": settings.tracker_store_url},
        "lock_store": {"type": "addons.lock_store.AtomicRedisLockStore", "url": settings.lock_store_url},
        "nlg": {"type": NLG_TYPE},
    }


def haproxy_config(plan: Topology, action_timeout_seconds: int = 30, stats_port: Optional[int] = None) -> str:
    """HAProxy's configuration for the local topology.

    Rasa: round robin for REST (every replica can serve any conversation: the
    tracker and the lock are shared), a cookie keeps a socket.io client on the
    replica that holds its socket. Actions: round robin; a request is retried
    on the other server only when it never reached the first one
    (``retry-on conn-failure``), so no action runs twice.
    """
    rasa_servers = "\n".join(
        f"    server rasa{i} {plan.host}:{port} check cookie rasa{i}" for i, port in enumerate(plan.rasa_ports, 1)
    )
    action_servers = "\n".join(
        f"    server actions{i} {plan.host}:{port} check" for i, port in enumerate(plan.action_ports, 1)
    )
    stats = (
        f"\nfrontend stats\n    bind {plan.host}:{stats_port}\n    stats enable\n    stats uri /\n"
        if stats_port else ""
    )
    return f"""# Generated by bot/production.py for PROFILE=prod on one machine.
global
    maxconn 4096

defaults
    mode http
    option forwardfor
    option redispatch
    retries 2
    retry-on conn-failure
    timeout connect 2s
    timeout client 330s
    timeout server 330s
    timeout tunnel 1h
    # a crashed server refuses connections at once (and requests are re-dispatched); a busy one may
    # answer its check slowly and must not be taken out for that
    timeout check 5s
    default-server inter 2s fall 3 rise 2

frontend rasa
    bind {plan.host}:{plan.proxy_port}
    default_backend rasa

backend rasa
    balance roundrobin
    cookie {STICKY_COOKIE} insert indirect nocache httponly
    option httpchk GET /webhooks/rest/
{rasa_servers}

frontend actions
    bind {plan.host}:{plan.action_proxy_port}
    default_backend actions

backend actions
    balance roundrobin
    timeout server {action_timeout_seconds + 5}s
    option httpchk GET /health
{action_servers}
{stats}"""
