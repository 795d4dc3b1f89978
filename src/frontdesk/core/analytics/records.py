"""What analytics read from storage: a period's conversations with their events."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.conversation import ConversationInfo, Event


@dataclass(frozen=True, slots=True)
class StoredConversation:
    info: ConversationInfo
    events: tuple[Event, ...]
