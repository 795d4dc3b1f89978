"""SqlAgentStore and SqlCaseStore: the AgentStore and CaseStore ports on SQLAlchemy 2
Core, in the conversation store's database.

The races that matter are settled by the database, not by reading first:

- ``claim`` is one conditional UPDATE (``… WHERE id = ? AND status = 'queued'``). Of
  any number of agents clicking at once, on any number of workers, the first UPDATE
  to commit changes the row and every other one matches nothing: PostgreSQL makes
  them wait for the row lock and re-check the WHERE against the committed row, and
  SQLite has one writer at a time. Only a loser reads the case, to say why it lost.
- ``open`` inserts, and a partial unique index (escalation_tables.py) refuses a
  second open case of one conversation; the loser reads and returns the winner's.
- ``finish`` is a conditional UPDATE on the open statuses, so a case ends once.

Each write is a transaction of its own, as in booking_store.py: on PostgreSQL a
failed statement aborts the transaction around it, so a caught IntegrityError is
followed by a fresh connection, never by more work in the same transaction.

Times are epoch seconds (floats) as the core hands them over; the stores never read
a clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from frontdesk.adapters.storage.escalation_tables import (
    AgentRow,
    AgentSessionRow,
    CaseFeedbackRow,
    CaseRatingRow,
    CaseRow,
)
from frontdesk.adapters.storage.store import SqliteWriteLock, unavailable
from frontdesk.core.escalation.model import (
    OPEN_STATUSES,
    Agent,
    Case,
    CaseQuery,
    CaseStatus,
    Feedback,
    Handled,
    Rating,
    Role,
    Session,
    Trigger,
    Verdict,
)
from frontdesk.errors import (
    AlreadyClaimedError,
    CaseNotFoundError,
    CaseStateError,
    DuplicateAgentError,
    InputError,
    NotFoundError,
)

UNAVAILABLE_AGENTS = (
    "The agent store is not answering ({detail}). Check FRONTDESK_DATABASE_URL and that "
    "the database is running; nothing was changed."
)
UNAVAILABLE_CASES = (
    "The escalation store is not answering ({detail}). Check FRONTDESK_DATABASE_URL and "
    "that the database is running; nothing was changed."
)
ALREADY_CLAIMED = "Another agent has already claimed this conversation."
MIN_SCORE, MAX_SCORE = 1, 5
ENDINGS = (CaseStatus.RETURNED, CaseStatus.CLOSED)
# Inserts of an open case that meet a clash and then find no open case to return:
# the winner was finished in between, so the conversation may have a new case.
OPEN_ATTEMPTS = 3

agents = cast(Table, AgentRow.__table__)
agent_sessions = cast(Table, AgentSessionRow.__table__)
cases = cast(Table, CaseRow.__table__)
ratings = cast(Table, CaseRatingRow.__table__)
case_feedback = cast(Table, CaseFeedbackRow.__table__)
# Column namespaces, short as ``c`` in booking_store.py.
a, sess, c, rt, fb = agents.c, agent_sessions.c, cases.c, ratings.c, case_feedback.c

_OPEN = c.status.in_([status.value for status in OPEN_STATUSES])

# Built once, as in store.py. Bind names avoid the column names: in an UPDATE those
# are reserved for the SET clause.
GET_AGENT = select(agents).where(a.id == bindparam("agent"))
AGENT_BY_EMAIL = select(agents).where(a.email == bindparam("address"))
ALL_AGENTS = select(agents).order_by(a.name, a.email)
ONLINE = select(agents).where(a.last_seen_at >= bindparam("since")).order_by(a.name, a.email)
SET_PASSWORD = (
    update(agents)
    .where(a.id == bindparam("agent"))
    .values(password_hash=bindparam("new_hash"))
    .returning(a.id)
)
# Never backwards: a heartbeat that arrives late must not make an agent look gone.
SEEN = (
    update(agents)
    .where(
        a.id == bindparam("agent"), or_(a.last_seen_at.is_(None), a.last_seen_at < bindparam("at"))
    )
    .values(last_seen_at=bindparam("at"))
)
GET_SESSION = select(agent_sessions).where(
    sess.id_hash == bindparam("key"), sess.expires_at > bindparam("now")
)
END_SESSION = delete(agent_sessions).where(sess.id_hash == bindparam("key"))
END_SESSIONS_OF = delete(agent_sessions).where(sess.agent_id == bindparam("agent"))
PURGE_SESSIONS = delete(agent_sessions).where(sess.expires_at <= bindparam("now"))

GET_CASE = select(cases).where(c.id == bindparam("case"))
CURRENT = select(cases).where(c.conversation_id == bindparam("conversation"), _OPEN)
LATEST = (
    select(cases)
    .where(c.conversation_id == bindparam("conversation"))
    .order_by(c.created_at.desc(), c.id.desc())
    .limit(1)
)
CLAIM = (
    update(cases)
    .where(c.id == bindparam("case"), c.status == CaseStatus.QUEUED.value)
    .values(
        status=CaseStatus.CLAIMED.value, agent_id=bindparam("agent"), claimed_at=bindparam("at")
    )
    .returning(*c)
)
FINISH = (
    update(cases)
    .where(c.id == bindparam("case"), _OPEN)
    .values(status=bindparam("outcome"), ended_at=bindparam("at"), note=bindparam("why"))
    .returning(*c)
)
# By one agent: a case still waiting, or one they hold. Checked in the same statement
# as the change, so a claim that lands first makes another agent's close fail.
FINISH_BY = (
    update(cases)
    .where(
        c.id == bindparam("case"),
        or_(
            c.status == CaseStatus.QUEUED.value,
            (c.status == CaseStatus.CLAIMED.value) & (c.agent_id == bindparam("by")),
        ),
    )
    .values(status=bindparam("outcome"), ended_at=bindparam("at"), note=bindparam("why"))
    .returning(*c)
)
# The queue reads waiting shoppers before the conversations agents already have.
WAITING = (
    select(cases)
    .where(_OPEN)
    .order_by(sql_case((c.status == CaseStatus.QUEUED.value, 0), else_=1), c.created_at, c.id)
)
HANDLED = (
    select(c.claimed_at, c.ended_at)
    .where(
        c.status.in_([status.value for status in ENDINGS]),
        c.claimed_at.is_not(None),
        c.ended_at >= bindparam("since"),
    )
    .order_by(c.ended_at)
)
# Queued cases of one queue ahead of a given one: its place without reading the queue.
AHEAD = (
    select(func.count())
    .select_from(cases)
    .where(
        c.status == CaseStatus.QUEUED.value,
        c.queue == bindparam("queue"),
        or_(
            c.created_at < bindparam("created"),
            and_(c.created_at == bindparam("created"), c.id < bindparam("case")),
        ),
    )
)
RATINGS = (
    select(ratings)
    .where(rt.at >= bindparam("since"), rt.at < bindparam("until"))
    .order_by(rt.at, rt.case_id)
)
FEEDBACK = (
    select(case_feedback)
    .where(fb.at >= bindparam("since"), fb.at < bindparam("until"))
    .order_by(fb.at, fb.id)
)


class DuplicateCaseIdError(ValueError):
    """``open`` was given an id that is already stored (ids are the caller's to make
    unique). Never a second open case of a conversation: that returns the first."""


class _Database:
    """What both stores do alike: reads and writes that turn a database outage into
    StorageError, and SQLite writes queued on the write lock that the conversation
    store, the CRM and the booking store use (one writer at a time, woken at once)."""

    def __init__(self, engine: Engine, unavailable_message: str) -> None:
        self.engine = engine
        self._message = unavailable_message
        self._write_lock: contextlib.AbstractContextManager[object] = (
            SqliteWriteLock(engine.url.database)
            if engine.dialect.name == "sqlite"
            else contextlib.nullcontext()
        )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with unavailable(self._message), self._write_lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with unavailable(self._message), self.engine.connect() as connection:
            yield connection

    def first(self, statement: Executable, params: dict[str, object]) -> Row[Any] | None:
        with self.read() as connection:
            return connection.execute(statement, params).first()

    def rows(self, statement: Executable, params: dict[str, object]) -> list[Row[Any]]:
        with self.read() as connection:
            return list(connection.execute(statement, params))

    def close(self) -> None:
        """Releases the lock file; the engine is the caller's and stays open."""
        if isinstance(self._write_lock, SqliteWriteLock):
            self._write_lock.close()


class SqlAgentStore:
    """The console's agents, their sessions and their heartbeats. ``engine`` is the
    conversation store's and stays the caller's: ``close`` never disposes it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._db = _Database(engine, UNAVAILABLE_AGENTS)

    def add(self, agent: Agent, password_hash: str) -> Agent:
        stored = replace(agent, email=normalise_email(agent.email))
        try:
            with self._db.write() as connection:
                connection.execute(insert(agents), _agent_values(stored, password_hash))
        except IntegrityError as exc:
            # The email (any case, as it is stored lower-case) or the id is taken.
            if self.by_email(stored.email) is not None:
                raise DuplicateAgentError(
                    f"An agent with the email {stored.email} exists already; nothing was "
                    "added. Sign in as them, or reset their password."
                ) from exc
            raise ValueError(f"An agent {agent.id} exists already; add under a new id.") from exc
        return stored

    def get(self, agent_id: str) -> Agent | None:
        row = self._db.first(GET_AGENT, {"agent": agent_id})
        return None if row is None else _agent(row)

    def by_email(self, email: str) -> tuple[Agent, str] | None:
        row = self._db.first(AGENT_BY_EMAIL, {"address": normalise_email(email)})
        return None if row is None else (_agent(row), row.password_hash)

    def all(self) -> list[Agent]:
        return [_agent(row) for row in self._db.rows(ALL_AGENTS, {})]

    def set_password(self, agent_id: str, password_hash: str) -> None:
        with self._db.write() as connection:
            done = connection.execute(
                SET_PASSWORD, {"agent": agent_id, "new_hash": password_hash}
            ).first()
        if done is None:
            raise NotFoundError(f"No agent {agent_id}; no password was changed.")

    def start_session(self, session: Session) -> None:
        try:
            with self._db.write() as connection:
                # Sessions that ran out are swept here, at sign-in, rather than by a
                # timer: a table of agents' sessions stays small either way.
                connection.execute(PURGE_SESSIONS, {"now": session.created_at})
                connection.execute(insert(agent_sessions), _session_values(session))
        except IntegrityError as exc:
            # The foreign key: session ids are random, so a clash is an unknown agent.
            raise NotFoundError(f"No agent {session.agent_id} to sign in.") from exc

    def session(self, id_hash: str, now: float) -> Session | None:
        row = self._db.first(GET_SESSION, {"key": id_hash, "now": now})
        if row is None:
            return None
        return Session(row.id_hash, row.agent_id, row.created_at, row.expires_at)

    def end_session(self, id_hash: str) -> None:
        with self._db.write() as connection:
            connection.execute(END_SESSION, {"key": id_hash})

    def end_sessions_of(self, agent_id: str) -> None:
        with self._db.write() as connection:
            connection.execute(END_SESSIONS_OF, {"agent": agent_id})

    def seen(self, agent_id: str, at: float) -> None:
        with self._db.write() as connection:
            connection.execute(SEEN, {"agent": agent_id, "at": at})

    def online(self, since: float) -> list[Agent]:
        return [_agent(row) for row in self._db.rows(ONLINE, {"since": since})]

    def close(self) -> None:
        self._db.close()


class SqlCaseStore:
    """Escalation cases, ratings and feedback. ``engine`` is the conversation
    store's and stays the caller's: ``close`` never disposes it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._db = _Database(engine, UNAVAILABLE_CASES)
        self._upsert_rating = _rating_upsert(engine.dialect.name)

    # ---------------------------------------------------------------- cases

    def open(self, case: Case) -> Case:
        if case.status is not CaseStatus.QUEUED:
            raise ValueError(f"A new case is queued, not {case.status.value}: {case.id}.")
        for attempt in range(OPEN_ATTEMPTS):
            try:
                with self._db.write() as connection:
                    connection.execute(insert(cases), _case_values(case))
                return case
            except IntegrityError:
                existing = self._clash(case)
                if existing is not None:
                    return existing
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def get(self, case_id: str) -> Case | None:
        return _maybe_case(self._db.first(GET_CASE, {"case": case_id}))

    def current(self, conversation_id: str) -> Case | None:
        return _maybe_case(self._db.first(CURRENT, {"conversation": conversation_id}))

    def latest(self, conversation_id: str) -> Case | None:
        return _maybe_case(self._db.first(LATEST, {"conversation": conversation_id}))

    def waiting(self, queues: tuple[str, ...] | None = None) -> list[Case]:
        statement = WAITING if queues is None else WAITING.where(c.queue.in_(queues))
        return self._cases(statement, {})

    def claim(self, case_id: str, agent_id: str, at: float) -> Case:
        with self._db.write() as connection:
            row = connection.execute(CLAIM, {"case": case_id, "agent": agent_id, "at": at}).first()
        if row is not None:
            return _case(row)
        return self._not_claimed(case_id, agent_id)

    def finish(
        self, case_id: str, status: str, at: float, note: str = "", by: str | None = None
    ) -> Case:
        outcome = _ending(status)
        params = {"case": case_id, "outcome": outcome.value, "at": at, "why": note, "by": by}
        with self._db.write() as connection:
            row = connection.execute(FINISH if by is None else FINISH_BY, params).first()
        if row is not None:
            return _case(row)
        case = self.get(case_id)
        if case is None:
            raise CaseNotFoundError(f"No case {case_id}.")
        if case.is_open:
            raise CaseStateError(f"Case {case_id} is another agent's conversation now.")
        raise CaseStateError(
            f"Case {case_id} is already {case.status.value}: only an open case can be "
            f"{outcome.value}."
        )

    def place(self, case_id: str) -> int | None:
        with self._db.read() as connection:
            row = connection.execute(GET_CASE, {"case": case_id}).first()
            if row is None or row.status != CaseStatus.QUEUED.value:
                return None
            params = {"queue": row.queue, "created": row.created_at, "case": row.id}
            ahead = int(connection.execute(AHEAD, params).scalar_one())
        return ahead + 1

    def handled(
        self, since: float, queue: str | None = None, *, latest: int | None = None
    ) -> list[Handled]:
        statement = HANDLED if queue is None else HANDLED.where(c.queue == queue)
        if latest is not None:
            # The newest ``latest``, read newest first, then put back in order.
            statement = statement.order_by(None).order_by(c.ended_at.desc()).limit(latest)
        rows = self._db.rows(statement, {"since": since})
        if latest is not None:
            rows.reverse()
        return [Handled(row.claimed_at, row.ended_at) for row in rows]

    def cases(self, query: CaseQuery) -> list[Case]:
        statement = (
            select(cases)
            .where(c.created_at >= query.since, c.created_at < query.until)
            .order_by(c.created_at, c.id)
        )
        if query.queues is not None:
            statement = statement.where(c.queue.in_(query.queues))
        if query.statuses:
            statement = statement.where(c.status.in_([status.value for status in query.statuses]))
        return self._cases(statement, {})

    # ----------------------------------------------------- ratings and feedback

    def rate(self, rating: Rating) -> Rating:
        _check_score(rating.score)
        try:
            with self._db.write() as connection:
                connection.execute(self._upsert_rating, _rating_values(rating))
        except IntegrityError as exc:  # the foreign key: the score was checked above
            raise CaseNotFoundError(f"No case {rating.case_id} to rate.") from exc
        return rating

    def ratings(self, since: float, until: float) -> list[Rating]:
        rows = self._db.rows(RATINGS, {"since": since, "until": until})
        return [
            Rating(row.conversation_id, row.case_id, row.score, row.at, row.comment) for row in rows
        ]

    def add_feedback(self, feedback: Feedback) -> Feedback:
        try:
            with self._db.write() as connection:
                connection.execute(insert(case_feedback), _feedback_values(feedback))
        except IntegrityError as exc:  # the foreign key
            raise CaseNotFoundError(f"No case {feedback.case_id} to give feedback on.") from exc
        return feedback

    def feedback(self, since: float, until: float) -> list[Feedback]:
        rows = self._db.rows(FEEDBACK, {"since": since, "until": until})
        return [_feedback(row) for row in rows]

    def close(self) -> None:
        self._db.close()

    # -------------------------------------------------------------- helpers

    def _cases(self, statement: Select[Any], params: dict[str, object]) -> list[Case]:
        return [_case(row) for row in self._db.rows(statement, params)]

    def _clash(self, case: Case) -> Case | None:
        """After an insert was refused: the conversation's open case that won, or None
        when it was finished meanwhile (try again)."""
        existing = self.current(case.conversation_id)
        if existing is not None:
            return existing
        if self.get(case.id) is not None:
            raise DuplicateCaseIdError(
                f"A case {case.id} already exists; nothing was opened. Open under a new id."
            )
        return None

    def _not_claimed(self, case_id: str, agent_id: str) -> Case:
        """Why a claim changed nothing; one's own claimed case is simply returned."""
        case = self.get(case_id)
        if case is None:
            raise CaseNotFoundError(f"No case {case_id}.")
        if case.status is CaseStatus.CLAIMED:
            if case.agent_id == agent_id:
                return case
            raise AlreadyClaimedError(ALREADY_CLAIMED, detail=f"{case_id} is {case.agent_id}'s")
        raise CaseStateError(
            f"This conversation was already {case.status.value}: only a waiting one can be claimed."
        )


def normalise_email(email: str) -> str:
    """Agents sign in with their address in any case; it is kept lower-case."""
    return email.strip().lower()


def _ending(status: str) -> CaseStatus:
    if status not in {ending.value for ending in ENDINGS}:
        raise InputError(f"A case ends as 'returned' or 'closed', not {status!r}.")
    return CaseStatus(status)


def _check_score(score: int) -> None:
    # Before the database's CHECK, so the shopper hears what was wrong, not "not found".
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise InputError(f"A rating is {MIN_SCORE} to {MAX_SCORE} stars, not {score}.")


def _rating_upsert(dialect: str) -> Executable:
    """INSERT … ON CONFLICT (case_id) DO UPDATE: one statement, so two ratings of one
    case at once leave one row (the later one) on both databases."""
    statement: postgresql.Insert | sqlite.Insert
    statement = sqlite.insert(ratings) if dialect == "sqlite" else postgresql.insert(ratings)
    kept = ("conversation_id", "score", "comment", "at")
    return statement.on_conflict_do_update(
        index_elements=[rt.case_id], set_={name: statement.excluded[name] for name in kept}
    )


def _agent_values(agent: Agent, password_hash: str) -> dict[str, object]:
    return {
        "id": agent.id,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role.value,
        "queues": list(agent.queues),
        "password_hash": password_hash,
        "created_at": agent.created_at,
        "last_seen_at": None,
    }


def _agent(row: Row[Any]) -> Agent:
    return Agent(
        id=row.id,
        email=row.email,
        name=row.name,
        role=Role(row.role),
        queues=tuple(row.queues),
        created_at=row.created_at,
    )


def _session_values(session: Session) -> dict[str, object]:
    return {
        "id_hash": session.id_hash,
        "agent_id": session.agent_id,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
    }


def _case_values(case: Case) -> dict[str, object]:
    return {
        "id": case.id,
        "conversation_id": case.conversation_id,
        "queue": case.queue,
        "trigger_kind": case.trigger.kind.value,
        "trigger": case.trigger.as_dict(),
        "topic": case.topic,
        "topic_label": case.topic_label,
        "status": case.status.value,
        "created_at": case.created_at,
        "customer_id": case.customer_id,
        "agent_id": case.agent_id,
        "claimed_at": case.claimed_at,
        "ended_at": case.ended_at,
        "note": case.note,
    }


def _case(row: Row[Any]) -> Case:
    return Case(
        id=row.id,
        conversation_id=row.conversation_id,
        queue=row.queue,
        trigger=Trigger.from_dict(row.trigger),
        topic=row.topic,
        topic_label=row.topic_label,
        status=CaseStatus(row.status),
        created_at=row.created_at,
        customer_id=row.customer_id,
        agent_id=row.agent_id,
        claimed_at=row.claimed_at,
        ended_at=row.ended_at,
        note=row.note,
    )


def _maybe_case(row: Row[Any] | None) -> Case | None:
    return None if row is None else _case(row)


def _rating_values(rating: Rating) -> dict[str, object]:
    return {
        "case_id": rating.case_id,
        "conversation_id": rating.conversation_id,
        "score": rating.score,
        "comment": rating.comment,
        "at": rating.at,
    }


def _feedback_values(feedback: Feedback) -> dict[str, object]:
    return {
        "case_id": feedback.case_id,
        "conversation_id": feedback.conversation_id,
        "agent_id": feedback.agent_id,
        "verdict": feedback.verdict.value,
        "event_seq": feedback.event_seq,
        "right_entry_id": feedback.right_entry_id,
        "new_answer": feedback.new_answer,
        "comment": feedback.comment,
        "at": feedback.at,
    }


def _feedback(row: Row[Any]) -> Feedback:
    return Feedback(
        case_id=row.case_id,
        conversation_id=row.conversation_id,
        agent_id=row.agent_id,
        verdict=Verdict(row.verdict),
        at=row.at,
        event_seq=row.event_seq,
        right_entry_id=row.right_entry_id,
        new_answer=row.new_answer,
        comment=row.comment,
    )
