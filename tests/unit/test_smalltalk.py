from __future__ import annotations

import pytest

from frontdesk.core.nlu.smalltalk import SmalltalkAct, detect_smalltalk

VOCAB = frozenset({"order", "delivery", "return", "refund"})


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Hiya!", SmalltalkAct.GREETING),
        ("good evening everyone", SmalltalkAct.GREETING),
        ("thank u", SmalltalkAct.THANKS),
        ("many thanks, that's helpful", SmalltalkAct.THANKS),
        ("see ya", SmalltalkAct.GOODBYE),
        ("alright", SmalltalkAct.ACKNOWLEDGE),
        ("is this a bot?", SmalltalkAct.ABOUT_BOT),
        ("are you a human or a robot", SmalltalkAct.ABOUT_BOT),
        ("xkcdqwrt vbnmz", SmalltalkAct.GIBBERISH),
        ("!!!", SmalltalkAct.GIBBERISH),
        ("🙂🙂", SmalltalkAct.ACKNOWLEDGE),
        ("ok thanks bye", SmalltalkAct.GOODBYE),
        ("great, thanks!", SmalltalkAct.THANKS),
        ("okay thank you so much for your help", SmalltalkAct.THANKS),
        ("thanks, that really helped", SmalltalkAct.THANKS),
        ("hey, how's it going?", SmalltalkAct.GREETING),
        ("anyone there?", SmalltalkAct.GREETING),
        ("who made you?", SmalltalkAct.ABOUT_BOT),
        ("hahaha", SmalltalkAct.ACKNOWLEDGE),
        ("gtg bye", SmalltalkAct.GOODBYE),
    ],
)
def test_social_messages_are_recognised(text: str, act: SmalltalkAct) -> None:
    found = detect_smalltalk(text, VOCAB)
    assert found is not None and found.act is act
    assert found.reply


@pytest.mark.parametrize(
    "text",
    [
        "hi, where is my order?",
        "thanks but how do I return a lamp",
        "ok so how long does delivery take",
        "refund",
        "what is your returns policy",
        "good morning, my order is late",
        "thanks but it still hasnt arrived",
        "fine, how do I make one then?",
        "bye the way do you ship to spain",
    ],
)
def test_questions_are_never_smalltalk(text: str) -> None:
    assert detect_smalltalk(text, VOCAB) is None


def test_normalising_drops_control_and_invisible_characters_only() -> None:
    from frontdesk.core.nlu.text import normalise

    assert normalise("a\u200bb\x07c\n d\u00a0e  ") == "abc d e"
    assert normalise("  Where’s my   order?  ") == "Where's my order?"
