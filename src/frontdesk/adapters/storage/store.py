"""SqlConversationStore: the ConversationStore port on SQLAlchemy 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from frontdesk.adapters.storage.tables import ConversationRow, EventRow
from frontdesk.core.conversation import (
    ConversationInfo,
    Customer,
    Event,
    EventKind,
    Mode,
    Reply,
    Source,
)
from frontdesk.core.ports import Appended
from frontdesk.errors import NotFoundError, StorageError

UNAVAILABLE = (
    "The conversation store is not answering ({detail}). Check FRONTDESK_DATABASE_URL "
    "and that the database is running; nothing was stored."
)


class SqlConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as exc:
            raise StorageError(
                UNAVAILABLE.format(detail=type(exc.orig).__name__), detail=str(exc)
            ) from exc

    def create(self, info: ConversationInfo) -> None:
        customer = info.customer
        with self._session() as session, session.begin():
            session.add(
                ConversationRow(
                    id=info.id,
                    token_hash=info.token_hash,
                    mode=info.mode.value,
                    created_at=info.created_at,
                    updated_at=info.created_at,
                    last_seq=info.last_seq,
                    customer_id=customer.id if customer else None,
                    customer_name=customer.name if customer else None,
                    customer_email=customer.email if customer else None,
                )
            )

    def get(self, conversation_id: str) -> ConversationInfo | None:
        with self._session() as session:
            row = session.get(ConversationRow, conversation_id)
            return None if row is None else _info(row)

    def append(self, conversation_id: str, event: Event) -> Appended:
        try:
            with self._session() as session, session.begin():
                # Taking the next seq first makes this transaction the conversation's
                # one writer until it commits (a row lock in PostgreSQL, the write
                # lock in SQLite), so seqs have no gaps and no repeats.
                seq = session.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == conversation_id)
                    .values(last_seq=ConversationRow.last_seq + 1, updated_at=event.at)
                    .returning(ConversationRow.last_seq)
                ).scalar_one_or_none()
                if seq is None:
                    raise NotFoundError(f"No conversation {conversation_id}.")
                session.add(_row(conversation_id, seq, event))
            return Appended(_event_with_seq(event, seq), created=True)
        except IntegrityError:
            # The client id is already stored: a resend. The seq bump rolled back too.
            if event.client_message_id is None:
                raise
            stored = self.find(conversation_id, event.client_message_id)
            if stored is None:
                raise
            return Appended(stored, created=False)

    def events(self, conversation_id: str, after: int = 0, limit: int = 1000) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.conversation_id == conversation_id, EventRow.seq > after)
            .order_by(EventRow.seq)
            .limit(limit)
        )
        with self._session() as session:
            return [_event(row) for row in session.scalars(query)]

    def recent(self, conversation_id: str, count: int) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.conversation_id == conversation_id)
            .order_by(EventRow.seq.desc())
            .limit(count)
        )
        with self._session() as session:
            return [_event(row) for row in reversed(list(session.scalars(query)))]

    def find(self, conversation_id: str, client_message_id: str) -> Event | None:
        query = select(EventRow).where(
            EventRow.conversation_id == conversation_id,
            EventRow.client_message_id == client_message_id,
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return None if row is None else _event(row)

    def reply_to(self, conversation_id: str, seq: int) -> list[Event]:
        query = (
            select(EventRow)
            .where(EventRow.conversation_id == conversation_id, EventRow.reply_to == seq)
            .order_by(EventRow.seq)
        )
        with self._session() as session:
            return [_event(row) for row in session.scalars(query)]

    def set_mode(self, conversation_id: str, mode: Mode) -> None:
        with self._session() as session, session.begin():
            done = session.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(mode=mode.value)
                .returning(ConversationRow.id)
            ).scalar_one_or_none()
            if done is None:
                raise NotFoundError(f"No conversation {conversation_id}.")

    def close(self) -> None:
        self.engine.dispose()


def _info(row: ConversationRow) -> ConversationInfo:
    customer = None
    if row.customer_id is not None:
        customer = Customer(row.customer_id, row.customer_name, row.customer_email)
    return ConversationInfo(
        id=row.id,
        token_hash=row.token_hash,
        mode=Mode(row.mode),
        created_at=row.created_at,
        last_seq=row.last_seq,
        customer=customer,
    )


def _row(conversation_id: str, seq: int, event: Event) -> EventRow:
    return EventRow(
        conversation_id=conversation_id,
        seq=seq,
        source=event.source.value,
        kind=event.kind.value,
        text=event.text,
        at=event.at,
        client_message_id=event.client_message_id,
        reply_to=event.reply_to,
        reply=None if event.reply is None else event.reply.to_record(),
        latency_ms=event.latency_ms,
        mode=None if event.mode is None else event.mode.value,
    )


def _event(row: EventRow) -> Event:
    return Event(
        source=Source(row.source),
        text=row.text,
        at=row.at,
        reply=None if row.reply is None else Reply.from_record(row.reply),
        latency_ms=row.latency_ms,
        seq=row.seq,
        kind=EventKind(row.kind),
        client_message_id=row.client_message_id,
        reply_to=row.reply_to,
        mode=None if row.mode is None else Mode(row.mode),
    )


def _event_with_seq(event: Event, seq: int) -> Event:
    return replace(event, seq=seq)
