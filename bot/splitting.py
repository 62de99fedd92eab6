"""Messages that hold several questions: answered one after the other.

"Wie lange gilt der QR-Code? Und brauche ich die App?" is two questions; the
NLU would pick one and lose the other. The member channels split such a
message at its question marks and hand the questions to the assistant in
order, so both get an answer. Only clear cases are split: at least two
sentences that end with "?" and have three or more words each; text before
the first question (the member's story) stays with it.
"""

from __future__ import annotations

import re

MAX_PARTS = 3
MIN_WORDS = 3
_SENTENCE = re.compile(r"[^?!.]*[?!.]+|[^?!.]+$")


def questions(text: str) -> list[str]:
    """The questions of ``text`` in order, or ``[text]`` when it is not clearly several."""
    sentences = [s.strip() for s in _SENTENCE.findall(text or "") if s.strip()]
    asked = [i for i, s in enumerate(sentences) if s.endswith("?") and len(s.split()) >= MIN_WORDS]
    if len(asked) < 2 or len(asked) > MAX_PARTS:
        return [text]
    parts: list[str] = []
    start = 0
    for index in asked:
        parts.append(" ".join(sentences[start:index + 1]))
        start = index + 1
    if start < len(sentences):  # a closing remark ("Danke!") stays with the last question
        parts[-1] = " ".join([parts[-1], *sentences[start:]])
    return parts
