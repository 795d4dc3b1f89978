"""The one error type of the LLM path; its message says what went wrong and what to do."""

from __future__ import annotations

from frontdesk.errors import FrontdeskError


class LlmError(FrontdeskError):
    """An LLM endpoint refused, failed or timed out, or a fine-tuning file is unusable."""

    code = "llm_error"
