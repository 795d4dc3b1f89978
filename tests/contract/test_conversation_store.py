"""The ConversationStore contract; SQLite and PostgreSQL run the very same tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.adapters.storage.tables import Base
from frontdesk.core.conversation import (
    ConversationInfo,
    Customer,
    Event,
    FlowState,
    LedgerEntry,
    LlmUsage,
    Mode,
    Option,
    Reply,
    ReplyKind,
    Source,
)
from frontdesk.errors import NotFoundError


@pytest.fixture
def store(db_url: str) -> Iterator[SqlConversationStore]:
    store = SqlConversationStore(make_engine(db_url))
    yield store
    store.close()


def _conversation(store: SqlConversationStore, cid: str = "a" * 32, **kw: object) -> str:
    info = ConversationInfo(
        id=cid, token_hash="f" * 64, mode=Mode.BOT, created_at=time.time(), last_seq=0, **kw
    )  # type: ignore[arg-type]
    store.create(info)
    return cid


def _said(text: str, client_id: str | None = None) -> Event:
    return Event(Source.CUSTOMER, text, time.time(), client_message_id=client_id)


def test_a_conversation_keeps_who_it_belongs_to(store: SqlConversationStore) -> None:
    customer = Customer("cus_1", "Alex Morgan", "alex@example.com")
    cid = _conversation(store, customer=customer)
    info = store.get(cid)
    assert info is not None and info.customer == customer and info.mode is Mode.BOT
    # An append says whose conversation it is, so a turn needs no second read.
    assert store.append(cid, _said("hi", "m-1")).customer == customer
    assert store.append(cid, _said("hi", "m-1")).customer == customer  # a resend too
    assert store.append(_conversation(store, "c" * 32), _said("hi")).customer is None
    assert store.get("b" * 32) is None


def test_a_conversation_keeps_the_shoppers_timezone(store: SqlConversationStore) -> None:
    cid = _conversation(store, timezone="Europe/Paris")
    info = store.get(cid)
    assert info is not None and info.timezone == "Europe/Paris"
    # An append says it too, so a turn that shows times needs no second read.
    assert store.append(cid, _said("tomorrow at 10?", "m-1")).timezone == "Europe/Paris"
    assert store.append(cid, _said("tomorrow at 10?", "m-1")).timezone == "Europe/Paris"
    customer = Customer("cus_1")
    _conversation(store, "d" * 32, customer=customer, timezone="America/New_York")
    (found,) = store.of_customer("cus_1", since=0)
    assert found.timezone == "America/New_York"
    assert store.get(_conversation(store, "c" * 32)).timezone is None  # type: ignore[union-attr]


def test_events_are_numbered_in_order_and_read_back(store: SqlConversationStore) -> None:
    cid = _conversation(store)
    seqs = [store.append(cid, _said(f"message {i}")).event.seq for i in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    assert [e.text for e in store.events(cid, after=3)] == ["message 3", "message 4"]
    assert [e.seq for e in store.recent(cid, 2)] == [4, 5]
    assert store.get(cid).last_seq == 5  # type: ignore[union-attr]


def test_a_resend_is_not_stored_twice(store: SqlConversationStore) -> None:
    cid = _conversation(store)
    first = store.append(cid, _said("hello", "m-1"))
    again = store.append(cid, _said("hello", "m-1"))
    assert first.created and not again.created
    assert again.event.seq == first.event.seq == 1
    assert store.find(cid, "m-1") == first.event
    # The refused copy did not use up a seq.
    assert store.append(cid, _said("next")).event.seq == 2


def test_a_reply_comes_back_exactly_as_it_was(store: SqlConversationStore) -> None:
    cid = _conversation(store)
    asked = store.append(cid, _said("refunds?")).event
    reply = Reply(
        ReplyKind.CLARIFY,
        "Which of these do you mean?",
        ("returns-refund-time", "returns-how"),
        0.51,
        (Option("returns-refund-time", "When do I get my refund?"),),
        score=0.61,
        notes=("a note",),
        resolved_query="refunds",
        intent="check_invoice",
        intent_confidence=0.7,
        llm=LlmUsage("gpt-4o-mini", 10, 5, 0.000123, answered=True),
        flow=FlowState("account", "confirm_cancel", {"order": "1059"}),
        ledger=(LedgerEntry("read", "order 1059", ("status", "total"), "sql"),),
    )
    bot = Event(Source.BOT, reply.text, time.time(), reply, 6.5, reply_to=asked.seq)
    stored = store.append(cid, bot).event
    (read,) = store.reply_to(cid, asked.seq)
    assert read == stored
    assert read.reply == reply and read.latency_ms == 6.5


def test_a_customers_open_recent_conversations_are_found(store: SqlConversationStore) -> None:
    alex, sam = Customer("cus_1"), Customer("cus_2")
    older = _conversation(store, "1" * 32, customer=alex)
    newer = _conversation(store, "2" * 32, customer=alex)
    closed = _conversation(store, "3" * 32, customer=alex)
    _conversation(store, "4" * 32, customer=sam)
    _conversation(store, "5" * 32)
    store.append(newer, _said("still there?"))
    store.set_mode(closed, Mode.CLOSED)
    found = [info.id for info in store.of_customer("cus_1", since=time.time() - 60)]
    assert found == [newer, older]
    assert store.of_customer("cus_1", since=time.time() + 60) == []
    assert store.of_customer("cus_9", since=0) == []


def test_unknown_conversations_are_refused(store: SqlConversationStore) -> None:
    with pytest.raises(NotFoundError):
        store.append("c" * 32, _said("hi"))
    with pytest.raises(NotFoundError):
        store.set_mode("c" * 32, Mode.AGENT)


def test_mode_changes_are_kept(store: SqlConversationStore) -> None:
    cid = _conversation(store)
    store.set_mode(cid, Mode.QUEUED)
    assert store.get(cid).mode is Mode.QUEUED  # type: ignore[union-attr]


def test_concurrent_appends_get_every_seq_once(store: SqlConversationStore) -> None:
    cid = _conversation(store)
    with ThreadPoolExecutor(max_workers=8) as pool:
        seqs = list(pool.map(lambda i: store.append(cid, _said(f"m{i}")).event.seq, range(80)))
    assert sorted(seqs) == list(range(1, 81))
    assert [e.seq for e in store.events(cid)] == list(range(1, 81))


def test_concurrent_resends_store_one_copy(store: SqlConversationStore) -> None:
    cid = _conversation(store)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: store.append(cid, _said("hi", "same")), range(16)))
    assert sum(r.created for r in results) == 1
    assert {r.event.seq for r in results} == {1}
    assert len(store.events(cid)) == 1


def test_another_store_on_the_same_database_sees_everything(
    store: SqlConversationStore, db_url: str
) -> None:
    cid = _conversation(store)
    store.append(cid, _said("before the restart", "m-1"))
    restarted = SqlConversationStore(make_engine(db_url))
    try:
        assert [e.text for e in restarted.events(cid)] == ["before the restart"]
        assert restarted.append(cid, _said("after")).event.seq == 2
    finally:
        restarted.close()


def test_the_migrations_build_the_schema_the_code_expects(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
