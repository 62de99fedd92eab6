"""What members (and agents) can do, against the member store. No Rasa here."""
