"""The FrontdeskError tree.

Every error carries a user-safe ``message`` (what went wrong and what to do) and an
optional ``detail`` meant for logs and operators, never for shoppers.
"""

from __future__ import annotations


class FrontdeskError(Exception):
    """Base of every error the product raises on purpose."""

    code = "frontdesk_error"

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ConfigError(FrontdeskError):
    """A setting is missing or has a bad value."""

    code = "config_error"


class KnowledgeBaseError(FrontdeskError):
    """A knowledge-base file cannot be loaded; names the file, the entry and the problem."""

    code = "knowledge_base_error"


class ModelError(FrontdeskError):
    """The embedding model is missing, corrupt or does not match its manifest."""

    code = "model_error"


class InputError(FrontdeskError):
    """A shopper message or command argument is not usable as given."""

    code = "input_error"


class EvaluationError(FrontdeskError):
    """An evaluation set is malformed."""

    code = "evaluation_error"


class TrainingError(FrontdeskError):
    """Training data or a trained model directory is not usable; says what to fix."""

    code = "training_error"


class NotFoundError(FrontdeskError):
    """No such conversation, or not one the caller may see: the two look the same so
    that nobody learns which conversations exist."""

    code = "not_found"


class MessageTooLongError(InputError):
    """A shopper message over the configured length."""

    code = "message_too_long"


class RateLimitedError(FrontdeskError):
    """Too many messages too quickly from one conversation."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class IdentityError(FrontdeskError):
    """A customer token that is missing its signature, expired or signed by someone else."""

    code = "invalid_customer_token"


class StorageError(FrontdeskError):
    """The conversation store cannot be reached or is not at the expected schema."""

    code = "storage_error"


class CrmUnavailableError(FrontdeskError):
    """The CRM did not answer in time, is failing, or its circuit breaker is open."""

    code = "crm_unavailable"


class CrmDataError(FrontdeskError):
    """The CRM answered with something that is not a valid record; ``detail`` says what."""

    code = "crm_bad_response"


class CrmNotFoundError(FrontdeskError):
    """No such record on this customer's account (whether or not it exists elsewhere)."""

    code = "crm_not_found"


class CrmConflictError(FrontdeskError):
    """The action does not fit the record's state, e.g. cancelling a shipped order."""

    code = "crm_conflict"


class WebhookError(FrontdeskError):
    """A webhook delivery with a bad signature, a stale timestamp or a bad body."""

    code = "webhook_rejected"


class WebhookReplayError(FrontdeskError):
    """A webhook delivery id that was already received."""

    code = "webhook_replayed"


class AgentAuthError(FrontdeskError):
    """A call meant for agents without valid agent credentials."""

    code = "agent_auth_required"


class NotConfiguredError(FrontdeskError):
    """A feature this server was not set up for (e.g. webhooks without a secret)."""

    code = "not_configured"


class CrmOutcomeUnknownError(CrmUnavailableError):
    """A change was sent but no answer came back: it may or may not have happened."""

    code = "crm_outcome_unknown"


class SlotTakenError(FrontdeskError):
    """Every place at that appointment time was booked meanwhile; nothing was booked."""

    code = "slot_taken"


class BookingLinkError(FrontdeskError):
    """A booking or manage link that is expired, altered or for another booking."""

    code = "booking_link_invalid"


class BookingNotFoundError(NotFoundError):
    """No such booking, or not one the caller may see."""

    code = "booking_not_found"


class DuplicateAgentError(InputError):
    """An agent with that email exists already."""

    code = "agent_exists"


class AlreadyClaimedError(FrontdeskError):
    """Another agent claimed the conversation first."""

    code = "already_claimed"


class CaseNotFoundError(NotFoundError):
    """No such escalation case, or not one in the agent's queues."""

    code = "case_not_found"


class CaseStateError(FrontdeskError):
    """The case is not in a state that allows this (a closed case cannot be claimed)."""

    code = "case_state"


class ForbiddenError(FrontdeskError):
    """A signed-in agent asking for what only an admin may see."""

    code = "forbidden"


class CsrfError(FrontdeskError):
    """A console change without the page's CSRF token: not from our console page."""

    code = "csrf_failed"
