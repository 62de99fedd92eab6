"""Extensions that run inside the Rasa server: input channels, stores and NLU components.

They translate between Rasa and :mod:`bot`; the rules themselves live in ``bot/``.
"""

from bot.config import load_settings
from bot.privacy import install_log_masking


def bound_action_calls(seconds: int) -> None:
    """Rasa waits at most ``seconds`` for the action server.

    Rasa 3.6 hard-codes 300 s (``rasa.core.constants.DEFAULT_REQUEST_TIMEOUT``,
    imported by name into the action call and the endpoint's HTTP session) and
    ignores a ``timeout`` in ``endpoints.yml``. A conversation's lock ticket
    lives ``TICKET_LOCK_LIFETIME`` seconds, which must outlast the call.
    """
    import rasa.core.actions.action as action
    import rasa.utils.endpoints as endpoints

    action.DEFAULT_REQUEST_TIMEOUT = seconds
    endpoints.DEFAULT_REQUEST_TIMEOUT = seconds


install_log_masking()
bound_action_calls(load_settings().action_timeout_seconds)
