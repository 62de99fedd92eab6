"""Extensions that run inside the Rasa server: input channels and an NLU component.

They translate between Rasa and :mod:`bot`; the rules themselves live in ``bot/``.
"""

from bot.privacy import install_log_masking

install_log_masking()
