"""2FA activation help: does the QR code from the access letter still work?"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy.orm import Session

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


def activation_advice(session: Session, member_id: int, now: Optional[datetime] = None) -> ActivationAdvice:
    """How this member activates 2FA: QR code (with its last valid day) or health card."""
    now = now or datetime.utcnow()
    member = session.get(Member, member_id)
    if member is None or member.state == RegistrationState.UNREGISTERED:
        return ActivationAdvice(ActivationRoute.NOT_REGISTERED)
    if member.twofa_device_at is not None:
        return ActivationAdvice(ActivationRoute.ALREADY_ACTIVE)
    if member.registration_method == RegistrationMethod.LETTER and member.registered_at is not None:
        last_day = qr_code_last_valid_day(member.registered_at)
        if now.date() <= last_day:
            return ActivationAdvice(ActivationRoute.QR_CODE, last_day)
    return ActivationAdvice(ActivationRoute.HEALTH_CARD)
