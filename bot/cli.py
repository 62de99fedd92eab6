"""Member store commands: ``python -m bot migrate|seed-demo|members ...|letters ...``."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Optional, TextIO

from sqlalchemy import select

from datetime import datetime, timedelta

from bot import sessions, validation
from bot.privacy import mask_email, mask_insurance_number, mask_phone
from bot.services import agents, approvals, gaps, identification, letters
from bot.store import AuditEvent, Member, session_scope
from bot.store.migrate import migrate
from bot.store.models import AgentRole, LetterOrder
from bot.store.seed import is_empty, seed_demo


def _number(raw: str) -> str:
    checked = validation.check_insurance_number(raw)
    if not checked.ok:
        raise SystemExit("error: a Versichertennummer is one capital letter and nine digits with a valid check digit")
    return checked.value


def cmd_migrate(_: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    migrate()
    print("database is up to date", file=out)
    return 0


def cmd_seed_demo(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    migrate()
    with session_scope() as session:
        if args.if_empty and not is_empty(session):
            print("store is not empty: no demo members added", file=out)
            return 0
        added = seed_demo(session)
    print(f"{added} demo members added", file=out)
    return 0


def cmd_members_show(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    number = _number(args.number)
    with session_scope() as session:
        member = session.execute(select(Member).where(Member.insurance_number == number)).scalar_one_or_none()
        if member is None:
            print(f"no member {mask_insurance_number(number)}", file=out)
            return 1
        locked = identification.is_locked(session, number, conversation_id="-")
        orders = session.execute(select(LetterOrder).where(LetterOrder.member_id == member.id)
                                 .order_by(LetterOrder.created_at)).scalars().all()
        print(f"Versichertennummer  {mask_insurance_number(member.insurance_number)}", file=out)
        print(f"state               {member.state.value} ({member.registration_method.value if member.registration_method else '-'})", file=out)
        print(f"registered          {member.registered_at:%Y-%m-%d}" if member.registered_at else "registered          -", file=out)
        print(f"2FA device          {'yes, since ' + format(member.twofa_device_at, '%Y-%m-%d') if member.twofa_device_at else 'no'}", file=out)
        print(f"e-mail              {mask_email(member.email) if member.email else '-'}", file=out)
        print(f"phone               {mask_phone(member.phone) if member.phone else '-'}", file=out)
        print(f"identification      {'LOCKED' if locked else 'not locked'}", file=out)
        for order in orders:
            print(f"letter              {order.created_at:%Y-%m-%d} {order.kind.value} {order.status.value} {order.reference}", file=out)
    return 0


def cmd_members_unlock(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    number = _number(args.number)
    with session_scope() as session:
        cleared = identification.unlock(session, number)
    print(f"{mask_insurance_number(number)}: {cleared} failed attempts cleared, identification unlocked", file=out)
    return 0


def cmd_letters_list(_: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    with session_scope() as session:
        rows = session.execute(select(LetterOrder, Member).join(Member, Member.id == LetterOrder.member_id)
                               .order_by(LetterOrder.created_at, LetterOrder.id)).all()
        for order, member in rows:
            print(f"{order.reference}  {order.created_at:%Y-%m-%d %H:%M}  {order.kind.value:<13} {order.status.value:<9} "
                  f"{mask_insurance_number(member.insurance_number)}", file=out)
        print(f"{len(rows)} letter orders", file=out)
    return 0


def cmd_letters_export(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """CSV for the print service (full name and number: the letter needs them); marks the orders exported."""
    out = out or sys.stdout
    if not args.csv:
        print("error: choose a format: --csv", file=sys.stderr)
        return 2
    writer = csv.writer(out)
    writer.writerow(["reference", "ordered_at", "kind", "insurance_number", "name", "postcode"])

    def write_row(order: LetterOrder, member: Member) -> None:
        writer.writerow([order.reference, order.created_at.isoformat(timespec="seconds"), order.kind.value,
                         member.insurance_number, member.name, member.postcode])
        out.flush()

    with session_scope() as session:
        exported, error = letters.export_pending(session, write_row)
    if error is not None:
        print(f"error: export stopped after {exported} orders: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_token(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """A session token for development and demos (needs MEMBER_TOKEN_SECRET)."""
    out = out or sys.stdout
    number = _number(args.number)
    try:
        print(sessions.mint(number, valid_for=timedelta(minutes=args.minutes),
                            conversation_id=getattr(args, "conversation", None)), file=out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_approvals_list(_: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    with session_scope() as session:
        rows = approvals.listing(session)
        for request, masked in rows:
            print(f"{request.public_id}  {request.created_at:%Y-%m-%d %H:%M:%S}  {request.kind.value:<8} "
                  f"{request.status.value:<8} expires {request.expires_at:%H:%M:%S}  {masked}", file=out)
        print(f"{len(rows)} approval requests", file=out)
    return 0


def _decide(args: argparse.Namespace, decide, out: TextIO) -> int:
    try:
        with session_scope() as session:
            result = decide(session, args.id, actor="app-demo")
    except approvals.DecisionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.id}: {result.status.value}", file=out)
    return 0


def cmd_approvals_approve(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """The app side (for demos and tests): approve and apply the change."""
    out = out or sys.stdout
    return _decide(args, approvals.approve, out)


def cmd_approvals_reject(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """The app side (for demos and tests): reject the change."""
    out = out or sys.stdout
    return _decide(args, approvals.reject, out)


def cmd_agents_add(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """Create an agent account; the password comes from standard input (never from the command line)."""
    out = out or sys.stdout
    if not args.password_stdin:
        print("error: give the password on standard input with --password-stdin", file=sys.stderr)
        return 2
    password = (args.stdin or sys.stdin).readline().rstrip("\r\n")
    try:
        migrate()
        with session_scope() as session:
            agent = agents.add_agent(session, args.name, password, AgentRole(args.role))
            print(f"agent {agent.username} added ({agent.role.value})", file=out)
    except agents.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_agents_list(_: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    with session_scope() as session:
        rows = agents.list_agents(session)
        for agent in rows:
            print(f"{agent.username:<24} {agent.role.value:<6} {'active' if agent.active else 'disabled'}", file=out)
        print(f"{len(rows)} agents", file=out)
    return 0


def cmd_agents_disable(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    try:
        with session_scope() as session:
            agents.disable_agent(session, args.name)
    except agents.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"agent {args.name} disabled; open sessions ended", file=out)
    return 0


def cmd_audit_list(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """The audit trail, newest first (details are stored masked)."""
    out = out or sys.stdout
    since = datetime.utcnow() - timedelta(days=args.since)
    with session_scope() as session:
        query = select(AuditEvent).where(AuditEvent.created_at >= since)
        if args.agent:
            query = query.where(AuditEvent.actor == f"agent:{args.agent}")
        events = session.execute(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())).scalars().all()
        for event in events:
            print(f"{event.created_at:%Y-%m-%d %H:%M:%S}  {event.actor:<20} {event.action:<32} {event.detail}", file=out)
        print(f"{len(events)} events", file=out)
    return 0


def cmd_report_unanswered(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    """Questions that ended in "Meinten Sie ...?", the hotline or "Passt nicht", grouped (masked)."""
    out = out or sys.stdout
    with session_scope() as session:
        rows = gaps.report(session, args.days)
    for row in rows:
        outcomes = ", ".join(f"{name}: {count}" for name, count in row["outcomes"].items())
        print(f"{row['count']:>4}  {row['question']}  ({outcomes})", file=out)
    print(f"{len(rows)} questions in the last {args.days} days", file=out)
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Register the store commands on ``python -m bot``'s parser."""
    commands.add_parser("migrate", help="bring the member store to the newest schema").set_defaults(func=cmd_migrate)
    seed = commands.add_parser("seed-demo", help="add the demo members (docs, demos, test suites rely on them)")
    seed.add_argument("--if-empty", action="store_true", help="only if the store has no members yet")
    seed.set_defaults(func=cmd_seed_demo)
    members = commands.add_parser("members", help="look at or unlock a member (masked)")
    member_commands = members.add_subparsers(dest="members_command", required=True)
    show = member_commands.add_parser("show", help="a member's status, masked")
    show.add_argument("number", help="Versichertennummer")
    show.set_defaults(func=cmd_members_show)
    unlock = member_commands.add_parser("unlock", help="lift an identification lock")
    unlock.add_argument("number", help="Versichertennummer")
    unlock.set_defaults(func=cmd_members_unlock)
    letter = commands.add_parser("letters", help="letter orders")
    letter_commands = letter.add_subparsers(dest="letters_command", required=True)
    letter_commands.add_parser("list", help="all letter orders, masked").set_defaults(func=cmd_letters_list)
    export = letter_commands.add_parser("export", help="orders not yet exported, for the print service; marks them exported")
    export.add_argument("--csv", action="store_true", help="write CSV to standard output")
    export.set_defaults(func=cmd_letters_export)
    token = commands.add_parser("token", help="a member session token for development and demos")
    token.add_argument("number", help="Versichertennummer (the token's sub)")
    token.add_argument("--minutes", type=int, default=60, help="validity (default 60, at most MEMBER_TOKEN_MAX_AGE_SECONDS)")
    token.add_argument("--conversation", help="bind the token to this conversation id (claim sid)")
    token.set_defaults(func=cmd_token)
    agent = commands.add_parser("agents", help="hotline agent accounts for the assist console")
    agent_commands = agent.add_subparsers(dest="agents_command", required=True)
    add = agent_commands.add_parser("add", help="create an account (password on standard input)")
    add.add_argument("name", help="user name")
    add.add_argument("--role", choices=[r.value for r in AgentRole], default="agent")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=cmd_agents_add, stdin=None)
    agent_commands.add_parser("list", help="all accounts").set_defaults(func=cmd_agents_list)
    disable = agent_commands.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("name")
    disable.set_defaults(func=cmd_agents_disable)
    audit_parser = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
    audit_list = audit_commands.add_parser("list", help="events, newest first (masked)")
    audit_list.add_argument("--agent", help="only this agent's events")
    audit_list.add_argument("--since", type=int, default=7, help="days back (default 7)")
    audit_list.set_defaults(func=cmd_audit_list)
    report = commands.add_parser("report", help="reports for the content team")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    unanswered = report_commands.add_parser("unanswered", help="knowledge gaps: unanswered questions, grouped")
    unanswered.add_argument("--days", type=int, default=7)
    unanswered.set_defaults(func=cmd_report_unanswered)
    approval = commands.add_parser("approvals", help="the app side of 2FA approvals, for demos and tests")
    approval_commands = approval.add_subparsers(dest="approvals_command", required=True)
    approval_commands.add_parser("list", help="all approval requests, masked").set_defaults(func=cmd_approvals_list)
    for verb, func in (("approve", cmd_approvals_approve), ("reject", cmd_approvals_reject)):
        command = approval_commands.add_parser(verb, help=f"{verb} a pending request as the app would")
        command.add_argument("id", help="the request id from 'approvals list'")
        command.set_defaults(func=func)
