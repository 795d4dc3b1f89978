"""Account questions by their wording: what routes a message to the shopper's records."""

from __future__ import annotations

import pytest

from frontdesk.core.account.desk import AccountDesk
from frontdesk.core.account.intents import AccountIntent, detect_account_intent
from frontdesk.core.knowledge.model import Entry


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("was my payment received", AccountIntent.CHECK_PAYMENT),
        ("is my order on its way", AccountIntent.TRACK_ORDER),
        ("when does my Plus membership renew", AccountIntent.CHECK_PLAN),
        ("what does my current plan include", AccountIntent.CHECK_PLAN),
        # Not about the shopper's records, though they share a word with one.
        ("How is my payment card information stored?", None),
        ("my lamp got dropped on the way, the base is cracked", None),
        ("Can I send the advisor my floor plan before the video call?", None),
        ("how do I terminate my membership", None),
    ],
)
def test_account_patterns(text: str, intent: AccountIntent | None) -> None:
    assert detect_account_intent(text) is intent


def test_an_account_question_beats_a_confident_faq_answer_on_an_untagged_entry() -> None:
    desk = AccountDesk(directory=None)  # type: ignore[arg-type]  # routing reads no CRM
    untagged = Entry("confirmation", "I never got my order confirmation email", "Check spam.")
    route = desk.route("was my payment received", untagged, True, None)
    assert route is AccountIntent.CHECK_PAYMENT
    # A trained intent model alone does not overrule a confident FAQ answer.
    assert desk.route("my sofa is lovely, how do I clean it", untagged, True, "track_order") is None
