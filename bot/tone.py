"""Upset members and complaints, recognised by their words when the NLU is unsure.

The intent classifier learns ``frustration`` and ``complain`` from examples;
this lexicon catches the clear cases it is unsure about ("Diese Online-Filiale
ist eine Katastrophe!"), so that an angry message gets an apology instead of a
"Meinten Sie ...?" list. A message with a concrete question the NLU is sure of
("ich warte seit Wochen auf den Brief!") keeps its answer.
"""

from __future__ import annotations

import re

_UPSET = re.compile(
    r"\b(katastroph\w*|mist|schrott\w*|scheiß\w*|scheiss\w*|sch\*+\w*|mies\w*|unfähig\w*|unfaehig\w*|frechheit|"
    r"unverschämt\w*|unverschaemt\w*|sauerei|zumutung|nervt|genervt|nervig|ärger\w*|aerger\w*|wütend|wuetend|"
    r"sauer|reicht (mir|es)|lächerlich|laecherlich|armselig|peinlich|idiot\w*|müll|muell|versagt|"
    r"funktioniert (ja )?(gar )?nichts|nichts (klappt|geht|funktioniert)|zum kotzen|verarsch\w*)\b")
_COMPLAINT = re.compile(r"\b(beschwer\w*|reklamation|reklamier\w*)\b")


def is_upset(text: str) -> bool:
    """True for words of anger or frustration."""
    return bool(_UPSET.search((text or "").casefold()))


def is_complaint(text: str) -> bool:
    """True for a message that wants to complain."""
    return bool(_COMPLAINT.search((text or "").casefold()))
