"""addons/channels.py without servers: the output that counts (and de-duplicates) a turn's bot messages."""

from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel

from addons.channels import CountingOutput


def test_the_same_message_is_sent_once_per_member_message():
    inner = CollectingOutputChannel()
    output = CountingOutput(inner)

    async def turn() -> None:
        pin = {"text": "Die PIN ist 6-stellig und numerisch."}
        await output.send_response("member", {**pin, "utter_action": "utter_faq/twofa_pin", "id": "1"})
        await output.send_response("member", {"text": "Kann ich Ihnen sonst noch helfen?"})
        # the second question got the same answer (Rasa adds its own metadata to each message)
        await output.send_response("member", {**pin, "utter_action": "utter_faq/twofa_pin", "id": "2"})

    asyncio.run(turn())
    assert [m["text"] for m in inner.messages] == ["Die PIN ist 6-stellig und numerisch.",
                                                  "Kann ich Ihnen sonst noch helfen?"]
    assert output.sent == 2


def test_the_same_text_with_other_buttons_is_another_message():
    inner = CollectingOutputChannel()
    output = CountingOutput(inner)

    async def turn() -> None:
        await output.send_response("member", {"text": "Was möchten Sie tun?", "buttons": [{"title": "A", "payload": "A"}]})
        await output.send_response("member", {"text": "Was möchten Sie tun?", "buttons": [{"title": "B", "payload": "B"}]})

    asyncio.run(turn())
    assert len(inner.messages) == 2
