"""Several notifiers as one: each is called in turn, and one that fails (or raises)
never keeps the others from telling their agents."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from frontdesk.core.ports import Notice, Notifier

log = logging.getLogger("frontdesk.notify")


def notify_all(notifiers: Sequence[Notifier], notice: Notice) -> dict[str, bool]:
    """Each notifier's name → whether it delivered."""
    results: dict[str, bool] = {}
    for notifier in notifiers:
        try:
            delivered = bool(notifier.notify(notice))
        except Exception:  # a notifier must return False, but one bug stops nobody else
            log.exception("notifier %s raised for case %s", notifier.name, notice.case.id)
            delivered = False
        results[notifier.name] = results.get(notifier.name, True) and delivered
    return results


class MultiNotifier:
    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = tuple(notifiers)

    @property
    def name(self) -> str:
        return "+".join(n.name for n in self.notifiers) or "none"

    def notify(self, notice: Notice) -> bool:
        """True when every notifier delivered (and when there are none)."""
        return all(notify_all(self.notifiers, notice).values())
