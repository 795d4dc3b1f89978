"""Composition root: builds the Assistant and its services from Settings."""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from frontdesk.adapters.booking_links import SignedBookingLinks
from frontdesk.adapters.crm.deliveries import SqlDeliveryLog
from frontdesk.adapters.crm.factory import build_directory
from frontdesk.adapters.embeddings.memo import MemoEmbedder
from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder
from frontdesk.adapters.embeddings.tfidf_embedder import TfidfEmbedder
from frontdesk.adapters.embeddings.trained_model import TrainedModel, load_trained_model
from frontdesk.adapters.identity import CustomerTokens
from frontdesk.adapters.index_cache import IndexCache, kb_fingerprint
from frontdesk.adapters.llm.factory import answer_writer_from_settings
from frontdesk.adapters.math_threads import limit_math_threads
from frontdesk.adapters.notify.factory import build_notifiers
from frontdesk.adapters.pubsub.memory import MemoryBus
from frontdesk.adapters.pubsub.redis_bus import RedisBus
from frontdesk.adapters.sentiment.vader import VaderSentiment
from frontdesk.adapters.storage.analytics_reader import SqlAnalyticsReader
from frontdesk.adapters.storage.booking_store import SqlBookingStore
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlAgentStore, SqlCaseStore
from frontdesk.adapters.storage.migrate import current_revision, head_revision
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.config import Settings, load_settings
from frontdesk.core.account.desk import AccountDesk
from frontdesk.core.account.updates import CrmUpdates
from frontdesk.core.booking.config import load_booking_rules
from frontdesk.core.booking.desk import BookingDesk
from frontdesk.core.booking.service import Appointments
from frontdesk.core.chat import ChatService
from frontdesk.core.engine import Assistant
from frontdesk.core.escalation.asking import (
    SHIPPED_EXAMPLES,
    HumanRequestDetector,
    load_examples,
)
from frontdesk.core.escalation.config import EscalationRules, load_escalation_rules
from frontdesk.core.escalation.desk import EscalationDesk
from frontdesk.core.escalation.handover import Handover
from frontdesk.core.escalation.triggers import EscalationTriggers
from frontdesk.core.knowledge.answering import FaqAnswerer, FaqHead
from frontdesk.core.knowledge.calibration import Calibration, calibrate
from frontdesk.core.knowledge.index import KnowledgeIndex
from frontdesk.core.knowledge.labelled import load_labelled_messages
from frontdesk.core.knowledge.loading import load_kb
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.core.nlu.intents import IntentDetector
from frontdesk.core.ports import CustomerDirectory, Embedder, EventBus
from frontdesk.core.rate_limit import RateLimiter
from frontdesk.errors import ConfigError, ModelError, StorageError

log = logging.getLogger("frontdesk")

DEMO_KB = Path(__file__).resolve().parent / "demo" / "data" / "kb.jsonl"
DEMO_APPOINTMENTS = DEMO_KB.parent / "appointments.toml"
DEMO_ESCALATION = DEMO_KB.parent / "escalation.toml"
# Calibration reference: our own demo KB and shopper messages labelled for it.
REFERENCE_KB = DEMO_KB
REFERENCE_MESSAGES = DEMO_KB.parent / "calibration.jsonl"
# Sign-in attempts per client address: enough for typos, too few to guess passwords.
CONSOLE_SIGN_INS_PER_MINUTE = 6.0
CONSOLE_SIGN_IN_BURST = 6
FALLBACK_WARNING = (
    "No embedding model found at {path}; answering with the TF-IDF fallback, which "
    "understands rewordings less well. Run `make setup` to export the model."
)


def default_kb_path(settings: Settings | None = None) -> Path:
    if settings is not None and settings.kb_path is not None:
        return settings.kb_path
    return DEMO_KB


def default_appointments_path(settings: Settings) -> Path | None:
    """The shop's appointments file; the demo's only beside the demo knowledge base,
    so a shop with its own FAQ never offers the demo's appointments by accident."""
    if settings.appointments_path is not None:
        return settings.appointments_path
    return DEMO_APPOINTMENTS if settings.kb_path is None else None


def default_escalation_path(settings: Settings) -> Path | None:
    """The shop's escalation file; the demo's only beside the demo knowledge base."""
    if settings.escalation_path is not None:
        return settings.escalation_path
    return DEMO_ESCALATION if settings.kb_path is None else None


def choose_embedder(settings: Settings, retriever: str) -> tuple[Embedder, str, list[str]]:
    """The embedder, an id for cache keys, and warnings for the user."""
    if retriever not in {"auto", "onnx", "tfidf"}:
        raise ConfigError(f"Unknown retriever {retriever!r}: use auto, onnx or tfidf.")
    model_dir = settings.default_model_dir
    if retriever == "tfidf":
        return TfidfEmbedder(), "tfidf", []
    try:
        embedder = OnnxEmbedder(model_dir, threads=settings.threads)
    except ModelError:
        if retriever == "onnx":
            raise
        warning = FALLBACK_WARNING.format(path=model_dir)
        log.warning(warning)
        return TfidfEmbedder(), "tfidf", [warning]
    return embedder, f"onnx:{embedder.manifest['onnx_sha256']}", []


def _calibration(cache: IndexCache, retriever_id: str, embedder: Embedder) -> Calibration:
    reference = load_kb(REFERENCE_KB)
    messages = load_labelled_messages(REFERENCE_MESSAGES, reference)
    cached = cache.load_calibration(reference, messages)
    if cached is not None:
        return cached
    if retriever_id == "tfidf":
        # TF-IDF learns its vocabulary from the KB it indexes: a fresh one for the reference.
        index = KnowledgeIndex(reference, TfidfEmbedder())
    else:
        index = cache.index(reference, embedder)
    calibration = calibrate(index, messages)
    cache.save_calibration(reference, messages, calibration)
    return calibration


OTHER_KB_WARNING = (
    "The model in {path} was trained on another knowledge base; its FAQ classifier is "
    "not used (retrieval still uses its encoder). Retrain it on this KB to use it."
)


def _faq_head(
    trained: TrainedModel | None, kb: KnowledgeBase, warnings: list[str]
) -> FaqHead | None:
    """The trained FAQ classifier, only for the very KB it learned: its labels are
    this KB's answer groups, and they mean nothing for another."""
    if trained is None or "faq" not in trained.classifiers:
        return None
    if trained.kb_sha256 != kb_fingerprint(kb):
        warnings.append(OTHER_KB_WARNING.format(path=trained.directory))
        return None
    return FaqHead(trained.classifiers["faq"], trained.faq_groups)


def build_assistant(
    kb_path: Path | None = None,
    *,
    retriever: str | None = None,
    settings: Settings | None = None,
    kb: KnowledgeBase | None = None,
    trained_model: Path | None = None,
    writer_failure_falls_back: bool = False,
) -> Assistant:
    settings = settings or load_settings()
    # Before any model loads, so a missing API key fails in milliseconds.
    writer = answer_writer_from_settings(settings)
    limit_math_threads(settings.threads)
    if kb is None:
        kb = load_kb(kb_path or default_kb_path(settings))
    trained_dir = trained_model or settings.trained_model
    trained = None
    if trained_dir is not None:
        if retriever == "tfidf":
            raise ConfigError(
                "--retriever tfidf and --model do not go together: a trained model "
                "retrieves with its own encoder. Drop one of them."
            )
        trained = load_trained_model(trained_dir, threads=settings.threads)
        embedder: Embedder = MemoEmbedder(trained.embedder)
        retriever_id, warnings = trained.model_id, list[str]()
    else:
        chosen, retriever_id, warnings = choose_embedder(settings, retriever or settings.retriever)
        # A turn reads its message for escalation, then for the FAQ: one model run.
        embedder = MemoEmbedder(chosen)
    cache = IndexCache(settings.home / "cache", retriever_id)
    calibration = _calibration(cache, retriever_id, embedder)
    if retriever_id == "tfidf":
        # Fitting TF-IDF on the KB is quick and its vectors need the fitted state.
        index = KnowledgeIndex(kb, TfidfEmbedder())
    else:
        index = cache.index(kb, embedder)
    answerer = FaqAnswerer(index, calibration, _faq_head(trained, kb, warnings))
    intents = None
    if trained is not None and "intent" in trained.classifiers:
        intents = IntentDetector(embedder, trained.classifiers["intent"])
    return Assistant(
        answerer,
        max_chars=settings.max_message_chars,
        notes=tuple(warnings),
        intents=intents,
        writer=writer,
        writer_failure_falls_back=writer_failure_falls_back,
    )


@dataclass
class Services:
    """Everything the web service needs, built once per worker."""

    settings: Settings
    assistant: Assistant
    store: SqlConversationStore
    chat: ChatService
    bus: EventBus
    tokens: CustomerTokens
    directory: CustomerDirectory
    crm_updates: CrmUpdates
    # The agent console: accounts and sessions; escalation cases.
    agents: SqlAgentStore
    cases: SqlCaseStore
    analytics: SqlAnalyticsReader
    # None: no appointments file, so no booking (the chat says so, /book is 404).
    appointments: Appointments | None = None
    booking_links: SignedBookingLinks | None = None
    # Per client address, on starting conversations; None: no limit.
    start_limiter: RateLimiter | None = None
    # Per client address, on console sign-in attempts.
    console_limiter: RateLimiter | None = None

    async def start(self) -> None:
        await self.bus.start()

    async def stop(self) -> None:
        await self.bus.stop()
        self.close()

    def close(self) -> None:
        """Everything but the bus, which only an app's event loop starts and stops:
        services used outside the web app (an evaluation run) are closed with this."""
        if self.chat.escalation is not None:
            self.chat.escalation.handover.close_outbox()
        self.agents.close()
        self.cases.close()
        self.directory.close()
        self.store.close()


def build_store(settings: Settings) -> SqlConversationStore:
    """The conversation store; refuses a database not migrated to the newest schema."""
    engine = make_engine(settings.database)
    current, head = current_revision(engine), head_revision()
    if current != head:
        engine.dispose()
        raise StorageError(
            f"The conversation store is at schema {current or 'none'}, this version "
            f"needs {head}. Run `frontdesk db upgrade` (`frontdesk serve` does it too)."
        )
    return SqlConversationStore(engine)


def build_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        return RedisBus(settings.redis_url)
    return MemoryBus()


def build_services(
    settings: Settings | None = None, *, assistant: Assistant | None = None
) -> Services:
    settings = settings or load_settings()
    assistant = assistant or build_assistant(settings=settings, writer_failure_falls_back=True)
    # Read before any connection opens: a bad appointments file stops start-up cleanly.
    path = default_appointments_path(settings)
    rules = None if path is None else load_booking_rules(path)
    escalation_rules = load_escalation_rules(default_escalation_path(settings))
    store = build_store(settings)
    try:
        directory = build_directory(settings, store.engine)
    except BaseException:
        store.close()
        raise
    desk = AccountDesk(directory, return_days=settings.return_days)
    secret = settings.identity_secret
    links = SignedBookingLinks(secret.get_secret_value()) if secret else None
    appointments = None
    if rules is not None:
        # Bookings live beside the conversations, in the same database and engine.
        appointments = Appointments(rules, SqlBookingStore(store.engine), links=links)
    booking = None if appointments is None else BookingDesk(appointments, directory)
    # The assistant may be shared (tests build one per session): give this worker's
    # services their own copy that answers account questions from this directory.
    assistant = assistant.with_desks(desk, booking)
    limiter = None
    if settings.rate_limit_per_minute > 0:
        limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    tokens = CustomerTokens(
        secret.get_secret_value() if secret else None, audience=settings.identity_audience
    )
    start_limiter = None
    if settings.rate_limit_new_conversations_per_minute > 0:
        start_limiter = RateLimiter(
            settings.rate_limit_new_conversations_per_minute, settings.rate_limit_burst
        )
    agents, cases = SqlAgentStore(store.engine), SqlCaseStore(store.engine)
    escalation = build_escalation(settings, escalation_rules, assistant, store, agents, cases)
    return Services(
        settings=settings,
        assistant=assistant,
        store=store,
        chat=ChatService(assistant, store, limiter=limiter, escalation=escalation),
        bus=build_bus(settings),
        tokens=tokens,
        directory=directory,
        crm_updates=CrmUpdates(desk, store, SqlDeliveryLog(store.engine)),
        agents=agents,
        cases=cases,
        analytics=SqlAnalyticsReader(store.engine),
        start_limiter=start_limiter,
        console_limiter=RateLimiter(CONSOLE_SIGN_INS_PER_MINUTE, CONSOLE_SIGN_IN_BURST),
        appointments=appointments,
        booking_links=links,
    )


def build_escalation(
    settings: Settings,
    rules: EscalationRules,
    assistant: Assistant,
    store: SqlConversationStore,
    agents: SqlAgentStore,
    cases: SqlCaseStore,
) -> EscalationDesk:
    """The triggers, the queue and the notifications of handing chats to people."""
    sentiment = VaderSentiment()
    detector = human_detector(assistant.answerer.index.embedder, assistant.intents)
    # The detector's embedder: a message is embedded once for every check.
    triggers = EscalationTriggers(rules, sentiment, detector, detector.embedder)
    handover = Handover(
        store,
        cases,
        agents,
        rules.hours,
        notifiers=build_notifiers(settings),
        console_url=f"{settings.public_url}/console",
        clock=time.time,
    )
    return EscalationDesk(
        handover,
        triggers,
        assistant.topic_of,
        sentiment,
        entry_title=assistant.entry_question,
        names_task=assistant.names_task,
    )


# One per embedder: its examples are embedded once, however many services share it.
_DETECTORS: weakref.WeakKeyDictionary[Embedder, HumanRequestDetector] = weakref.WeakKeyDictionary()


def human_detector(embedder: Embedder, intents: IntentDetector | None) -> HumanRequestDetector:
    detector = _DETECTORS.get(embedder)
    if detector is not None and detector.intents is intents:
        return detector
    if isinstance(embedder, TfidfEmbedder):
        # TF-IDF learns its vocabulary from what it is fitted on, and the knowledge
        # base's says little about asking for a person: the examples get their own.
        examples = load_examples(SHIPPED_EXAMPLES)
        own = TfidfEmbedder()
        own.fit([text for text, _ in examples])
        detector = HumanRequestDetector(own, examples, intents=intents)
    else:
        detector = HumanRequestDetector.shipped(embedder, intents)
    _DETECTORS[embedder] = detector
    return detector
