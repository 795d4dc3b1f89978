"""Escalation triggers: each one firing and not firing, their precedence, disabled
triggers, and a yes to the assistant's offer of a person. Real VADER throughout; the
tests that need sentence embeddings use the exported model (skipped without it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from frontdesk.adapters.embeddings.memo import MemoEmbedder
from frontdesk.adapters.embeddings.tfidf_embedder import TfidfEmbedder
from frontdesk.adapters.sentiment.vader import VaderSentiment
from frontdesk.core.account.desk import UNAVAILABLE_TEXT
from frontdesk.core.conversation import Event, EventKind, Mode, Reply, ReplyKind, Source
from frontdesk.core.engine import ABSTAIN_TEXT
from frontdesk.core.escalation.asking import (
    SHIPPED_EXAMPLES,
    HumanRequestDetector,
    accepts_offer,
    load_examples,
    phrase_asking,
)
from frontdesk.core.escalation.config import (
    AskedRules,
    EscalationRules,
    FailingRules,
    FrustrationRules,
    QueueRules,
    SensitiveRules,
    TriggerRules,
)
from frontdesk.core.escalation.frustration import assess_frustration, same_message
from frontdesk.core.escalation.model import Trigger, TriggerKind
from frontdesk.core.escalation.sensitive import find_sensitive
from frontdesk.core.escalation.triggers import EscalationTriggers
from frontdesk.core.nlu.classifier import LabelClassifier
from frontdesk.core.nlu.intents import IntentDetector
from frontdesk.core.ports import Embedder
from frontdesk.errors import ConfigError

ANSWER = Reply(ReplyKind.ANSWER, "Standard delivery takes 3 to 5 working days.", ("faq:7",))
ABSTAIN = Reply(ReplyKind.ABSTAIN, ABSTAIN_TEXT)


@pytest.fixture(scope="module")
def sentiment() -> VaderSentiment:
    return VaderSentiment()


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> Embedder:
    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder

    return MemoEmbedder(OnnxEmbedder(model_dir))


@pytest.fixture(scope="module")
def detector(embedder: Embedder) -> HumanRequestDetector:
    return HumanRequestDetector.shipped(embedder)


@pytest.fixture(scope="module")
def triggers(
    sentiment: VaderSentiment, detector: HumanRequestDetector, embedder: Embedder
) -> EscalationTriggers:
    """Everything on, the shipped detector, the real model."""
    return EscalationTriggers(EscalationRules(), sentiment, detector, embedder)


@pytest.fixture
def plain(sentiment: VaderSentiment) -> EscalationTriggers:
    """No model at all: phrases, VADER and the conversation only."""
    return EscalationTriggers(EscalationRules(), sentiment, None, None)


def with_rules(base: EscalationTriggers, **changes: object) -> EscalationTriggers:
    rules = EscalationRules(triggers=replace(TriggerRules(), **changes))
    return EscalationTriggers(rules, base.sentiment, base.human_detector, base.embedder)


def conversation(*turns: str | Reply) -> list[Event]:
    """Events from alternating shopper texts and bot replies, numbered as stored."""
    events: list[Event] = []
    last_customer = 0
    for seq, turn in enumerate(turns, start=1):
        if isinstance(turn, Reply):
            events.append(
                Event(Source.BOT, turn.text, float(seq), turn, seq=seq, reply_to=last_customer)
            )
        else:
            events.append(Event(Source.CUSTOMER, turn, float(seq), seq=seq))
            last_customer = seq
    return events


def kind_of(trigger: Trigger | None) -> TriggerKind | None:
    return None if trigger is None else trigger.kind


# -- sensitive matters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic", "phrase"),
    [
        ("If this isn't refunded I'll do a chargeback", "chargeback", "chargeback"),
        ("I'm going to dispute the charge with my card company", "chargeback", "dispute the"),
        ("I've asked my bank to reverse the payment", "chargeback", "bank to reverse"),
        ("Someone used my card to buy a TV", "fraud", "someone used my card"),
        ("There's a payment I never made on my statement", "fraud", "payment i never made"),
        ("There's a payment on my card I didn't make", "fraud", "payment on my card i didn't make"),
        ("my card was stolen and used on your site", "fraud", "card was stolen"),
        ("this looks like fraud", "fraud", "fraud"),
        ("my lawyer will be in touch", "legal", "lawyer"),
        ("I'll take you to small claims court", "legal", "small claims"),
        ("I am reporting you to Trading Standards", "legal", "trading standards"),
        ("I will sue you for this", "legal", "sue you"),
        ("the kettle caught fire this morning", "safety", "caught fire"),
        ("there's a burning smell from the heater", "safety", "burning smell"),
        ("my son swallowed a magnet from the toy set", "safety", "son swallowed"),
        ("the lamp gave me an electric shock", "safety", "electric shock"),
        ("the charger started smoking", "safety", "smoking"),
        ("please delete all my personal data", "data_deletion", "delete all my personal data"),
        ("I want to exercise my right to be forgotten", "data_deletion", "right to be forgotten"),
        ("erase my account and everything you hold", "data_deletion", "erase my account"),
        ("under GDPR, stop processing my data", "data_deletion", "stop processing my data"),
    ],
)
def test_sensitive_topics_fire_with_their_phrase(
    plain: EscalationTriggers, text: str, topic: str, phrase: str
) -> None:
    trigger = plain.before_reply([], text)
    assert trigger is not None and trigger.kind is TriggerKind.SENSITIVE
    assert trigger.detail == topic
    assert any(phrase in e for e in trigger.evidence), trigger.evidence
    assert trigger.reason


@pytest.mark.parametrize(
    "text",
    [
        "is the kettle safe for kids?",  # a product question, not an incident
        "does it protect against electric shock?",
        "is this toy a choking hazard?",
        "how do I delete my address?",  # an account change, not an erasure request
        "how do I remove an old card from my account",
        "I want to close my account",
        "how do I delete my account",
        "does the Fire TV stick come with a remote",
        "my smoke alarm won't stop beeping",
        "do you offer fraud protection on card payments?",
        "Sue from your team was lovely",
        "can you cut my curtains to length",
        "the chocolate melted in the heat",
        "how long does the bank refund take",
        "remove me from your mailing list",
        "I'd like to dispute a review someone left",
        "the payment page says I didn't make it past checkout",  # gap words, no denial of a payment
    ],
)
def test_everyday_look_alikes_are_not_sensitive(text: str) -> None:
    assert find_sensitive(text) is None


def test_only_the_configured_sensitive_topics_count(plain: EscalationTriggers) -> None:
    rules = EscalationRules(triggers=TriggerRules(sensitive=SensitiveRules(topics=("safety",))))
    chosen = EscalationTriggers(rules, plain.sentiment, None, None)
    assert chosen.before_reply([], "I'll do a chargeback") is None
    assert kind_of(chosen.before_reply([], "it caught fire")) is TriggerKind.SENSITIVE


# -- asking for a person ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "agent please",
        "Human!",
        "can I speak to a real person",
        "I want to talk to a human",
        "put me through to someone who can help",
        "Could you connect me with a live agent?",
        "I'd like to speak to a manager",
        "I don't want to talk to a robot",
        "can someone call me back",
        "how do I get hold of an actual human",
        "I need help from a human with my order",
        "transfer me to customer services",
    ],
)
def test_obvious_asks_are_read_by_phrase(plain: EscalationTriggers, text: str) -> None:
    trigger = plain.before_reply([], text)
    assert trigger is not None and trigger.kind is TriggerKind.ASKED
    assert trigger.detail == "phrase"
    assert trigger.reason == "asked for a person"
    assert trigger.evidence[0].startswith('said "')


@pytest.mark.parametrize(
    "text",
    ["I want to make a complaint", "how do I lodge a formal complaint", "who do I complain to?"],
)
def test_complaints_are_read_by_phrase(plain: EscalationTriggers, text: str) -> None:
    trigger = plain.before_reply([], text)
    assert trigger is not None and trigger.kind is TriggerKind.ASKED
    assert trigger.detail == "complaint"
    assert trigger.reason == "wants to make a complaint"


LOOK_ALIKES = [
    "my estate agent needs a copy of the invoice",
    "the delivery agent left my parcel at the wrong house",
    "can another person pick up my order for me",
    "how do I contact customer service",  # contact details, not a person (Bitext agrees)
    "what's the customer service phone number",
    "can I pay in person at the store",
    "I'm not a robot, the captcha won't load",
    "I need someone to collect my old sofa",
    "I want to leave a review",
    "are you a real person?",  # small talk answers it, and offers a person
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_match_no_phrase(text: str) -> None:
    assert phrase_asking(text) is None


@pytest.mark.slow
@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_do_not_escalate(triggers: EscalationTriggers, text: str) -> None:
    assert triggers.before_reply([], text) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "is there anybody there who could help me instead of this chat",
        "I would prefer a conversation with one of your people",
        "can I have a word with one of your team",
    ],
)
def test_other_phrasings_are_read_by_the_examples(triggers: EscalationTriggers, text: str) -> None:
    assert phrase_asking(text) is None  # no phrase: the classifier decides
    trigger = triggers.before_reply([], text)
    assert trigger is not None and trigger.kind is TriggerKind.ASKED
    assert trigger.detail == "model"
    assert trigger.score >= EscalationRules().triggers.asked.threshold
    assert trigger.evidence[0].startswith('like "')  # the nearest asking example


@pytest.mark.slow
def test_frustration_in_the_shoppers_words_names_a_case_the_model_read_as_asking(
    triggers: EscalationTriggers,
) -> None:
    text = "Your service is absolutely terrible, I'm sick of waiting"
    assert phrase_asking(text) is None
    trigger = triggers.before_reply([], text)
    assert trigger is not None and trigger.kind is TriggerKind.FRUSTRATED
    assert 'said "sick of"' in trigger.evidence


@pytest.mark.slow
def test_a_trained_intent_model_counts_when_the_examples_are_unsure(embedder: Embedder) -> None:
    examples = [("agent please", True), ("where is my order", False)]
    vectors = embedder.embed(["I wish to escalate this matter further", "track my parcel"])
    classifier = LabelClassifier(["complaint", "track_order"], vectors, scale=20.0, threshold=0.5)
    with_intents = HumanRequestDetector(
        embedder, examples, intents=IntentDetector(embedder, classifier)
    )
    found = with_intents.assess("I wish to escalate this matter further")
    assert found.detail == "intent" and found.score > 0.9
    assert found.evidence[0].startswith("intent complaint")
    without = HumanRequestDetector(embedder, examples).assess("where is my parcel")
    assert without.detail == "model"


@pytest.mark.parametrize("yes", ["yes", "Yes please!", "ok", "yeah go ahead", "please"])
def test_yes_after_the_offer_of_a_person_is_asking(plain: EscalationTriggers, yes: str) -> None:
    history = conversation("do you sell saddles for unicorns?", ABSTAIN)
    trigger = plain.before_reply(history, yes)
    assert trigger is not None and trigger.kind is TriggerKind.ASKED
    assert trigger.detail == "accepted_offer"
    assert trigger.reason == "said yes to the offer of a person"


def test_an_offer_in_words_counts_too(plain: EscalationTriggers) -> None:
    unavailable = Reply(ReplyKind.UNAVAILABLE, UNAVAILABLE_TEXT)
    history = conversation("where is order 1043?", unavailable)
    assert kind_of(plain.before_reply(history, "yes please")) is TriggerKind.ASKED


@pytest.mark.parametrize("text", ["no thanks", "no", "not now", "yes, where is my order?"])
def test_anything_else_after_an_offer_is_not_a_yes(text: str) -> None:
    assert not accepts_offer(text)


def test_yes_without_an_offer_is_just_yes(plain: EscalationTriggers) -> None:
    history = conversation("how long does delivery take?", ANSWER)
    assert plain.before_reply(history, "yes") is None
    confirm = Reply(ReplyKind.CONFIRM, "Cancel order 1059? Reply yes or no.")
    assert plain.before_reply(conversation("cancel order 1059", confirm), "yes") is None


@pytest.mark.parametrize("yes", ["yes please", "yes", "ok", "sure, thanks", "Yes please!"])
def test_a_yes_to_the_assistants_own_question_is_no_ask_for_the_model_either(
    triggers: EscalationTriggers, yes: str
) -> None:
    confirm = Reply(ReplyKind.CONFIRM, "Consultation on Tuesday at 10:00. Shall I book it?")
    assert triggers.before_reply(conversation("book a consultation", confirm), yes) is None
    assert triggers.before_reply(conversation("how long does delivery take?", ANSWER), yes) is None


def test_a_yes_that_asks_to_be_put_through_still_counts(triggers: EscalationTriggers) -> None:
    trigger = triggers.before_reply(conversation("where is my order?", ANSWER), "yes connect me")
    assert kind_of(trigger) is TriggerKind.ASKED


def test_shipped_examples_are_a_balanced_labelled_set() -> None:
    examples = load_examples(SHIPPED_EXAMPLES)
    asking = sum(1 for _, escalate in examples if escalate)
    assert len(examples) >= 300 and 150 <= asking <= len(examples) - 150
    assert len({text.casefold() for text, _ in examples}) == len(examples)


def test_a_bad_examples_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "examples.csv"
    bad.write_text("text,label\nagent please,escalate\nwhere is my order,maybe\n", "utf-8")
    with pytest.raises(ConfigError, match="line 3"):
        load_examples(bad)


def test_cached_example_vectors_give_the_same_reading() -> None:
    examples = load_examples(SHIPPED_EXAMPLES)
    tfidf = TfidfEmbedder()  # the fallback when no model is installed
    tfidf.fit([text for text, _ in examples])
    fresh = HumanRequestDetector(tfidf, examples)
    cached = HumanRequestDetector(tfidf, examples, vectors=fresh.vectors)
    text = "is anybody from your team around to help"
    assert cached.assess(text) == fresh.assess(text)
    with pytest.raises(ValueError, match="vectors"):
        HumanRequestDetector(tfidf, examples, vectors=fresh.vectors[:10])


def test_the_detector_needs_both_kinds_of_example() -> None:
    with pytest.raises(ValueError, match="both"):
        HumanRequestDetector(TfidfEmbedder(), [("agent please", True)])


# -- frustration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail", "evidence"),
    [
        ("this is ridiculous", "phrases", 'said "ridiculous"'),
        ("I'm fed up with waiting", "phrases", 'said "fed up"'),
        ("that's the third time I've asked", "phrases", 'said "third time"'),
        ("I have asked you three times already", "phrases", "three times"),
        ("worst customer service ever", "phrases", "worst customer service"),
        ("still waiting for my refund and I'm really annoyed", "phrases", "still waiting"),
        ("WHERE IS MY ORDER!!!", "shouting", "shouting"),
        ("where the fuck is my order", "profanity", 'swore "fuck"'),
        ("where the f**k is my parcel", "profanity", 'swore "f**k"'),
    ],
)
def test_frustration_fires_with_its_evidence(
    plain: EscalationTriggers, text: str, detail: str, evidence: str
) -> None:
    trigger = plain.before_reply([], text)
    assert trigger is not None and trigger.kind is TriggerKind.FRUSTRATED
    assert trigger.detail == detail
    assert any(evidence in e for e in trigger.evidence), trigger.evidence
    assert trigger.reason == "sounds frustrated"


def test_frustration_records_the_sentiment(plain: EscalationTriggers) -> None:
    trigger = plain.before_reply([], "this is ridiculous, absolutely terrible")
    assert trigger is not None
    assert any(e.startswith("sentiment -0.") for e in trigger.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "my order arrived broken, sad",  # negative, but a problem to solve
        "the sofa is damaged and I'm disappointed",
        "WHERE IS MY ORDER",  # capitals alone: maybe caps lock
        "still waiting for my refund",
        "fucking brilliant, thanks!",
        "I live in Scunthorpe, do you deliver there?",
        "my assistant will collect the class set",
        "UPS says ORD-1043 is late",
        "thanks!!!",
        "what ages is this toy for",
    ],
)
def test_not_frustrated(plain: EscalationTriggers, text: str) -> None:
    assert plain.before_reply([], text) is None


def test_the_same_message_three_times_is_frustration(plain: EscalationTriggers) -> None:
    reply = Reply(ReplyKind.ACCOUNT, "Order 1043 is on its way.")
    history = conversation("where is my order??", reply, "Where's my order", reply)
    trigger = plain.before_reply(history, "where is my order")
    assert trigger is not None and trigger.kind is TriggerKind.FRUSTRATED
    assert trigger.detail == "repeated"
    assert any("3 times" in e for e in trigger.evidence)


def test_the_same_message_twice_alone_is_not(plain: EscalationTriggers) -> None:
    reply = Reply(ReplyKind.ACCOUNT, "Order 1043 is on its way.")
    assert plain.before_reply(conversation("where is my order", reply), "where is my order") is None


def test_coming_back_to_a_request_after_another_one_is_not_a_repeat(
    plain: EscalationTriggers,
) -> None:
    confirm = Reply(ReplyKind.CONFIRM, "Cancel order 1059? Reply yes to confirm.")
    plan = Reply(ReplyKind.ACCOUNT, "You're on Northwind Plus.")
    history = conversation(
        "cancel order 1059", confirm, "what plan am I on?", plan, "cancel order 1059", confirm,
        "and when does it renew?", plan,
    )  # fmt: skip
    assert plain.before_reply(history, "cancel order 1059") is None


def test_same_message_ignores_punctuation_but_not_content() -> None:
    assert same_message("where is my order??", "Where's my order")
    assert not same_message("where is my order 1043", "where is my order 1052")
    assert not same_message("yes", "yes")  # too short to mean anything


def test_earlier_messages_before_a_hand_back_are_not_repeats(plain: EscalationTriggers) -> None:
    reply = Reply(ReplyKind.ACCOUNT, "Order 1043 is on its way.")
    before = conversation("where is my order", reply, "where is my order", reply)
    handed_back = Event(Source.SYSTEM, "", 9.0, kind=EventKind.MODE, mode=Mode.BOT, seq=9)
    assert plain.before_reply([*before, handed_back], "where is my order") is None


def test_frustration_score_combines_signals(sentiment: VaderSentiment) -> None:
    one = assess_frustration("this is ridiculous", [], sentiment)
    more = assess_frustration("this is RIDICULOUS, I'M FED UP!!!", [], sentiment)
    assert 0.6 <= one.score < more.score <= 1.0


# -- the assistant failing ----------------------------------------------------------------


def test_two_abstentions_in_a_row(plain: EscalationTriggers) -> None:
    history = conversation("do you sell saddles for unicorns?", ABSTAIN)
    trigger = plain.after_reply(history, "what about for dragons?", ABSTAIN)
    assert trigger is not None and trigger.kind is TriggerKind.FAILING
    assert trigger.detail == "abstained_repeatedly"
    assert trigger.evidence == (
        'could not answer "do you sell saddles for unicorns?"',
        'could not answer "what about for dragons?"',
    )


def test_the_same_question_abstained_twice_is_failing(plain: EscalationTriggers) -> None:
    history = conversation("dragon saddles?", ABSTAIN)
    trigger = plain.after_reply(history, "dragon saddles?", ABSTAIN)
    assert trigger is not None and len(trigger.evidence) == 2


@pytest.mark.parametrize(
    "turns",
    [
        (),  # the first abstention
        ("unicorn saddles?", ABSTAIN, "how long does delivery take?", ANSWER),
        ("how long does delivery take?", ANSWER),
    ],
)
def test_one_abstention_is_not_failing(
    plain: EscalationTriggers, turns: tuple[str | Reply, ...]
) -> None:
    assert plain.after_reply(conversation(*turns), "dragon saddles?", ABSTAIN) is None


def test_an_answer_after_an_abstention_is_not_failing(plain: EscalationTriggers) -> None:
    history = conversation("unicorn saddles?", ABSTAIN)
    assert plain.after_reply(history, "how long does delivery take?", ANSWER) is None


def test_abstentions_in_a_row_is_configurable(plain: EscalationTriggers) -> None:
    three = with_rules(plain, failing=FailingRules(abstentions_in_a_row=3))
    two_before = conversation("a?", ABSTAIN)
    assert three.after_reply(two_before, "b?", ABSTAIN) is None
    trigger = three.after_reply(conversation("a?", ABSTAIN, "b?", ABSTAIN), "c?", ABSTAIN)
    assert trigger is not None and len(trigger.evidence) == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    "again",
    [
        "how long will it take for my order to be delivered",
        "how many working days will it take for my delivery to arrive",
    ],
)
def test_the_same_question_rephrased_after_an_answer(
    triggers: EscalationTriggers, again: str
) -> None:
    history = conversation("how long does delivery take?", ANSWER)
    trigger = triggers.before_reply(history, again)
    assert trigger is not None and trigger.kind is TriggerKind.FAILING
    assert trigger.detail == "rephrased"
    assert trigger.evidence[0] == 'asked "how long does delivery take?"'
    assert trigger.evidence[-1].startswith("similarity 0.")


@pytest.mark.slow
@pytest.mark.parametrize(
    "follow_up",
    [
        "and what about returns?",  # leans on the answer
        "how long does delivery take to France?",  # narrows it
        "how long do refunds take?",  # another question
        "thanks, that's great",
    ],
)
def test_follow_ups_are_not_rephrases(triggers: EscalationTriggers, follow_up: str) -> None:
    history = conversation("how long does delivery take?", ANSWER)
    assert triggers.before_reply(history, follow_up) is None


@pytest.mark.slow
def test_a_rephrase_after_an_abstention_is_not_asked_again(triggers: EscalationTriggers) -> None:
    history = conversation("how long does delivery take?", ABSTAIN)
    assert (
        triggers.before_reply(history, "how long will it take for my order to be delivered") is None
    )


def test_the_same_words_after_an_answer_need_no_model(plain: EscalationTriggers) -> None:
    history = conversation("How long does delivery take?", ANSWER)
    trigger = plain.before_reply(history, "how long does delivery take")
    assert trigger is not None and trigger.detail == "asked_again"


@pytest.mark.parametrize(
    "text", ["that's not what I asked", "you didn't answer my question", "that doesn't help"]
)
def test_saying_the_answer_did_not_help(plain: EscalationTriggers, text: str) -> None:
    trigger = plain.before_reply(conversation("can I return a sale item?", ANSWER), text)
    assert trigger is not None and trigger.kind is TriggerKind.FAILING
    assert trigger.detail == "not_helped"
    assert trigger.evidence[1] == 'after the answer to "can I return a sale item?"'


def test_another_order_number_is_not_the_same_question(plain: EscalationTriggers) -> None:
    account = Reply(ReplyKind.ANSWER, "Order 1043 is on its way.")
    history = conversation("where is order 1043", account)
    assert plain.before_reply(history, "where is order 1052") is None


# -- precedence and switches ----------------------------------------------------------------


def test_sensitive_comes_before_asking(plain: EscalationTriggers) -> None:
    trigger = plain.before_reply([], "get me a manager, I'm doing a chargeback")
    assert trigger is not None and trigger.kind is TriggerKind.SENSITIVE


def test_asking_comes_before_frustration(plain: EscalationTriggers) -> None:
    trigger = plain.before_reply([], "this is ridiculous, get me a human")
    assert trigger is not None and trigger.kind is TriggerKind.ASKED


def test_frustration_comes_before_failing(plain: EscalationTriggers) -> None:
    history = conversation("how long does delivery take?", ANSWER)
    trigger = plain.before_reply(history, "HOW LONG DOES DELIVERY TAKE?!!! this is ridiculous")
    assert trigger is not None and trigger.kind is TriggerKind.FRUSTRATED


def test_a_disabled_trigger_lets_the_next_one_speak(plain: EscalationTriggers) -> None:
    text = "this is ridiculous, get me a human, or I'll do a chargeback"
    no_sensitive = with_rules(plain, sensitive=SensitiveRules(enabled=False))
    assert kind_of(no_sensitive.before_reply([], text)) is TriggerKind.ASKED
    neither = with_rules(
        plain, sensitive=SensitiveRules(enabled=False), asked=AskedRules(enabled=False)
    )
    assert kind_of(neither.before_reply([], text)) is TriggerKind.FRUSTRATED


@pytest.mark.parametrize(
    ("changes", "history", "text", "after"),
    [
        ({"sensitive": SensitiveRules(enabled=False)}, (), "I'll do a chargeback", None),
        ({"asked": AskedRules(enabled=False)}, (), "agent please", None),
        ({"frustration": FrustrationRules(enabled=False)}, (), "this is ridiculous", None),
        (
            {"failing": FailingRules(enabled=False)},
            ("how long does delivery take?", ANSWER),
            "how long does delivery take?",
            None,
        ),
        (
            {"failing": FailingRules(rephrase=False)},
            ("how long does delivery take?", ANSWER),
            "how long does delivery take?",
            None,
        ),
        ({"failing": FailingRules(enabled=False)}, ("unicorn saddles?", ABSTAIN), "b?", ABSTAIN),
    ],
)
def test_disabled_triggers_never_fire(
    plain: EscalationTriggers,
    changes: dict[str, object],
    history: Sequence[str | Reply],
    text: str,
    after: Reply | None,
) -> None:
    switched = with_rules(plain, **changes)
    events = conversation(*history)
    assert switched.before_reply(events, text) is None
    if after is not None:
        assert switched.after_reply(events, text, after) is None


def test_a_higher_threshold_needs_more_evidence(plain: EscalationTriggers) -> None:
    strict = with_rules(plain, frustration=FrustrationRules(threshold=0.95))
    assert strict.before_reply([], "this is ridiculous") is None


def test_empty_messages_trigger_nothing(plain: EscalationTriggers) -> None:
    assert plain.before_reply([], "   ") is None


def test_queues_follow_detail_then_kind_then_default(plain: EscalationTriggers) -> None:
    queues = QueueRules("support", {"chargeback": "billing", "frustrated": "priority"})
    routed = EscalationTriggers(EscalationRules(queues=queues), plain.sentiment, None, None)
    chargeback = routed.before_reply([], "I'll do a chargeback")
    assert chargeback is not None and routed.queue_for(chargeback) == "billing"
    angry = routed.before_reply([], "this is ridiculous")
    assert angry is not None and routed.queue_for(angry) == "priority"
    asked = routed.before_reply([], "agent please")
    assert asked is not None and routed.queue_for(asked) == "support"


def test_every_trigger_round_trips_through_a_record(plain: EscalationTriggers) -> None:
    trigger = plain.before_reply([], "this is ridiculous")
    assert trigger is not None
    assert Trigger.from_dict(trigger.as_dict()).as_dict() == trigger.as_dict()
    assert np.isfinite(trigger.score)
