"""The assistant on the demo shop's knowledge base, as a shopper meets it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from frontdesk.bootstrap import build_assistant
from frontdesk.config import Settings
from frontdesk.core.conversation import ReplyKind
from frontdesk.core.engine import ABSTAIN_TEXT, Assistant
from frontdesk.core.knowledge.answering import FaqAnswerer
from frontdesk.core.knowledge.model import Entry, KnowledgeBase


@pytest.fixture(scope="module")
def assistant(model_dir: Path) -> Assistant:
    return build_assistant(retriever="onnx")


def ask(assistant: Assistant, *texts: str) -> list[tuple[ReplyKind, tuple[str, ...]]]:
    conversation = assistant.new_conversation()
    replies = [assistant.respond(conversation, t) for t in texts]
    return [(r.kind, r.source_ids) for r in replies]


def test_a_plain_question_is_answered_from_its_entry(assistant: Assistant) -> None:
    reply = assistant.respond(assistant.new_conversation(), "How can I track my order?")
    assert reply.kind is ReplyKind.ANSWER
    assert reply.source_ids == ("orders-track",)
    assert 0.0 < reply.confidence <= 1.0
    assert 0.0 < reply.score <= 1.0


def test_an_unrelated_question_gets_an_honest_i_dont_know(assistant: Assistant) -> None:
    reply = assistant.respond(assistant.new_conversation(), "Who won the 1966 World Cup?")
    assert reply.kind is ReplyKind.ABSTAIN
    assert reply.text == ABSTAIN_TEXT and "team" in reply.text
    assert reply.source_ids == ()


def test_greetings_and_gibberish_never_get_an_faq_answer(assistant: Assistant) -> None:
    for text in ("hello!", "thanks a lot", "zxcvbnm qwrtp", "👍"):
        kind, ids = ask(assistant, text)[0]
        assert kind is ReplyKind.SMALLTALK and ids == ()


def test_empty_and_overlong_messages(assistant: Assistant) -> None:
    conversation = assistant.new_conversation()
    assert assistant.respond(conversation, "   \n ").kind is ReplyKind.PROMPT
    long_text = "How can I track my order? " + "x" * 3000
    reply = assistant.respond(conversation, long_text)
    assert any("2000" in note for note in reply.notes)


def test_a_follow_up_is_read_with_the_previous_question(assistant: Assistant) -> None:
    replies = ask(assistant, "How do I get a gift card?", "and does it expire?")
    assert replies[1][0] in (ReplyKind.ANSWER, ReplyKind.CLARIFY)
    assert replies[1][1][0] == "gifts-card-expiry"


def test_clarify_offers_options_and_a_number_picks_one(assistant: Assistant) -> None:
    # Thresholds that put every FAQ question in the clarify band make this deterministic.
    calibration = replace(
        assistant.answerer.calibration, answer_threshold=1.01, clarify_threshold=0.0
    )
    clarifying = Assistant(FaqAnswerer(assistant.answerer.index, calibration))
    conversation = clarifying.new_conversation()
    reply = clarifying.respond(conversation, "I want to send something back")
    assert reply.kind is ReplyKind.CLARIFY
    assert len(reply.options) == 3
    assert reply.source_ids == tuple(o.id for o in reply.options)
    assert len({clarifying.answerer.index.kb.get(i).answer for i in reply.source_ids}) == 3
    picked = clarifying.respond(conversation, "2")
    assert picked.kind is ReplyKind.ANSWER
    assert picked.source_ids == (reply.options[1].id,)
    assert picked.text == clarifying.answerer.index.kb.get(reply.options[1].id).answer
    # A number beyond the options offered is not a pick.
    other = clarifying.new_conversation()
    clarifying.respond(other, "I want to send something back")
    assert clarifying.respond(other, "7").kind is not ReplyKind.ANSWER


def test_without_a_model_the_tfidf_fallback_answers_with_a_warning(tmp_path: Path) -> None:
    fallback = build_assistant(settings=Settings(home=tmp_path))
    assert fallback.startup_notes and "TF-IDF" in fallback.startup_notes[0]
    reply = fallback.respond(fallback.new_conversation(), "how do I track my order")
    assert reply.kind is ReplyKind.ANSWER and reply.source_ids == ("orders-track",)


def test_an_unwritable_cache_does_not_stop_the_assistant(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").write_text("a file where the cache folder should be", encoding="utf-8")
    fallback = build_assistant(settings=Settings(home=home), retriever="tfidf")
    reply = fallback.respond(fallback.new_conversation(), "how do I track my order")
    assert reply.kind is ReplyKind.ANSWER


def test_a_corrupt_model_file_is_refused_not_used(tmp_path: Path, model_dir: Path) -> None:
    import shutil

    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder
    from frontdesk.errors import ModelError

    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    with (copy / "model.onnx").open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00" * 16)
    with pytest.raises(ModelError, match="does not match its manifest"):
        OnnxEmbedder(copy)


def test_a_follow_up_on_a_new_detail_does_not_echo_the_last_answer(
    assistant: Assistant,
) -> None:
    conversation = assistant.new_conversation()
    first = assistant.respond(conversation, "how long does delivery take?")
    assert first.source_ids == ("shipping-times",)
    second = assistant.respond(conversation, "and what about to France?")
    assert second.kind in (ReplyKind.ANSWER, ReplyKind.CLARIFY)
    assert second.source_ids[:1] != ("shipping-times",)
    assert "shipping-international" in second.source_ids


def test_a_follow_up_on_another_detail_of_the_topic_gets_that_detail(
    assistant: Assistant,
) -> None:
    """Read joined to "how much is delivery?", the message is about delivery costs
    again; ranked on the joined reading and the message alone, it is about times."""
    replies = ask(assistant, "How much is delivery?", "and how quickly would it get to me?")
    assert replies[0] == (ReplyKind.ANSWER, ("shipping-costs",))
    assert replies[1] == (ReplyKind.ANSWER, ("shipping-times",))


def test_a_follow_up_without_it_or_and_is_read_in_context_when_it_cannot_stand_alone(
    assistant: Assistant,
) -> None:
    replies = ask(
        assistant,
        "My parcel still hasn't come and the tracking hasn't moved",
        "how long does the investigation take?",
    )
    assert replies[1] == (ReplyKind.ANSWER, ("shipping-lost-parcel",))


def test_an_unrelated_question_mid_conversation_is_not_read_as_a_follow_up(
    assistant: Assistant,
) -> None:
    conversation = assistant.new_conversation()
    assistant.respond(conversation, "how long does delivery take?")
    reply = assistant.respond(conversation, "who won the world cup in 1966?")
    assert reply.kind is ReplyKind.ABSTAIN


@pytest.mark.parametrize(
    "message",
    [
        "I placed an order this morning and paid by card, but I'd rather use PayPal now. "
        "Can I change the payment method on an order that's already gone through?",
        "I'm moving house in three weeks and don't want things arriving at the old place. "
        "Could you hold on to my order and only deliver it once I've got the keys?",
    ],
)
def test_a_new_question_with_an_it_is_not_answered_with_the_last_answer(
    assistant: Assistant, message: str
) -> None:
    """ "it" / "one" alone do not make a follow-up of a message with its own topic."""
    conversation = assistant.new_conversation()
    assistant.respond(conversation, "How do I track my order?")
    reply = assistant.respond(conversation, message)
    assert not (reply.kind is ReplyKind.ANSWER and reply.source_ids == ("orders-track",))


def test_export_builds_a_verified_model_from_nothing(tmp_path: Path, model_dir: Path) -> None:
    """The whole set-up step, as a fresh machine runs it (about 10 s)."""
    from frontdesk.adapters.embeddings.export import export, is_current
    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder

    out = tmp_path / "models" / "minilm"
    manifest = export(out)
    assert is_current(out)
    assert manifest["min_cosine_vs_fp32"] > 0.95
    assert export(out) == manifest  # idempotent: nothing is rebuilt
    parcel, track, capital = OnnxEmbedder(out).embed(
        ["where is my parcel", "how can I track my order", "the capital of France"]
    )
    assert float(parcel @ track) > float(parcel @ capital) + 0.2


def test_a_vague_follow_up_gets_options_rather_than_i_dont_know(assistant: Assistant) -> None:
    conversation = assistant.new_conversation()
    assert assistant.respond(conversation, "Do you deliver to France?").kind is ReplyKind.ANSWER
    reply = assistant.respond(conversation, "how long does that take?")
    assert reply.kind in (ReplyKind.ANSWER, ReplyKind.CLARIFY)
    assert any(i.startswith("shipping-") for i in reply.source_ids)


def test_a_one_entry_kb_answers_its_question_and_nothing_else(
    tmp_path: Path, model_dir: Path
) -> None:
    kb = tmp_path / "faq.csv"
    kb.write_text(
        "question,answer\nDo you ship to Canada?,Yes: Canada takes 5-7 working days.\n",
        encoding="utf-8",
    )
    tiny = build_assistant(kb, retriever="onnx")
    assert tiny.respond(tiny.new_conversation(), "do you deliver to canada").kind is (
        ReplyKind.ANSWER
    )
    for unrelated in ("what's the weather like tomorrow?", "can I pay with a cheque?"):
        assert tiny.respond(tiny.new_conversation(), unrelated).kind is ReplyKind.ABSTAIN


def test_a_texts_vector_does_not_depend_on_its_neighbours(model_dir: Path) -> None:
    """KB entries are embedded in lists and queries one at a time: both must agree."""
    import numpy as np

    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(model_dir)
    texts = ["hi", "Can I return a sofa bought in the sale if it doesn't fit the room?"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.encode(text)[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-6)


def test_an_assistant_keeps_numpy_to_its_thread_setting(tmp_path: Path) -> None:
    # Ranking's small products must not want a BLAS thread per core on busy cores.
    from threadpoolctl import threadpool_info

    build_assistant(retriever="tfidf", settings=Settings(home=tmp_path, threads=1))
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


_TWIN_ENTRIES = [
    Entry(
        "t-no",
        "Can I order a sofa if it is marked 'arriving soon' and not available for pre-order?",
        "Not yet: wait for its release date, or ask us to email you when it lands.",
    ),
    Entry(
        "t-yes",
        "Can I order a sofa if it is marked 'arriving soon' but available for pre-order?",
        "Yes: pre-order it now and we deliver it on its release date.",
    ),
    Entry("delivery", "How long does sofa delivery take?", "Within 10 working days."),
    Entry("fabric", "Can I order fabric samples?", "Yes, up to five samples, free of charge."),
]


@pytest.fixture(scope="module", params=["in order", "reversed"])
def twins(request: pytest.FixtureRequest, model_dir: Path) -> Assistant:
    # Both orders, so that a tie broken by position cannot pass for a decision.
    entries = _TWIN_ENTRIES if request.param == "in order" else _TWIN_ENTRIES[::-1]
    return build_assistant(kb=KnowledgeBase.of(entries, source="twins.jsonl"), retriever="onnx")


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("the sofa says arriving soon but there is a pre-order button, can I buy it?", "t-yes"),
        ("arriving soon and pre-order is open - can i get one", "t-yes"),
        ("the sofa is arriving soon but I cant pre-order it, can I still buy it?", "t-no"),
        ("arriving soon, no pre-order option: can I buy it?", "t-no"),
    ],
)
def test_a_not_tells_two_entries_asked_alike_apart(
    twins: Assistant, question: str, entry: str
) -> None:
    """Sentence vectors barely see a "not": of two entries asked alike but for it,
    the one that agrees with the question must rank first."""
    ranking = twins.answerer.decide(question).ranking
    assert twins.answerer.index.kb.entries[ranking.top.row].id == entry


def test_only_questions_asked_alike_but_for_a_not_are_twins(twins: Assistant) -> None:
    index = twins.answerer.index
    rows = {entry.id: row for row, entry in enumerate(index.kb.entries)}
    no, yes = rows["t-no"], rows["t-yes"]
    assert index.opposite_twins() == {no: frozenset({yes}), yes: frozenset({no})}
