"""The promises behind "nothing is lost": a message stored but never answered is
answered on its resend, and two workers answering one message store one reply."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.core.chat import ChatService
from frontdesk.core.conversation import Event, Source
from frontdesk.core.engine import Assistant

pytestmark = pytest.mark.slow


def test_a_message_stored_before_a_crash_is_answered_when_it_is_resent(
    demo_assistant: Assistant, db_url: str
) -> None:
    store = SqlConversationStore(make_engine(db_url))
    try:
        chat = ChatService(demo_assistant, store)
        info, _ = chat.start()
        # The process stored the message, then died before answering it.
        said = Event(Source.CUSTOMER, "do you take paypal?", time.time(), client_message_id="m-1")
        store.append(info.id, said)
        turn = chat.post(info.id, "do you take paypal?", "m-1")
        assert turn.duplicate and turn.message.seq == 1
        (reply,) = turn.replies
        assert reply.reply is not None and reply.reply.source_ids == ("payments-methods",)
        again = chat.post(info.id, "do you take paypal?", "m-1")
        # Answered once, not on every resend.
        assert [e.seq for e in again.replies] == [e.seq for e in turn.replies]
        assert [e.seq for e in store.events(info.id)] == [1, 2]
    finally:
        store.close()


def test_two_workers_answering_the_same_resend_store_one_reply(
    demo_assistant: Assistant, db_url: str
) -> None:
    stores = [SqlConversationStore(make_engine(db_url)) for _ in range(2)]
    try:
        workers = [ChatService(demo_assistant, store) for store in stores]
        info, _ = workers[0].start()
        for attempt in range(5):
            cid = f"m-{attempt}"
            with ThreadPoolExecutor(max_workers=2) as pool:
                turns = list(
                    pool.map(
                        lambda w, cid=cid: w.post(info.id, "how long does delivery take?", cid),
                        workers,
                    )
                )
            assert {t.message.seq for t in turns} == {turns[0].message.seq}
            assert {t.replies[0].seq for t in turns} == {turns[0].replies[0].seq}
        events = stores[0].events(info.id)
        assert len(events) == 10  # five messages, five replies: no duplicates
        assert [e.source for e in events] == [Source.CUSTOMER, Source.BOT] * 5
    finally:
        for store in stores:
            store.close()
