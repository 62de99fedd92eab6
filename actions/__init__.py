"""Rasa SDK custom actions: thin adapters between the tracker and :mod:`bot`."""

from bot.config import checked_settings
from bot.privacy import install_log_masking

install_log_masking()
# Refuse to start with settings that cannot be used (a short token secret, say).
checked_settings()
