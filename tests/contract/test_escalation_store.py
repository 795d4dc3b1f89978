"""The AgentStore and CaseStore contracts; SQLite and PostgreSQL run the very same tests.

The store alone makes one case of two escalations at once and one winner of two
claims at once, so the races are tested as they happen in production: many threads
on one store, and two stores on two engines (two workers), all at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import (
    DuplicateCaseIdError,
    SqlAgentStore,
    SqlCaseStore,
    agent_sessions,
    cases,
)
from frontdesk.adapters.storage.migrate import MIGRATIONS, head_revision, upgrade
from frontdesk.core.escalation.model import (
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
    TriggerKind,
    Verdict,
)
from frontdesk.errors import (
    AlreadyClaimedError,
    CaseNotFoundError,
    CaseStateError,
    DuplicateAgentError,
    FrontdeskError,
    InputError,
    NotFoundError,
    StorageError,
)
from tests.databases import BACKENDS, database_url

T0 = 1_900_000_000.0  # epoch seconds, as time.time() gives them
CHAT = "c" * 32
THREADS = 20
HASH = "scrypt$16384$8$1$c2FsdA==$a2V5"  # the store keeps whatever it is given

T = TypeVar("T")


# ------------------------------------------------------------------- fixtures


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()  # the stores never dispose an engine: it is the caller's


@pytest.fixture
def agents(engine: Engine) -> Iterator[SqlAgentStore]:
    store = SqlAgentStore(engine)
    yield store
    store.close()


@pytest.fixture
def store(engine: Engine) -> Iterator[SqlCaseStore]:
    store = SqlCaseStore(engine)
    yield store
    store.close()


@pytest.fixture
def other_worker(db_url: str) -> Iterator[SqlCaseStore]:
    """A second store on its own engine: another worker process on the same database."""
    engine = make_engine(db_url)
    store = SqlCaseStore(engine)
    yield store
    store.close()
    engine.dispose()


def _agent(agent_id: str = "agt_sam", email: str = "sam@example.com", **kw: Any) -> Agent:
    return Agent(agent_id, email, kw.pop("name", "Sam"), **kw)


def _trigger() -> Trigger:
    return Trigger(
        TriggerKind.FRUSTRATED,
        "sounds frustrated",
        evidence=("third time", "this is useless"),
        score=0.8125,
        detail="repeat",
    )


def _case(case_id: str = "esc_1", conversation: str = CHAT, at: float = T0, **kw: Any) -> Case:
    return Case(
        id=case_id,
        conversation_id=conversation,
        queue=kw.pop("queue", "support"),
        trigger=kw.pop("trigger", _trigger()),
        topic="faq:12",
        topic_label="Returns: how long do refunds take?",
        status=CaseStatus.QUEUED,
        created_at=at,
        **kw,
    )


def _race(attempts: Sequence[Callable[[], T]]) -> list[T | FrontdeskError]:
    """Run every attempt at the same moment; each one's result or FrontdeskError."""
    barrier = threading.Barrier(len(attempts))

    def go(attempt: Callable[[], T]) -> T | FrontdeskError:
        barrier.wait()
        try:
            return attempt()
        except FrontdeskError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(go, attempts))


def _count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        )


# --------------------------------------------------------------------- agents


def test_an_agent_is_kept_lower_case_and_found_by_any_case(agents: SqlAgentStore) -> None:
    added = agents.add(
        _agent(email="  Sam.Lee@Example.COM ", role=Role.ADMIN, queues=("billing", "support")),
        HASH,
    )
    assert added.email == "sam.lee@example.com"
    assert agents.get("agt_sam") == added
    assert added.role is Role.ADMIN and added.queues == ("billing", "support")
    assert agents.by_email("SAM.LEE@example.com") == (added, HASH)
    assert agents.by_email("sam.lee@example.com ") == (added, HASH)
    assert agents.by_email("nobody@example.com") is None
    assert agents.get("agt_nobody") is None


def test_an_email_is_one_agent_whatever_its_case(agents: SqlAgentStore) -> None:
    first = agents.add(_agent(), HASH)
    with pytest.raises(DuplicateAgentError, match="exists already"):
        agents.add(_agent("agt_other", "SAM@example.com", name="Other Sam"), "other-hash")
    assert agents.all() == [first]
    assert agents.by_email("sam@example.com") == (first, HASH)
    # A clashing id is the caller's mistake, not somebody else's email.
    with pytest.raises(ValueError, match="agt_sam") as raised:
        agents.add(_agent("agt_sam", "kim@example.com"), HASH)
    assert not isinstance(raised.value, DuplicateAgentError)


def test_all_agents_are_listed_by_name(agents: SqlAgentStore) -> None:
    agents.add(_agent("agt_3", "zoe@example.com", name="Zoe"), HASH)
    agents.add(_agent("agt_1", "ann@example.com", name="Ann"), HASH)
    agents.add(_agent("agt_2", "kim@example.com", name="Kim", queues=()), HASH)
    assert [a.name for a in agents.all()] == ["Ann", "Kim", "Zoe"]
    assert agents.get("agt_2").queues == ()  # type: ignore[union-attr]


def test_a_password_can_be_changed(agents: SqlAgentStore) -> None:
    agents.add(_agent(), HASH)
    agents.set_password("agt_sam", "new-hash")
    assert agents.by_email("sam@example.com")[1] == "new-hash"  # type: ignore[index]
    with pytest.raises(NotFoundError, match="agt_nobody"):
        agents.set_password("agt_nobody", "new-hash")


def test_a_session_lasts_until_it_expires_or_ends(agents: SqlAgentStore) -> None:
    agents.add(_agent(), HASH)
    session = Session("h" * 64, "agt_sam", T0, T0 + 3600)
    agents.start_session(session)
    assert agents.session("h" * 64, T0) == session
    assert agents.session("h" * 64, T0 + 3599.5) == session
    assert agents.session("h" * 64, T0 + 3600) is None  # expired at expires_at
    assert agents.session("h" * 64, T0 + 7200) is None
    assert agents.session("x" * 64, T0) is None

    agents.start_session(Session("g" * 64, "agt_sam", T0, T0 + 3600))
    agents.end_session("g" * 64)
    assert agents.session("g" * 64, T0 + 1) is None
    agents.end_session("g" * 64)  # signing out twice is fine
    assert agents.session("h" * 64, T0 + 1) == session  # the other session is untouched


def test_a_session_needs_an_agent(agents: SqlAgentStore) -> None:
    with pytest.raises(NotFoundError, match="agt_nobody"):
        agents.start_session(Session("h" * 64, "agt_nobody", T0, T0 + 3600))


def test_signing_in_sweeps_sessions_that_ran_out(agents: SqlAgentStore, engine: Engine) -> None:
    agents.add(_agent(), HASH)
    agents.start_session(Session("old", "agt_sam", T0, T0 + 60))
    agents.start_session(Session("live", "agt_sam", T0, T0 + 7200))
    agents.start_session(Session("new", "agt_sam", T0 + 3600, T0 + 7200))
    assert _count(engine, agent_sessions) == 2
    assert agents.session("live", T0 + 3600) is not None


def test_agents_count_as_online_from_their_last_heartbeat(agents: SqlAgentStore) -> None:
    agents.add(_agent("agt_1", "ann@example.com", name="Ann"), HASH)
    agents.add(_agent("agt_2", "kim@example.com", name="Kim"), HASH)
    agents.add(_agent("agt_3", "zoe@example.com", name="Zoe"), HASH)  # never opened it
    agents.seen("agt_2", T0 + 50)
    agents.seen("agt_1", T0 + 10)
    agents.seen("agt_nobody", T0)  # a heartbeat of nobody changes nothing

    assert [a.id for a in agents.online(T0)] == ["agt_1", "agt_2"]
    assert [a.id for a in agents.online(T0 + 10)] == ["agt_1", "agt_2"]  # at `since` counts
    assert [a.id for a in agents.online(T0 + 11)] == ["agt_2"]
    # A heartbeat that arrives late does not take the agent back in time.
    agents.seen("agt_2", T0 + 20)
    assert [a.id for a in agents.online(T0 + 50)] == ["agt_2"]
    assert agents.online(T0 + 51) == []


# ---------------------------------------------------------------------- cases


def test_a_case_comes_back_as_it_was(store: SqlCaseStore) -> None:
    case = _case(customer_id="cus_1")
    assert store.open(case) == case
    assert store.get("esc_1") == case
    assert store.current(CHAT) == case
    assert store.latest(CHAT) == case
    stored = store.get("esc_1")
    assert stored is not None and stored.trigger == _trigger() and stored.is_open
    assert store.get("esc_nope") is None
    assert store.current("d" * 32) is None and store.latest("d" * 32) is None


def test_only_a_queued_case_is_opened(store: SqlCaseStore) -> None:
    with pytest.raises(ValueError, match="queued"):
        store.open(replace(_case(), status=CaseStatus.CLAIMED, agent_id="agt_sam"))
    assert store.get("esc_1") is None


def test_a_conversation_has_one_open_case_at_a_time(store: SqlCaseStore) -> None:
    first = store.open(_case("esc_1"))
    # A second escalation while the first is open is the first.
    assert store.open(_case("esc_2", at=T0 + 5)) == first
    assert store.get("esc_2") is None
    # Another conversation is another case.
    other = store.open(_case("esc_3", "d" * 32))
    assert store.current("d" * 32) == other

    store.finish("esc_1", "returned", T0 + 60)
    assert store.current(CHAT) is None
    assert store.latest(CHAT).status is CaseStatus.RETURNED  # type: ignore[union-attr]
    # Handed back, the conversation may be escalated again: a new case.
    again = store.open(_case("esc_4", at=T0 + 120))
    assert again.id == "esc_4"
    assert store.current(CHAT) == again and store.latest(CHAT) == again
    store.finish("esc_4", "closed", T0 + 180)
    assert store.open(_case("esc_5", at=T0 + 240)).id == "esc_5"


def test_many_threads_escalating_one_conversation_make_one_case(store: SqlCaseStore) -> None:
    attempts = [partial(store.open, _case(f"esc_{i:02d}")) for i in range(THREADS)]
    opened = _race(attempts)
    assert all(isinstance(case, Case) for case in opened)
    assert len({case.id for case in opened if isinstance(case, Case)}) == 1
    assert _count(store.engine, cases) == 1


def test_two_workers_escalating_one_conversation_make_one_case(
    store: SqlCaseStore, other_worker: SqlCaseStore
) -> None:
    workers = [store, other_worker]
    attempts = [partial(workers[i % 2].open, _case(f"esc_{i:02d}")) for i in range(THREADS)]
    opened = _race(attempts)
    assert len({case.id for case in opened if isinstance(case, Case)}) == 1
    assert all(isinstance(case, Case) for case in opened)
    assert _count(store.engine, cases) == 1
    assert other_worker.current(CHAT) == store.current(CHAT)


def test_a_duplicate_case_id_is_not_an_open_case(store: SqlCaseStore) -> None:
    first = store.open(_case("esc_1"))
    store.finish("esc_1", "closed", T0 + 1)
    with pytest.raises(DuplicateCaseIdError, match="esc_1"):
        store.open(_case("esc_1", "d" * 32))
    assert store.get("esc_1") == replace(first, status=CaseStatus.CLOSED, ended_at=T0 + 1)
    assert store.current("d" * 32) is None


def test_a_claim_gives_the_case_to_the_agent(store: SqlCaseStore) -> None:
    store.open(_case())
    claimed = store.claim("esc_1", "agt_sam", T0 + 30)
    assert claimed.status is CaseStatus.CLAIMED and claimed.is_open
    assert (claimed.agent_id, claimed.claimed_at) == ("agt_sam", T0 + 30)
    assert store.get("esc_1") == claimed == store.current(CHAT)
    # Claiming one's own case again (a second click, a second tab) changes nothing.
    assert store.claim("esc_1", "agt_sam", T0 + 90) == claimed


def test_a_claimed_case_is_not_another_agents_to_claim(store: SqlCaseStore) -> None:
    store.open(_case())
    claimed = store.claim("esc_1", "agt_sam", T0 + 30)
    with pytest.raises(AlreadyClaimedError, match="Another agent"):
        store.claim("esc_1", "agt_kim", T0 + 31)
    assert store.get("esc_1") == claimed


@pytest.mark.parametrize("ending", ["returned", "closed"])
def test_a_finished_case_cannot_be_claimed(store: SqlCaseStore, ending: str) -> None:
    store.open(_case())
    store.claim("esc_1", "agt_sam", T0 + 30)
    done = store.finish("esc_1", ending, T0 + 60)
    for agent in ("agt_sam", "agt_kim"):
        with pytest.raises(CaseStateError, match=ending):
            store.claim("esc_1", agent, T0 + 90)
    assert store.get("esc_1") == done


def test_an_unknown_case_is_not_found(store: SqlCaseStore) -> None:
    with pytest.raises(CaseNotFoundError, match="esc_nope"):
        store.claim("esc_nope", "agt_sam", T0)
    with pytest.raises(CaseNotFoundError, match="esc_nope"):
        store.finish("esc_nope", "closed", T0)


def _claims(
    workers: Sequence[SqlCaseStore],
) -> tuple[list[Case], list[FrontdeskError]]:
    claims = [
        partial(workers[i % len(workers)].claim, "esc_1", f"agt_{i:02d}", T0 + i)
        for i in range(THREADS)
    ]
    outcomes = _race(claims)
    won = [o for o in outcomes if isinstance(o, Case)]
    lost = [o for o in outcomes if isinstance(o, FrontdeskError)]
    return won, lost


def test_of_many_agents_claiming_at_once_exactly_one_wins(store: SqlCaseStore) -> None:
    store.open(_case())
    won, lost = _claims([store])
    assert len(won) == 1 and len(lost) == THREADS - 1
    assert all(isinstance(exc, AlreadyClaimedError) for exc in lost)
    assert store.get("esc_1") == won[0]


def test_of_agents_claiming_on_two_workers_exactly_one_wins(
    store: SqlCaseStore, other_worker: SqlCaseStore
) -> None:
    store.open(_case())
    won, lost = _claims([store, other_worker])
    assert len(won) == 1 and len(lost) == THREADS - 1
    assert all(isinstance(exc, AlreadyClaimedError) for exc in lost)
    assert other_worker.get("esc_1") == store.get("esc_1") == won[0]


def test_a_claimed_case_is_handed_back_with_a_note(store: SqlCaseStore) -> None:
    store.open(_case())
    claimed = store.claim("esc_1", "agt_sam", T0 + 30)
    done = store.finish("esc_1", CaseStatus.RETURNED.value, T0 + 90, "refund issued")
    assert done.status is CaseStatus.RETURNED and not done.is_open
    assert (done.ended_at, done.note) == (T0 + 90, "refund issued")
    assert (done.agent_id, done.claimed_at) == (claimed.agent_id, claimed.claimed_at)
    assert store.get("esc_1") == done and store.current(CHAT) is None


def test_a_waiting_case_may_be_closed(store: SqlCaseStore) -> None:
    # The shopper left before anyone answered.
    store.open(_case())
    done = store.finish("esc_1", CaseStatus.CLOSED, T0 + 600)
    assert done.status is CaseStatus.CLOSED and done.agent_id is None
    assert done.claimed_at is None and done.ended_at == T0 + 600 and done.note == ""


@pytest.mark.parametrize("ending", ["returned", "closed"])
def test_a_case_ends_once(store: SqlCaseStore, ending: str) -> None:
    store.open(_case())
    store.claim("esc_1", "agt_sam", T0 + 30)
    done = store.finish("esc_1", "closed", T0 + 60)
    with pytest.raises(CaseStateError, match="already closed"):
        store.finish("esc_1", ending, T0 + 90, "again")
    assert store.get("esc_1") == done


def test_of_many_endings_at_once_one_counts(
    store: SqlCaseStore, other_worker: SqlCaseStore
) -> None:
    store.open(_case())
    store.claim("esc_1", "agt_sam", T0 + 30)
    workers = [store, other_worker]
    endings = [
        partial(workers[i % 2].finish, "esc_1", ("returned", "closed")[i % 2], T0 + 60 + i)
        for i in range(THREADS)
    ]
    outcomes = _race(endings)
    done = [o for o in outcomes if isinstance(o, Case)]
    assert len(done) == 1
    assert all(isinstance(o, CaseStateError) for o in outcomes if not isinstance(o, Case))
    assert store.get("esc_1") == done[0]


@pytest.mark.parametrize("status", ["queued", "claimed", "done", "CLOSED", ""])
def test_a_case_ends_only_as_returned_or_closed(store: SqlCaseStore, status: str) -> None:
    case = store.open(_case())
    with pytest.raises(InputError, match="'returned' or 'closed'"):
        store.finish("esc_1", status, T0 + 60)
    assert store.get("esc_1") == case


# ------------------------------------------------------------- queue and reports


def test_the_queue_lists_waiting_then_claimed_cases_oldest_first(store: SqlCaseStore) -> None:
    store.open(_case("esc_a", "a" * 32, T0 + 10))
    store.open(_case("esc_b", "b" * 32, T0 + 5, queue="billing"))
    store.open(_case("esc_c", "c" * 32, T0 + 1))
    store.open(_case("esc_d", "d" * 32, T0 + 20))
    store.open(_case("esc_e", "e" * 32, T0 + 3))
    store.claim("esc_c", "agt_sam", T0 + 30)  # the oldest, but an agent has it
    store.finish("esc_e", "closed", T0 + 40)  # gone

    def ids(found: list[Case]) -> list[str]:
        return [case.id for case in found]

    assert ids(store.waiting()) == ["esc_b", "esc_a", "esc_d", "esc_c"]
    assert ids(store.waiting(("support",))) == ["esc_a", "esc_d", "esc_c"]
    assert ids(store.waiting(("billing",))) == ["esc_b"]
    assert ids(store.waiting(("billing", "support"))) == ["esc_b", "esc_a", "esc_d", "esc_c"]
    assert store.waiting(("sales",)) == [] and store.waiting(()) == []


def test_a_queued_case_knows_its_place_in_its_own_queue(store: SqlCaseStore) -> None:
    store.open(_case("esc_a", "a" * 32, T0 + 10))
    store.open(_case("esc_b", "b" * 32, T0 + 5, queue="billing"))
    store.open(_case("esc_c", "c" * 32, T0 + 1))
    store.open(_case("esc_e", "e" * 32, T0 + 20))
    store.open(_case("esc_d", "d" * 32, T0 + 20))  # the same second: the id decides
    store.open(_case("esc_f", "f" * 32, T0 + 30))

    waiting = [case.id for case in store.waiting(("support",))]
    assert waiting == ["esc_c", "esc_a", "esc_d", "esc_e", "esc_f"]
    assert [store.place(case_id) for case_id in waiting] == [1, 2, 3, 4, 5]
    assert store.place("esc_b") == 1  # billing has a queue of its own

    store.claim("esc_c", "agt_sam", T0 + 40)  # no longer waiting, and no longer ahead
    store.finish("esc_a", "closed", T0 + 41)  # the shopper left
    assert store.place("esc_c") is None and store.place("esc_a") is None
    assert [store.place(case_id) for case_id in waiting[2:]] == [1, 2, 3]
    assert store.place("esc_unknown") is None


def test_handled_can_be_only_the_most_recent(store: SqlCaseStore) -> None:
    for i in range(4):
        store.open(_case(f"esc_{i}", f"{i}" * 32, T0 + i))
        store.claim(f"esc_{i}", "agt_sam", T0 + 100 * i)
        store.finish(f"esc_{i}", "closed", T0 + 100 * i + 10 + i)

    assert store.handled(T0, latest=2) == [Handled(T0 + 200, T0 + 212), Handled(T0 + 300, T0 + 313)]
    assert store.handled(T0, "support", latest=10) == store.handled(T0)
    assert store.handled(T0 + 300, latest=2) == [Handled(T0 + 300, T0 + 313)]
    assert store.handled(T0, "billing", latest=2) == []


def test_handled_says_how_long_agents_took(store: SqlCaseStore) -> None:
    for i, queue in enumerate(("support", "support", "billing", "support", "support")):
        store.open(_case(f"esc_{i}", f"{i}" * 32, T0 + i, queue=queue))
    store.claim("esc_0", "agt_sam", T0 + 100)
    store.finish("esc_0", "returned", T0 + 400)  # took 300 s, ended at T0+400
    store.claim("esc_1", "agt_sam", T0 + 500)
    store.finish("esc_1", "closed", T0 + 560)  # took 60 s
    store.claim("esc_2", "agt_kim", T0 + 100)
    store.finish("esc_2", "closed", T0 + 200)  # billing
    store.finish("esc_3", "closed", T0 + 900)  # never claimed: the shopper left
    store.claim("esc_4", "agt_sam", T0 + 100)  # still being handled

    assert store.handled(T0) == [
        Handled(T0 + 100, T0 + 200),
        Handled(T0 + 100, T0 + 400),
        Handled(T0 + 500, T0 + 560),
    ]
    assert store.handled(T0, "support") == [
        Handled(T0 + 100, T0 + 400),
        Handled(T0 + 500, T0 + 560),
    ]
    assert store.handled(T0 + 400, "support") == [
        Handled(T0 + 100, T0 + 400),
        Handled(T0 + 500, T0 + 560),
    ]
    assert store.handled(T0 + 401) == [Handled(T0 + 500, T0 + 560)]
    assert [h.seconds for h in store.handled(T0, "support")] == [300, 60]
    assert store.handled(T0, "sales") == []


def test_reports_read_cases_by_period_queue_and_status(store: SqlCaseStore) -> None:
    store.open(_case("esc_0", "0" * 32, T0, queue="support"))
    store.open(_case("esc_1", "1" * 32, T0 + 10, queue="billing"))
    store.open(_case("esc_2", "2" * 32, T0 + 20, queue="support"))
    store.open(_case("esc_3", "3" * 32, T0 + 30, queue="support"))
    store.claim("esc_2", "agt_sam", T0 + 40)
    store.finish("esc_0", "closed", T0 + 50)

    def ids(query: CaseQuery) -> list[str]:
        return [case.id for case in store.cases(query)]

    assert ids(CaseQuery(T0, T0 + 31)) == ["esc_0", "esc_1", "esc_2", "esc_3"]
    # The period holds its start, not its end.
    assert ids(CaseQuery(T0 + 10, T0 + 30)) == ["esc_1", "esc_2"]
    assert ids(CaseQuery(T0, T0 + 31, queues=("support",))) == ["esc_0", "esc_2", "esc_3"]
    assert ids(CaseQuery(T0, T0 + 31, queues=())) == []
    assert ids(CaseQuery(T0, T0 + 31, statuses=(CaseStatus.QUEUED,))) == ["esc_1", "esc_3"]
    assert ids(
        CaseQuery(
            T0,
            T0 + 31,
            queues=("support",),
            statuses=(CaseStatus.CLAIMED, CaseStatus.CLOSED),
        )
    ) == ["esc_0", "esc_2"]
    assert store.cases(CaseQuery(T0 + 100, T0 + 200)) == []


# ------------------------------------------------------- ratings and feedback


def test_a_second_rating_of_a_case_replaces_the_first(store: SqlCaseStore) -> None:
    store.open(_case())
    store.finish("esc_1", "closed", T0 + 60)
    first = store.rate(Rating(CHAT, "esc_1", 2, T0 + 70, "slow"))
    assert store.ratings(T0, T0 + 1000) == [first]
    second = store.rate(Rating(CHAT, "esc_1", 5, T0 + 80, "sorted in the end, thanks"))
    assert store.ratings(T0, T0 + 1000) == [second]


def test_ratings_are_read_by_period(store: SqlCaseStore) -> None:
    for i in range(3):
        store.open(_case(f"esc_{i}", f"{i}" * 32, T0 + i))
        store.finish(f"esc_{i}", "closed", T0 + 10 + i)
    store.rate(Rating("2" * 32, "esc_2", 4, T0 + 22))
    store.rate(Rating("0" * 32, "esc_0", 1, T0 + 20, "never again"))
    store.rate(Rating("1" * 32, "esc_1", 3, T0 + 21))
    assert [r.case_id for r in store.ratings(T0, T0 + 100)] == ["esc_0", "esc_1", "esc_2"]
    assert store.ratings(T0 + 21, T0 + 22) == [Rating("1" * 32, "esc_1", 3, T0 + 21)]
    assert store.ratings(T0 + 23, T0 + 100) == []


@pytest.mark.parametrize("score", [0, 6, -1, 10])
def test_a_rating_is_one_to_five(store: SqlCaseStore, score: int) -> None:
    store.open(_case())
    with pytest.raises(InputError, match="1 to 5"):
        store.rate(Rating(CHAT, "esc_1", score, T0 + 70))
    assert store.ratings(T0, T0 + 1000) == []
    for good in (1, 5):
        assert store.rate(Rating(CHAT, "esc_1", good, T0 + 70)).score == good


def test_ratings_and_feedback_need_a_case(store: SqlCaseStore) -> None:
    with pytest.raises(CaseNotFoundError, match="esc_nope"):
        store.rate(Rating(CHAT, "esc_nope", 5, T0))
    with pytest.raises(CaseNotFoundError, match="esc_nope"):
        store.add_feedback(Feedback("esc_nope", CHAT, "agt_sam", Verdict.RIGHT, T0))


def test_feedback_is_kept_with_everything_the_agent_said(store: SqlCaseStore) -> None:
    store.open(_case())
    wrong = Feedback(
        "esc_1",
        CHAT,
        "agt_sam",
        Verdict.WRONG,
        T0 + 100,
        event_seq=7,
        right_entry_id="faq:31",
        new_answer="Refunds take 5 working days once we receive the parcel.",
        comment="it quoted the exchange policy",
    )
    late = Feedback("esc_1", CHAT, "agt_sam", Verdict.LATE, T0 + 90)
    assert store.add_feedback(wrong) == wrong
    store.add_feedback(late)
    store.add_feedback(Feedback("esc_1", CHAT, "agt_kim", Verdict.NEEDLESS, T0 + 100))
    found = store.feedback(T0, T0 + 1000)
    assert found[:2] == [late, wrong]  # by time, then in the order given
    assert found[2].agent_id == "agt_kim"
    assert store.feedback(T0 + 95, T0 + 100) == []
    assert store.feedback(T0 + 100, T0 + 101)[0] == wrong


# ----------------------------------------------------------- the schema itself


def test_the_database_itself_guards_open_cases_and_scores(store: SqlCaseStore) -> None:
    # Not only the store's checks: a second writer (a script, an old worker) meets
    # the same rules in the schema that the migration built.
    store.open(_case())
    columns = (
        "id, conversation_id, queue, trigger_kind, trigger, topic, topic_label, status, "
        "created_at, note"
    )
    second_open = text(
        f"INSERT INTO escalation_cases ({columns}) VALUES "
        f"('esc_2', '{CHAT}', 'support', 'asked_for_human', '{{}}', 't', 't', 'claimed', 1, '')"
    )
    bad_score = text(
        "INSERT INTO case_ratings (case_id, conversation_id, score, comment, at) "
        f"VALUES ('esc_1', '{CHAT}', 6, '', 1)"
    )
    for statement in (second_open, bad_score):
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            connection.execute(statement)


def test_an_unmigrated_database_is_a_storage_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    agents, store = SqlAgentStore(engine), SqlCaseStore(engine)
    try:
        _all_fail(agents, store)
    finally:
        agents.close()
        store.close()
        engine.dispose()


def test_a_postgresql_that_does_not_answer_is_a_storage_error() -> None:
    # Nothing listens on port 1: the outage is the connection itself.
    engine = make_engine("postgresql://postgres@127.0.0.1:1/test")
    try:
        _all_fail(SqlAgentStore(engine), SqlCaseStore(engine))
    finally:
        engine.dispose()


def _all_fail(agents: SqlAgentStore, store: SqlCaseStore) -> None:
    calls: list[Callable[[], object]] = [
        lambda: agents.add(_agent(), HASH),
        lambda: agents.by_email("sam@example.com"),
        lambda: agents.session("h", T0),
        lambda: agents.seen("agt_sam", T0),
        lambda: store.open(_case()),
        lambda: store.claim("esc_1", "agt_sam", T0),
        lambda: store.finish("esc_1", "closed", T0),
        lambda: store.waiting(),
        lambda: store.rate(Rating(CHAT, "esc_1", 5, T0)),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="not answering"):
            call()


@pytest.mark.parametrize("backend", BACKENDS)
def test_0005_downgrades_and_upgrades_keeping_conversations(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO conversations (id, token_hash, mode, created_at, "
                        "updated_at, last_seq) VALUES ('c1', 'h', 'queued', 1, 1, 0)"
                    )
                )
            SqlCaseStore(engine).open(_case(conversation="c1"))
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.downgrade(config, "0004")
            tables = set(inspect(engine).get_table_names())
            assert not tables & {
                "agents",
                "agent_sessions",
                "escalation_cases",
                "case_ratings",
                "case_feedback",
            }
            with engine.connect() as connection:
                assert connection.execute(text("SELECT id FROM conversations")).scalars().all() == [
                    "c1"
                ]
            assert upgrade(engine) == head_revision()
            assert SqlCaseStore(engine).waiting() == []  # back, and empty
        finally:
            engine.dispose()
