from __future__ import annotations

from frontdesk.core.nlu.followup import follow_up_strength, join_with_context


def test_follow_up_cues_are_strong_and_standalone_questions_weak() -> None:
    assert follow_up_strength("and what if it was a gift?") >= 0.5
    assert follow_up_strength("how long does that take?") >= 0.5
    assert follow_up_strength("What payment methods do you accept for online orders?") == 0.0


def test_joining_keeps_the_last_two_questions_of_a_chain() -> None:
    joined = join_with_context("How long is delivery? what about express", "how do I pick that?")
    assert joined == "How long is delivery? what about express? how do I pick that?"
    longer = join_with_context("Do you ship abroad? to France? and Spain", "how long?")
    assert longer == "to France? and Spain? how long?"


def test_a_short_message_with_its_own_topic_stands_alone() -> None:
    assert follow_up_strength("who won the world cup in 1966?") == 0.0
