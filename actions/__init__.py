"""Rasa SDK custom actions: thin adapters between the tracker and :mod:`bot`."""

from bot.privacy import install_log_masking

install_log_masking()
