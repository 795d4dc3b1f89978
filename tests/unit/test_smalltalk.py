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
        ("many thanks, that's helpful", None),
        ("see ya", SmalltalkAct.GOODBYE),
        ("alright", SmalltalkAct.ACKNOWLEDGE),
        ("is this a bot?", SmalltalkAct.ABOUT_BOT),
        ("are you a human or a robot", SmalltalkAct.ABOUT_BOT),
        ("xkcdqwrt vbnmz", SmalltalkAct.GIBBERISH),
        ("!!!", SmalltalkAct.GIBBERISH),
        ("🙂🙂", SmalltalkAct.ACKNOWLEDGE),
    ],
)
def test_social_messages_are_recognised(text: str, act: SmalltalkAct | None) -> None:
    found = detect_smalltalk(text, VOCAB)
    if act is None:
        assert found is None or found.act is SmalltalkAct.THANKS
    else:
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
    ],
)
def test_questions_are_never_smalltalk(text: str) -> None:
    assert detect_smalltalk(text, VOCAB) is None
