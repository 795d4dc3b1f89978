"""The flow executor: steps asked in order, filled-in steps passed, earlier answers
revised, "never mind", interruptions handed back, and the step limit."""

from __future__ import annotations

import pytest

from frontdesk.core.conversation import Conversation, FlowState, Option, Reply, ReplyKind
from frontdesk.core.flows.executor import (
    MAX_STEPS,
    Ask,
    Filled,
    Flow,
    FlowExecutor,
    FlowRun,
    GoBack,
    Leave,
    Reading,
    Retry,
    Step,
)

COLOURS = ("red", "blue")
SIZES = ("small", "large")


def read_colour(run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
    word = text.strip().lower()
    return Filled({"colour": word}) if word in COLOURS else None


def read_size(run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
    word = text.strip().lower().removeprefix("actually ").strip()
    if word in SIZES:
        return Filled({"size": word})
    if word == "medium":
        return Retry("We don't do medium.")
    return None


def read_confirm(run: FlowRun, text: str, chosen: Option | None) -> Reading | None:
    if text == "yes":
        return Filled({"ok": "yes"})
    if text == "no":
        return Leave()
    if text == "other size":
        return GoBack("size", "Which size then?")
    return None


def finish(run: FlowRun) -> Reply | GoBack:
    if run.data["size"] == "large" and run.data.get("_sold_out"):
        return GoBack("size", "Large just sold out.")
    return Reply(ReplyKind.BOOKING, f"Ordered a {run.data['size']} {run.data['colour']} one.")


def make_flow(max_steps: int = MAX_STEPS) -> Flow:
    return Flow(
        "shirt",
        (
            Step(
                "colour",
                ("colour",),
                lambda run: Ask("Which colour?", (Option("red", "red"), Option("blue", "blue"))),
                read_colour,
                resets=("size", "ok"),
            ),
            Step("size", ("size",), lambda run: Ask("Which size?"), read_size, resets=("ok",)),
            Step("confirm", ("ok",), lambda run: Ask("Order it?"), read_confirm),
        ),
        finish,
        "OK, no shirt.",
        kind=ReplyKind.BOOKING,
        max_steps=max_steps,
    )


def run_script(executor: FlowExecutor, first: Reply, *messages: str) -> list[Reply]:
    conversation = Conversation()
    replies = [first]
    for text in messages:
        state = replies[-1].flow
        assert state is not None, replies[-1].text
        reply = executor.advance(conversation, state, text, None)
        assert reply is not None, text
        replies.append(reply)
    return replies


def test_steps_are_asked_in_order_and_the_finish_runs_once_all_are_filled() -> None:
    executor = FlowExecutor([make_flow()])
    first = executor.start("shirt", Conversation(), {})
    replies = run_script(executor, first, "red", "small", "yes")
    assert [r.text for r in replies] == [
        "Which colour?",
        "Which size?",
        "Order it?",
        "Ordered a small red one.",
    ]
    assert replies[-1].flow is None


def test_what_the_first_message_said_skips_its_step() -> None:
    executor = FlowExecutor([make_flow()])
    first = executor.start("shirt", Conversation(), {"colour": "blue"})
    assert first.text == "Which size?"
    assert first.flow == FlowState("shirt", "size", {"colour": "blue", "_steps": "0"})


def test_an_earlier_answer_reopens_its_step_and_drops_what_depended_on_it() -> None:
    executor = FlowExecutor([make_flow()])
    first = executor.start("shirt", Conversation(), {})
    replies = run_script(executor, first, "red", "small", "blue")
    # "blue" at the confirmation changes the colour: the size depended on it.
    assert replies[-1].text == "Which size?"
    assert replies[-1].flow is not None and replies[-1].flow.data["colour"] == "blue"
    assert "size" not in replies[-1].flow.data


def test_a_correction_of_a_step_that_others_do_not_depend_on_keeps_them() -> None:
    executor = FlowExecutor([make_flow()])
    first = executor.start("shirt", Conversation(), {})
    replies = run_script(executor, first, "red", "small", "actually large", "yes")
    assert replies[-2].text == "Order it?"
    assert replies[-1].text == "Ordered a large red one."


def test_retry_says_why_and_asks_again() -> None:
    executor = FlowExecutor([make_flow()])
    first = executor.start("shirt", Conversation(), {"colour": "red"})
    replies = run_script(executor, first, "medium")
    assert replies[-1].text == "We don't do medium.\n\nWhich size?"


def test_go_back_and_a_finish_that_goes_back_reask_the_step() -> None:
    executor = FlowExecutor([make_flow()])
    first = executor.start("shirt", Conversation(), {"colour": "red"})
    replies = run_script(executor, first, "small", "other size")
    assert replies[-1].text == "Which size then?\n\nWhich size?"
    sold_out = executor.start("shirt", Conversation(), {"colour": "red", "_sold_out": "1"})
    replies = run_script(executor, sold_out, "large", "yes")
    assert replies[-1].text == "Large just sold out.\n\nWhich size?"


def test_never_mind_and_a_no_leave_the_flow() -> None:
    executor = FlowExecutor([make_flow()])
    for leaving in ("never mind", "Forget it.", "stop"):
        replies = run_script(executor, executor.start("shirt", Conversation(), {}), leaving)
        assert replies[-1].text == "OK, no shirt." and replies[-1].flow is None
    replies = run_script(
        executor, executor.start("shirt", Conversation(), {}), "red", "small", "no"
    )
    assert replies[-1].text == "OK, no shirt."


def test_a_message_no_step_understands_is_handed_back_and_resumed() -> None:
    executor = FlowExecutor([make_flow()])
    conversation = Conversation()
    first = executor.start("shirt", conversation, {"colour": "red"})
    assert first.flow is not None
    question = "how long does delivery take to Scotland usually?"
    assert executor.advance(conversation, first.flow, question, None) is None
    answer = Reply(ReplyKind.ANSWER, "Two days.", ("shipping-times",))
    resumed = executor.resume(answer, conversation, first.flow)
    assert resumed.text == "Two days.\n\nBack to where we were: Which size?"
    assert resumed.flow == first.flow and resumed.source_ids == ("shipping-times",)


def test_the_step_limit_ends_a_flow_that_goes_round_in_circles() -> None:
    executor = FlowExecutor([make_flow(max_steps=4)])
    first = executor.start("shirt", Conversation(), {"colour": "red"})
    replies = run_script(executor, first, "medium", "medium", "medium", "medium", "medium")
    assert replies[-1].flow is None
    assert "round in circles" in replies[-1].text
    assert "flow:shirt:step_limit" in replies[-1].notes


@pytest.mark.parametrize(
    "steps",
    [
        (),
        (
            Step("a", ("x",), lambda r: Ask(""), read_colour),
            Step("a", ("y",), lambda r: Ask(""), read_colour),
        ),
        (
            Step("a", ("x",), lambda r: Ask(""), read_colour),
            Step("b", ("x",), lambda r: Ask(""), read_colour),
        ),
        (Step("a", ("x",), lambda r: Ask(""), read_colour, resets=("nope",)),),
        (Step("a", ("_x",), lambda r: Ask(""), read_colour),),
    ],
)
def test_a_malformed_flow_is_refused_when_it_is_built(steps: tuple[Step, ...]) -> None:
    with pytest.raises(ValueError):
        Flow("bad", steps, finish, "bye")
