"""The agent's summary of an escalated conversation and the introduction it suggests,
from realistic conversations built the way the engine records them."""

from __future__ import annotations

import re

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from frontdesk.core.conversation import (
    Event,
    EventKind,
    LedgerEntry,
    Mode,
    Option,
    Reply,
    ReplyKind,
    Source,
)
from frontdesk.core.escalation.model import Trigger, TriggerKind
from frontdesk.core.escalation.summary import (
    CaseSummary,
    first_sentence,
    introduction,
    summarise,
)

ABSTAIN_TEXT = (
    "I'm sorry, I don't know the answer to that one, and I'd rather not guess. "
    "Would you like me to put you in touch with a member of our team?"
)
ASKED = Trigger(TriggerKind.ASKED, "asked for a person", ("agent please",))
TITLES = {
    "returns-damaged": "What if my item arrives damaged?",
    "returns-policy": "What is your returns policy?",
    "payments-methods": "Which payment methods do you accept?",
}


class Vader:
    """The project's sentiment choice (DESIGN.md), as a SentimentScorer."""

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def compound(self, text: str) -> float:
        return float(self._analyzer.polarity_scores(text)["compound"])


@pytest.fixture(scope="module")
def vader() -> Vader:
    return Vader()


class Chat:
    """Builds a conversation's events: the shopper says, the bot replies."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def shopper(self, text: str) -> Chat:
        self.events.append(Event(Source.CUSTOMER, text, 1000.0 + len(self.events), seq=self._seq()))
        return self

    def bot(self, reply: Reply) -> Chat:
        at = 1000.0 + len(self.events)
        self.events.append(Event(Source.BOT, reply.text, at, reply, seq=self._seq()))
        return self

    def _seq(self) -> int:
        return len(self.events) + 1


def answer(text: str, entry: str, *, ledger: tuple[LedgerEntry, ...] = ()) -> Reply:
    return Reply(ReplyKind.ANSWER, text, (entry,), 0.82, ledger=ledger)


def account(text: str, *ledger: LedgerEntry) -> Reply:
    return Reply(ReplyKind.ACCOUNT, text, ledger=ledger)


ABSTAIN = Reply(ReplyKind.ABSTAIN, ABSTAIN_TEXT, confidence=0.12)


def assert_clean(text: str) -> None:
    """No template artefacts: a missing value shows as nothing, never as a token."""
    assert "None" not in text
    assert "null" not in text.lower()
    assert "  " not in text
    assert not re.search(r"#(?!\d)", text), text  # no dangling "order #"
    assert not re.search(r"\s[,.;:!?]", text), text
    assert "{" not in text and "}" not in text
    assert not re.search(r"\b(\w+) \1\b", text), text  # "the the"
    assert text == text.strip()


# -- a damaged order ----------------------------------------------------------------------


def damaged_order() -> Chat:
    order = LedgerEntry("read", "order 1043", ("status", "items", "delivered_at"), "demo")
    again = LedgerEntry("read", "order 1043", ("status", "shipping_address"), "demo")
    return (
        Chat()
        .shopper("hi")
        .bot(Reply(ReplyKind.SMALLTALK, "Hello! How can I help you today?"))
        .shopper("My lamp from order #1043 arrived broken, the glass shade is cracked.")
        .bot(
            answer(
                "Sorry to hear that! Send us a photo within 14 days and we'll replace it "
                "or refund you. You can start a claim under Account > My orders.",
                "returns-damaged",
            )
        )
        .shopper("where is order 1043 now?")
        .bot(account("Order #1043 was delivered on 3 March. It had 1 item.", order, again))
        .shopper("I'd like to talk to a person please")
    )


def test_a_damaged_order_summary(vader: Vader) -> None:
    chat = damaged_order()
    summary = summarise(chat.events, ASKED, "Dana Whitfield", vader, entry_title=TITLES.get)
    assert summary.who == "Dana Whitfield"
    assert summary.request == "My lamp from order #1043 arrived broken, the glass shade is cracked."
    assert summary.trigger_message == "I'd like to talk to a person please"
    assert summary.orders == ("1043",)
    assert summary.topics == ("What if my item arrives damaged?",)
    assert summary.answered == (
        "answer: Sorry to hear that!",
        "account: Order #1043 was delivered on 3 March.",
    )
    # The polite "please" of the ask for a person does not cover up the broken lamp.
    assert summary.sentiment == "negative"
    assert summary.sentiment_score is not None and summary.sentiment_score < 0
    assert summary.why == "asked for a person — “agent please”"
    # The two reads of order 1043 are one record with every field read.
    assert summary.records == (
        LedgerEntry(
            "read", "order 1043", ("status", "items", "delivered_at", "shipping_address"), "demo"
        ),
    )
    lines = summary.text.splitlines()
    assert lines[0].startswith("Dana Whitfield wants: “My lamp from order #1043 arrived broken")
    assert "then: “I'd like to talk to a person please”" in lines[0]
    assert "order #1043" in lines[0]
    assert "FAQ answered: What if my item arrives damaged?" in lines[0]
    assert lines[1].startswith("Assistant answered: answer: Sorry to hear that!")
    assert lines[2].startswith("Sentiment: ")
    assert lines[3] == "Escalated: asked for a person — “agent please”"
    assert lines[4] == (
        "Customer data: read order 1043 (status, items, delivered_at, shipping_address)"
    )


def test_a_damaged_order_introduction(vader: Vader) -> None:
    summary = summarise(damaged_order().events, ASKED, "Dana Whitfield", vader)
    intro = introduction(summary, "Dana", "Sam")
    assert intro == (
        "Hi Dana, I'm Sam from the support team. I can see you're asking about order "
        "#1043, which arrived broken — I'm sorry about that. Let me sort it out."
    )
    assert_clean(intro)


def test_without_an_order_number_the_thing_they_named_is_used() -> None:
    chat = Chat().shopper("The mirror I ordered came completely smashed!!").shopper("human please")
    summary = summarise(chat.events, ASKED, None, None)
    assert summary.orders == ()
    intro = introduction(summary, None, "Sam")
    assert intro == (
        "Hi, I'm Sam from the support team. I can see the mirror arrived smashed — "
        "I'm sorry about that. Let me sort it out."
    )
    named = Chat().shopper("my sofa arrived with a torn cushion").shopper("agent")
    intro = introduction(summarise(named.events, ASKED, None, None), "Lee", "Sam")
    assert "I can see your sofa arrived with a torn cushion —" in intro
    # "the legs" are the table's, not the shopper's: their own determiner is kept.
    legs = Chat().shopper("the legs are broken on my new table").shopper("agent")
    intro = introduction(summarise(legs.events, ASKED, None, None), "Lee", "Sam")
    assert "I can see the legs are broken —" in intro
    # Said not to be damaged: nothing to apologise for, the question is restated.
    fine = Chat().shopper("the box arrived and nothing was broken, but where is the manual?")
    intro = introduction(summarise(fine.shopper("agent").events, ASKED, None, None), None, "Sam")
    assert "broken —" not in intro
    assert "you asked “the box arrived and nothing was broken" in intro
    assert_clean(intro)


@pytest.mark.parametrize(
    ("message", "seen"),
    [
        (
            "Order 1051 still hasn't arrived and it's been two weeks",
            "order #1051, which hasn't arrived yet — I'm sorry about that.",
        ),
        (
            "I got the wrong colour in order #1060",
            "order #1060, which came with the wrong colour — I'm sorry about that.",
        ),
        (
            "order 1077 is missing a part, the screws bag",
            "order #1077, which arrived with a part missing — I'm sorry about that.",
        ),
        (
            "You charged me twice for order #1080",
            "order #1080, which you were charged twice for — I'm sorry about that.",
        ),
        (
            "Please cancel my order 1090, I ordered the wrong size",
            "order #1090, which came with the wrong size — I'm sorry about that.",
        ),
        (
            "can I cancel my order #1092 before it ships?",
            "order #1092 and that you'd like to cancel it. Sorry our assistant",
        ),
        (
            "The kettle from #1101 stopped working after a day",
            "order #1101, which isn't working properly — I'm sorry about that.",
        ),
    ],
)
def test_what_went_wrong_is_restated_in_the_shoppers_terms(message: str, seen: str) -> None:
    chat = Chat().shopper(message).bot(ABSTAIN).shopper("can I speak to someone")
    intro = introduction(summarise(chat.events, ASKED, None, None), "Priya", "Sam")
    assert intro.startswith(
        "Hi Priya, I'm Sam from the support team. I can see you're asking about "
    )
    assert seen in intro
    assert_clean(intro)


# -- an abstention, then "agent please" -----------------------------------------------------


def abstention_then_agent() -> Chat:
    return (
        Chat()
        .shopper("Do you price match Argos if I find it cheaper?")
        .bot(ABSTAIN)
        .shopper("agent please")
    )


def test_an_abstention_then_agent_please(vader: Vader) -> None:
    summary = summarise(abstention_then_agent().events, ASKED, "Tom Baker", vader)
    assert summary.request == "Do you price match Argos if I find it cheaper?"
    assert summary.trigger_message == "agent please"
    assert summary.answered == ("abstain: did not know",)
    assert summary.topics == ()
    assert summary.problem is None
    assert summary.text.splitlines()[1] == "Assistant answered: abstain: did not know"
    intro = introduction(summary, "Tom", "Sam")
    assert intro == (
        "Hi Tom, I'm Sam from the support team. I've read the conversation so far: you "
        "asked “Do you price match Argos if I find it cheaper?” Sorry our assistant "
        "couldn't answer that. Let me help with that."
    )
    assert_clean(intro)


def test_repeated_misses_name_every_unknown_and_the_clarify_offered() -> None:
    failing = Trigger(
        TriggerKind.FAILING,
        "assistant did not know twice",
        ("abstained at 2", "abstained at 4"),
    )
    clarify = Reply(
        ReplyKind.CLARIFY,
        "I want to get this right. Which of these do you mean?",
        ("returns-policy", "returns-damaged"),
        options=(
            Option("returns-policy", "What is your returns policy?"),
            Option("returns-damaged", "What if my item arrives damaged?"),
        ),
    )
    chat = (
        Chat()
        .shopper("can I return a gift without the receipt")
        .bot(clarify)
        .shopper("neither, it's a gift with no receipt")
        .bot(ABSTAIN)
        .shopper("so can I or not")
        .bot(ABSTAIN)
    )
    summary = summarise(chat.events, failing, None, None)
    assert summary.answered == (
        "clarify: offered “What is your returns policy?”, “What if my item arrives damaged?”",
        "abstain: did not know",
        "abstain: did not know",
    )
    assert summary.topics == ()  # options offered are not answers given
    assert summary.why == "assistant did not know twice — “abstained at 2”; “abstained at 4”"
    assert summary.sentiment == "unknown"
    intro = introduction(summary, None, "Sam")
    assert intro.startswith(
        "Hi, I'm Sam from the support team. I've read the conversation so far: you asked "
        "“can I return a gift without the receipt”. Sorry our assistant couldn't answer that."
    )
    assert_clean(intro)


# -- a frustrated repeat ----------------------------------------------------------------------


def test_a_frustrated_repeat(vader: Vader) -> None:
    frustrated = Trigger(
        TriggerKind.FRUSTRATED,
        "sounds frustrated",
        ("THIRD time", "useless"),
        score=0.8,
        detail="repeat",
    )
    tracking = answer(
        "As soon as your order ships we email you a tracking link. Tracking can take 24 hours.",
        "orders-track",
    )
    chat = (
        Chat()
        .shopper("where is my parcel, order 1107")
        .bot(tracking)
        .shopper("I already know that. Where is order 1107??")
        .bot(tracking)
        .shopper("This is the THIRD time I'm asking. Useless!!")
    )
    summary = summarise(chat.events, frustrated, "Ana Lima", vader)
    assert summary.sentiment == "negative"
    assert summary.sentiment_score is not None and summary.sentiment_score < -0.05
    assert summary.orders == ("1107",)
    assert summary.topics == ("orders-track",)  # no title lookup: the entry id
    assert summary.why == "sounds frustrated (repeat) — “THIRD time”; “useless”"
    assert summary.answered == (
        "answer: As soon as your order ships we email you a tracking link.",
        "answer: As soon as your order ships we email you a tracking link.",
    )
    assert "Sentiment: negative (-0." in summary.text
    intro = introduction(summary, "Ana", "Sam")
    assert intro == (
        "Hi Ana, I'm Sam from the support team. I can see you're asking about order "
        "#1107. I'm sorry for the trouble. Let me take a look."
    )
    assert_clean(intro)


def test_the_later_messages_weigh_more_in_the_mood() -> None:
    class Fixed:
        def __init__(self, scores: dict[str, float]) -> None:
            self.scores = scores

        def compound(self, text: str) -> float:
            return self.scores[text]

    chat = Chat().shopper("thanks, lovely shop").shopper("this is awful")
    scorer = Fixed({"thanks, lovely shop": 0.6, "this is awful": -0.5})
    summary = summarise(chat.events, ASKED, None, scorer)
    # (1 × 0.6 + 2 × -0.5) / 3 = -0.133: the mood now, not the average of the two.
    assert summary.sentiment == "negative"
    assert summary.sentiment_score == pytest.approx(-0.4 / 3)


def test_without_a_scorer_a_frustration_trigger_still_reads_negative() -> None:
    chat = Chat().shopper("this is ridiculous")
    trigger = Trigger(TriggerKind.FRUSTRATED, "sounds frustrated")
    summary = summarise(chat.events, trigger, None, None)
    assert (summary.sentiment, summary.sentiment_score) == ("negative", None)
    assert "Sentiment: negative\n" in summary.text


# -- an anonymous visitor with nothing specific -------------------------------------------------


def test_an_anonymous_visitor_with_nothing_specific(vader: Vader) -> None:
    chat = (
        Chat()
        .shopper("hello?")
        .bot(Reply(ReplyKind.SMALLTALK, "Hello! How can I help you today?"))
        .shopper("can I talk to a real human")
    )
    summary = summarise(chat.events, ASKED, None, vader)
    assert summary.who == "A visitor"
    assert summary.request == ""
    assert summary.orders == ()
    assert summary.answered == ()
    assert summary.records == ()
    assert summary.text.splitlines()[0] == "A visitor wants: “can I talk to a real human”"
    assert "Assistant answered: nothing yet" in summary.text
    assert "Customer data" not in summary.text
    intro = introduction(summary, None, "Sam")
    assert intro == (
        "Hi, I'm Sam from the support team. I've read the conversation so far. How can I help?"
    )
    assert_clean(intro)


def test_a_question_with_nothing_to_report_is_restated(vader: Vader) -> None:
    chat = (
        Chat()
        .shopper("Can I pay with Klarna or in instalments?")
        .bot(answer("We accept Visa, Mastercard, Amex and PayPal.", "payments-methods"))
        .shopper("ok but can a person confirm that")
    )
    summary = summarise(chat.events, ASKED, None, vader, entry_title=TITLES.get)
    assert summary.topics == ("Which payment methods do you accept?",)
    intro = introduction(summary, None, "Sam")
    assert intro == (
        "Hi, I'm Sam from the support team. I've read the conversation so far: you asked "
        "“Can I pay with Klarna or in instalments?” Let me help with that."
    )


# -- no template artefacts ------------------------------------------------------------------


@pytest.mark.parametrize("first_name", [None, "", "   ", "None", "null"])
def test_no_name_never_shows_as_a_token(first_name: str | None) -> None:
    summary = summarise(abstention_then_agent().events, ASKED, first_name, None)
    intro = introduction(summary, first_name, "Sam")
    assert intro.startswith("Hi, I'm Sam from the support team.")
    assert summary.who == "A visitor"
    assert_clean(intro)
    assert_clean(summary.text.replace("\n", " "))


def test_names_are_tidied_and_blank_orders_dropped() -> None:
    summary = summarise(damaged_order().events, ASKED, "dana whitfield", None)
    intro = introduction(summary, " dana whitfield ", " Sam ", orders_mentioned=["#1043", " ", ""])
    assert intro.startswith(
        "Hi Dana, I'm Sam from the support team. I can see you're asking about "
    )
    assert "order #1043, which arrived broken" in intro
    nameless_agent = introduction(summary, "Dana", "")
    assert nameless_agent.startswith("Hi Dana, this is the support team. I can see")
    assert_clean(intro)
    assert_clean(nameless_agent)


def test_orders_given_by_the_console_replace_the_ones_mentioned() -> None:
    summary = summarise(damaged_order().events, ASKED, None, None)
    none = introduction(summary, "Dana", "Sam", orders_mentioned=[])
    assert none == (
        "Hi Dana, I'm Sam from the support team. I can see your lamp arrived broken — "
        "I'm sorry about that. Let me sort it out."
    )
    two = introduction(summary, "Dana", "Sam", orders_mentioned=["1043", "1044"])
    assert "orders #1043 and #1044, and that your lamp arrived broken" in two
    assert_clean(none)
    assert_clean(two)


def test_long_messages_are_clipped_at_a_word() -> None:
    long = "I have a question about " + "the delivery of my very large wardrobe " * 8
    chat = Chat().shopper(long).shopper("agent")
    summary = summarise(chat.events, ASKED, None, None)
    intro = introduction(summary, None, "Sam")
    quoted = re.search(r"“(.+?)”", intro)
    assert quoted is not None
    assert quoted.group(1).endswith("…")
    assert len(quoted.group(1)) <= 100
    assert_clean(intro)


def test_the_answer_list_stays_short() -> None:
    chat = Chat()
    for n in range(8):
        chat.shopper(f"question number {n} about delivery").bot(
            answer(f"Answer {n}. More detail here.", f"entry-{n}")
        )
    chat.shopper("agent")
    summary: CaseSummary = summarise(chat.events, ASKED, None, None)
    assert summary.answered[0] == "3 earlier replies"
    assert summary.answered[1:] == tuple(f"answer: Answer {n}." for n in range(3, 8))


def test_first_sentence_keeps_decimals_and_clips() -> None:
    assert first_sentence("Delivery costs £4.95 in the UK. Free over £50.") == (
        "Delivery costs £4.95 in the UK."
    )
    assert first_sentence("word " * 60).endswith("…")


# -- later on, in the console ---------------------------------------------------------------


def test_in_the_console_the_trigger_is_the_message_before_the_handover(vader: Vader) -> None:
    chat = abstention_then_agent()
    chat.events.append(
        Event(
            Source.SYSTEM,
            "Waiting for a member of our team (asked for a person).",
            1010.0,
            kind=EventKind.MODE,
            mode=Mode.QUEUED,
        )
    )
    chat.bot(Reply(ReplyKind.HANDOVER, "Of course. You're next in the queue."))
    chat.shopper("it's about order 1043 by the way")
    chat.events.append(Event(Source.AGENT, "Hi Tom, I'm Sam.", 1020.0, author="Sam"))
    summary = summarise(chat.events, ASKED, "Tom Baker", vader)
    assert summary.trigger_message == "agent please"
    assert summary.request == "Do you price match Argos if I find it cheaper?"
    assert summary.orders == ("1043",)  # said while waiting: still worth knowing
    assert summary.answered == ("abstain: did not know",)  # the handover is not an answer
    record = summary.as_dict()
    assert summary.sentiment_score is not None
    score = round(summary.sentiment_score, 4)
    assert record["sentiment"] == {"label": summary.sentiment, "score": score}
    assert record["answered"] == ["abstain: did not know"]
    assert record["orders"] == ["1043"]
    assert record["problem"] is None
    assert record["text"] == summary.text
