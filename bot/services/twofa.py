"""2FA help: does the QR code from the access letter still work? Activation and Freigabe-PIN reset."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy.orm import Session

from bot.services import audit
from bot.store.models import Member, RegistrationMethod, RegistrationState

#: The QR code in the access letter works this many days from the first registration.
QR_CODE_VALID_DAYS = 60


class ActivationRoute(str, enum.Enum):
    #: 2FA is already set up on a device.
    ALREADY_ACTIVE = "already_active"
    #: The QR code from the letter still works, until ``last_valid_day``.
    QR_CODE = "qr_code"
    #: QR code expired (or none was sent): use the health card's last four digits.
    HEALTH_CARD = "health_card"
    #: Not registered yet: register first.
    NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class ActivationAdvice:
    route: ActivationRoute
    last_valid_day: Optional[date] = None


def qr_code_last_valid_day(registered_at: datetime) -> date:
    """The last day on which the QR code of the access letter can be used."""
    return (registered_at + timedelta(days=QR_CODE_VALID_DAYS)).date()


def _device_route(member: Member, now: datetime) -> ActivationAdvice:
    """How this (registered) member registers a device: QR code while it is valid, else the health card."""
    if member.registration_method == RegistrationMethod.LETTER and member.registered_at is not None:
        last_day = qr_code_last_valid_day(member.registered_at)
        if now.date() <= last_day:
            return ActivationAdvice(ActivationRoute.QR_CODE, last_day)
    return ActivationAdvice(ActivationRoute.HEALTH_CARD)


def activation_advice(session: Session, member_id: int, now: Optional[datetime] = None) -> ActivationAdvice:
    """How this member activates 2FA: QR code (with its last valid day) or health card."""
    now = now or datetime.utcnow()
    member = session.get(Member, member_id)
    if member is None or member.state == RegistrationState.UNREGISTERED:
        return ActivationAdvice(ActivationRoute.NOT_REGISTERED)
    if member.twofa_device_at is not None:
        return ActivationAdvice(ActivationRoute.ALREADY_ACTIVE)
    return _device_route(member, now)


class PinResetRoute(str, enum.Enum):
    #: After deleting the app's content, activate again with the QR code (valid until ``last_valid_day``).
    QR_CODE = "qr_code"
    #: ... or with the health card's last four card digits.
    HEALTH_CARD = "health_card"
    #: No device is registered: there is no PIN to reset; activate 2FA instead.
    NO_DEVICE = "no_device"
    #: Not registered yet: register first.
    NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class PinResetAdvice:
    route: PinResetRoute
    last_valid_day: Optional[date] = None


def pin_reset_advice(session: Session, member_id: int, actor: str = "chat",
                     now: Optional[datetime] = None) -> PinResetAdvice:
    """The member's path to a new Freigabe-PIN; records that they were guided (nothing else changes).

    The reset itself happens in the app ("Einstellungen" → "Inhalte und
    Einstellungen löschen", then "2FA-Aktivierung" again); what the member needs
    to know first is how they can activate again: the same rule as the activation.
    """
    now = now or datetime.utcnow()
    member = session.get(Member, member_id)
    if member is None or member.state == RegistrationState.UNREGISTERED:
        advice = PinResetAdvice(PinResetRoute.NOT_REGISTERED)
    elif member.twofa_device_at is None:
        advice = PinResetAdvice(PinResetRoute.NO_DEVICE)
    else:
        route = _device_route(member, now)
        advice = PinResetAdvice(PinResetRoute(route.route.value), route.last_valid_day)
    if member is not None:
        audit.record(session, actor, "pin_reset_guided", member_id=member.id, detail=advice.route.value, now=now)
    return advice
