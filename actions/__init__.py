"""Rasa SDK custom actions: thin adapters between the tracker and :mod:`bot`."""
