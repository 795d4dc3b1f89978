"""AccountDesk: a signed-in shopper's own orders, plan and invoices, and the changes
they may make (cancel an order, send it elsewhere), always after a yes.

Only ever the customer the shop vouched for: every CRM call names
``conversation.customer.id``, which comes from the shop's signed token, never from
what the shopper types. An order number in a message is looked up *on that
account*, so somebody else's order reads as "not on your account".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from frontdesk.core.account.budget import turn_budget
from frontdesk.core.account.intents import (
    AccountIntent,
    account_intent,
    detect_account_intent,
    is_personal,
)
from frontdesk.core.account.ledger import RecordingDirectory, received
from frontdesk.core.account.model import (
    Address,
    CrmUpdate,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Subscription,
    SubscriptionStatus,
    UpdateKind,
    money,
)
from frontdesk.core.account.wording import (
    card,
    day,
    items_summary,
    order_details,
    order_label,
    status_line,
    tracking_line,
)
from frontdesk.core.conversation import (
    Conversation,
    FlowState,
    Option,
    Reply,
    ReplyKind,
    option_named,
)
from frontdesk.core.knowledge.model import Entry
from frontdesk.core.nlu.entities import is_no, is_yes, order_numbers, postcode_in
from frontdesk.core.nlu.text import words
from frontdesk.core.ports import CustomerDirectory
from frontdesk.errors import (
    CrmConflictError,
    CrmDataError,
    CrmNotFoundError,
    CrmOutcomeUnknownError,
    CrmUnavailableError,
)

log = logging.getLogger("frontdesk.account")

FLOW = "account"
PICK_ORDER, CONFIRM_CANCEL = "pick_order", "confirm_cancel"
PICK_ADDRESS, CONFIRM_ADDRESS = "pick_address", "confirm_address"
YES, NO, NEW_ADDRESS = "yes", "no", "address:new"
RECENT_ORDERS = 3
# A question waiting for a yes (or a pick) lapses after this long.
FLOW_TTL_S = 15 * 60
UNAVAILABLE_TEXT = (
    "I can't reach your account details right now, sorry. Please try again in a few "
    "minutes, or I can put you in touch with a member of our team."
)
UNREADABLE_TEXT = (
    "Something went wrong reading your account details, sorry. A member of our team "
    "can look at it for you; would you like me to put you in touch?"
)
SIGN_IN_TEXT = (
    "I can look that up for you once I know it's you: please sign in to your account "
    "on this site, then ask me again here. I'll never ask you to type an account "
    "number or password into the chat."
)
SIGN_IN_HINT = "If you sign in to your account on this site, I can look at your own orders here."
LEFT_AS_IS = "OK, I've left order #{order} as it is. Anything else I can help with?"
_RETURN_WORDS = frozenset({"return", "returns", "returning", "returned", "refund", "exchange"})

Action = Callable[[RecordingDirectory, str], Reply]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AccountDesk:
    def __init__(
        self,
        directory: CustomerDirectory,
        *,
        return_days: int = 30,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.directory = directory
        # The shop's standard return window; a plan (Northwind Plus) may give more.
        self.return_days = return_days
        self._clock = clock

    # -- routing -----------------------------------------------------------------------

    def route(
        self, text: str, top_entry: Entry | None, answered: bool, model_intent: str | None
    ) -> AccountIntent | None:
        """The account question ``text`` asks, or None to answer it from the FAQ.

        An entry the shop tagged with an intent ("How do I track my order?" →
        track_order) routes a personal question to the account; so does a message
        that matches an account pattern ("was my payment received"), whatever FAQ
        entry it resembles: a confident FAQ answer on an untagged entry stands only
        against the trained intent model, which reads topics, not the shopper's own
        records.
        """
        pattern = detect_account_intent(text)
        tagged = account_intent(top_entry.intent) if top_entry is not None else None
        if pattern is not None and tagged is not None and pattern is not tagged:
            # The message names its own question ("what plan am I on"), while the
            # entry may have come from the previous question's context.
            return pattern
        if tagged is not None and is_personal(text) and (answered or pattern is tagged):
            return tagged
        if pattern is not None:
            return pattern
        if answered:
            return None
        return account_intent(model_intent) if is_personal(text) else None

    def respond(
        self, conversation: Conversation, text: str, intent: AccountIntent, sources: tuple[str, ...]
    ) -> Reply:
        if conversation.customer is None:
            return Reply(ReplyKind.SIGN_IN, SIGN_IN_TEXT, sources, notes=(f"intent:{intent}",))
        handler = {
            AccountIntent.TRACK_ORDER: self._track,
            AccountIntent.CANCEL_ORDER: self._cancel,
            AccountIntent.CHANGE_ADDRESS: self._change_address,
            AccountIntent.CHECK_PLAN: self._plan,
            AccountIntent.CHECK_INVOICE: self._invoice,
            AccountIntent.CHECK_PAYMENT: self._payment,
        }[intent]
        # "Where is my order now?" just after an agent wrote "replacement sent for
        # order 1043" is about 1043: the shopper is not asked which order again.
        numbers = (
            tuple(order_numbers(text)) or tuple(order_numbers(conversation.briefing or ""))[:1]
        )
        reply = self._run(conversation.customer.id, lambda crm, cid: handler(crm, cid, numbers))
        return replace(reply, source_ids=sources, intent=reply.intent or intent.value)

    def continue_flow(self, conversation: Conversation, text: str) -> Reply | None:
        """The next step of a pending exchange, or None when ``text`` does not answer
        it (a new question then starts afresh, and the pending change is dropped)."""
        asked = conversation.last_bot_event()
        last = None if asked is None else asked.reply
        state = None if last is None else last.flow
        if state is None or state.name != FLOW or conversation.customer is None:
            return None
        assert asked is not None and last is not None
        if self._clock().timestamp() - asked.at > FLOW_TTL_S:
            return None  # a "yes" long after the question confirms nothing
        step = {
            PICK_ORDER: self._picked_order,
            CONFIRM_CANCEL: self._confirmed_cancel,
            PICK_ADDRESS: self._picked_address,
            CONFIRM_ADDRESS: self._confirmed_address,
        }.get(state.step)
        if step is None:
            return None
        chosen = option_named(last.options, text)
        return step(conversation.customer.id, state, text, chosen)

    def personalise(
        self, conversation: Conversation, text: str, reply: Reply, entry: Entry
    ) -> Reply:
        """An FAQ answer with the shopper's own data where it changes the answer: a
        returns question learns whether their latest delivery can still go back. An
        anonymous visitor asking about their own order gets the general answer and
        a word on signing in."""
        if conversation.customer is None:
            if account_intent(entry.intent) is not None and is_personal(text):
                return replace(reply, text=f"{reply.text}\n\n{SIGN_IN_HINT}")
            return reply
        if not _about_returns(entry):
            return reply
        crm = RecordingDirectory(self.directory)
        try:
            with turn_budget():
                line = self._return_window_line(crm, conversation.customer.id)
        except (CrmUnavailableError, CrmDataError) as exc:
            # The general answer still helps; the personal line is a bonus.
            log.warning("return window not added: %s (%s)", exc.message, exc.detail)
            return replace(reply, ledger=(*reply.ledger, *crm.entries))
        if line is None:
            return replace(reply, ledger=(*reply.ledger, *crm.entries))
        return replace(reply, text=f"{reply.text}\n\n{line}", ledger=(*reply.ledger, *crm.entries))

    def notice(self, update: CrmUpdate) -> Reply | None:
        """What to tell a shopper, unprompted, about a change the CRM announced."""
        text = _notice_text(update, self._today())
        if text is None:
            return None
        return Reply(
            ReplyKind.NOTICE,
            text,
            notes=(f"webhook:{update.kind.value}", f"delivery:{update.delivery_id}"),
            ledger=(received(update, self.directory.name),),
        )

    # -- the steps ---------------------------------------------------------------------

    def _run(self, customer_id: str, action: Action) -> Reply:
        """Run one account action, with its ledger, turning CRM failures into plain
        replies: the shopper hears what happened and what they can do."""
        crm = RecordingDirectory(self.directory)
        try:
            with turn_budget():
                reply = action(crm, customer_id)
        except CrmOutcomeUnknownError as exc:
            # The change may have happened: say so rather than "try again".
            log.warning("CRM change with no answer: %s", exc.detail)
            reply = Reply(ReplyKind.UNAVAILABLE, exc.message, notes=("crm_outcome_unknown",))
        except CrmUnavailableError as exc:
            log.warning("CRM unavailable: %s", exc.detail or exc.message)
            reply = Reply(ReplyKind.UNAVAILABLE, UNAVAILABLE_TEXT, notes=("crm_unavailable",))
        except CrmDataError as exc:
            log.error("CRM sent a record it could not read: %s", exc.detail)
            reply = Reply(ReplyKind.UNAVAILABLE, UNREADABLE_TEXT, notes=("crm_bad_response",))
        except CrmNotFoundError:
            reply = Reply(ReplyKind.ACCOUNT, "I can't find that order on your account.")
        except CrmConflictError as exc:
            reply = Reply(ReplyKind.ACCOUNT, exc.message, notes=("crm_conflict",))
        return replace(reply, ledger=(*reply.ledger, *crm.entries))

    def _today(self) -> date:
        return self._clock().date()

    def _track(self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...]) -> Reply:
        if numbers:
            order = crm.order(cid, numbers[0])
            if order is None:
                return self._not_on_account(crm, cid, numbers[0])
            return self._order_reply(order)
        orders = crm.orders(cid, RECENT_ORDERS)
        if not orders:
            return Reply(ReplyKind.ACCOUNT, "I can't see any orders on your account yet.")
        if len(orders) == 1:
            return self._order_reply(orders[0])
        today = self._today()
        lines = [f"• #{o.id} {status_line(o, today)}" for o in orders]
        return Reply(
            ReplyKind.ACCOUNT,
            "Here are your most recent orders:\n" + "\n".join(lines) + "\n"
            "Which one would you like to know more about?",
            options=tuple(Option(f"order:{o.id}", order_label(o)) for o in orders),
            flow=FlowState(FLOW, PICK_ORDER, {"intent": AccountIntent.TRACK_ORDER.value}),
        )

    def _order_reply(self, order: Order) -> Reply:
        return Reply(ReplyKind.ACCOUNT, order_details(order, self._today()))

    def _not_on_account(
        self,
        crm: RecordingDirectory,
        cid: str,
        number: str,
        intent: AccountIntent = AccountIntent.TRACK_ORDER,
    ) -> Reply:
        recent = crm.orders(cid, RECENT_ORDERS)
        text = f"I can't find order #{number} on your account."
        if recent:
            listed = ", ".join(f"#{o.id}" for o in recent)
            text += f" Your most recent orders are {listed}."
        return Reply(
            ReplyKind.ACCOUNT,
            text,
            options=tuple(Option(f"order:{o.id}", order_label(o)) for o in recent),
            flow=FlowState(FLOW, PICK_ORDER, {"intent": intent.value}),
            notes=("order_not_found",),
        )

    def _cancel(self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...]) -> Reply:
        return self._for_processing_order(crm, cid, numbers, AccountIntent.CANCEL_ORDER)

    def _change_address(self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...]) -> Reply:
        return self._for_processing_order(crm, cid, numbers, AccountIntent.CHANGE_ADDRESS)

    def _for_processing_order(
        self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...], intent: AccountIntent
    ) -> Reply:
        """Cancel and re-address work on an order still being prepared: the one named,
        the only one there is, or the shopper's pick among several."""
        if numbers:
            order = crm.order(cid, numbers[0])
            if order is None:
                return self._not_on_account(crm, cid, numbers[0], intent)
            return self._start_change(crm, cid, order, intent)
        orders = crm.orders(cid, 10)
        open_orders = [o for o in orders if o.status is OrderStatus.PROCESSING]
        if len(open_orders) == 1:
            return self._start_change(crm, cid, open_orders[0], intent)
        if not open_orders:
            return self._none_open(crm, cid, orders[:RECENT_ORDERS], intent)
        verb = "cancel" if intent is AccountIntent.CANCEL_ORDER else "send somewhere else"
        lines = [f"• #{o.id}: {items_summary(o)}, {money(o.total)}" for o in open_orders]
        return Reply(
            ReplyKind.ACCOUNT,
            "These orders haven't shipped yet:\n" + "\n".join(lines) + f"\nWhich one would "
            f"you like to {verb}?",
            options=tuple(Option(f"order:{o.id}", order_label(o)) for o in open_orders),
            flow=FlowState(FLOW, PICK_ORDER, {"intent": intent.value}),
        )

    def _none_open(
        self, crm: RecordingDirectory, cid: str, recent: list[Order], intent: AccountIntent
    ) -> Reply:
        if not recent:
            return Reply(ReplyKind.ACCOUNT, "I can't see any orders on your account yet.")
        what = "cancelled" if intent is AccountIntent.CANCEL_ORDER else "re-addressed"
        today = self._today()
        lines = [f"• #{o.id} {status_line(o, today)}" for o in recent]
        return Reply(
            ReplyKind.ACCOUNT,
            f"None of your recent orders can be {what} any more: only an order that hasn't "
            "shipped yet can.\n" + "\n".join(lines),
        )

    def _start_change(
        self, crm: RecordingDirectory, cid: str, order: Order, intent: AccountIntent
    ) -> Reply:
        if not order.cancellable:
            return self._not_changeable(crm, cid, order, intent)
        if intent is AccountIntent.CANCEL_ORDER:
            return self._ask_cancel(crm, cid, order)
        return self._ask_address(crm, cid, order)

    def _not_changeable(
        self, crm: RecordingDirectory, cid: str, order: Order, intent: AccountIntent
    ) -> Reply:
        today = self._today()
        what = "cancelled" if intent is AccountIntent.CANCEL_ORDER else "sent to a new address"
        text = f"Order #{order.id} {status_line(order, today)}, so it can't be {what} now."
        if order.status is OrderStatus.SHIPPED and intent is AccountIntent.CHANGE_ADDRESS:
            text += " The courier's own tracking page may let you redirect it."
        if order.status is OrderStatus.SHIPPED:
            days = self._return_days(crm, cid)
            text += f" Once it arrives you can return it within {days} days if you don't want it."
        window = self._window(crm, cid, order)
        if order.status is OrderStatus.DELIVERED and window is not None:
            days, last = window
            if last >= today:
                text += f" You can return it until {day(last, today)} ({days}-day window)."
            else:
                text += f" Its {days}-day return window ended on {day(last, today)}."
        tracking = tracking_line(order)
        return Reply(ReplyKind.ACCOUNT, f"{text}\n{tracking}" if tracking else text)

    def _ask_cancel(self, crm: RecordingDirectory, cid: str, order: Order) -> Reply:
        invoices = [i for i in crm.invoices(cid, 20) if i.order_id == order.id]
        refund_to = f" The refund goes back to your {card(invoices[0])}." if invoices else ""
        return Reply(
            ReplyKind.CONFIRM,
            f"Order #{order.id} ({items_summary(order)}, {money(order.total)}) hasn't shipped "
            f"yet, so I can cancel it.{refund_to} Shall I cancel it?",
            options=(Option(YES, "Yes, cancel it"), Option(NO, "No, keep it")),
            flow=FlowState(FLOW, CONFIRM_CANCEL, {"order": order.id}),
        )

    def _confirmed_cancel(
        self, cid: str, state: FlowState, text: str, chosen: Option | None
    ) -> Reply | None:
        return self._if_confirmed(cid, state, text, chosen, _cancel(state.data["order"]))

    def _if_confirmed(
        self, cid: str, state: FlowState, text: str, chosen: Option | None, change: Action
    ) -> Reply | None:
        """Make the change on a yes, leave the order be on a no; anything else is a
        new message (None) and the change is dropped."""
        if _said_no(text, chosen):
            return Reply(ReplyKind.ACCOUNT, LEFT_AS_IS.format(order=state.data["order"]))
        if not _said_yes(text, chosen):
            return None
        return self._run(cid, change)

    def _ask_address(self, crm: RecordingDirectory, cid: str, order: Order) -> Reply:
        current = order.shipping_address
        saved = [a for a in crm.addresses(cid) if _different(a, current)]
        options = [Option(f"address:{a.id}", _address_label(a)) for a in saved if a.id]
        options.append(Option(NEW_ADDRESS, "A different address"))
        return Reply(
            ReplyKind.ACCOUNT,
            f"Order #{order.id} is going to {current.one_line()}. Where should it go "
            "instead? Pick a saved address, or type the new one as street, town, postcode.",
            options=tuple(options),
            flow=FlowState(FLOW, PICK_ADDRESS, {"order": order.id}),
        )

    def _picked_address(
        self, cid: str, state: FlowState, text: str, chosen: Option | None
    ) -> Reply | None:
        order_id = state.data["order"]
        if _said_no(text, chosen):
            return Reply(ReplyKind.ACCOUNT, LEFT_AS_IS.format(order=order_id))
        if chosen is not None and chosen.id == NEW_ADDRESS:
            return Reply(
                ReplyKind.ACCOUNT,
                "Please type the new address as street, town, postcode "
                "(for example: 22 Elm Street, Bath, BA1 2AB).",
                flow=FlowState(FLOW, PICK_ADDRESS, {"order": order_id}),
            )
        if chosen is not None and chosen.id.startswith("address:"):
            wanted = chosen.id.removeprefix("address:")

            def saved(crm: RecordingDirectory, cid: str) -> Reply:
                found = next((a for a in crm.addresses(cid) if a.id == wanted), None)
                if found is None:
                    return Reply(
                        ReplyKind.ACCOUNT, "That address is no longer saved on your account."
                    )
                return _confirm_address(order_id, found)

            return self._run(cid, saved)
        typed = parse_address(text)
        if typed is None:
            if postcode_in(text) is not None:
                return Reply(
                    ReplyKind.ACCOUNT,
                    "I need the street, the town and the postcode, separated by commas "
                    "(for example: 22 Elm Street, Bath, BA1 2AB).",
                    flow=state,
                )
            return None
        return _confirm_address(order_id, typed)

    def _confirmed_address(
        self, cid: str, state: FlowState, text: str, chosen: Option | None
    ) -> Reply | None:
        change = _readdress(state.data["order"], _address_from_state(state))
        return self._if_confirmed(cid, state, text, chosen, change)

    def _picked_order(
        self, cid: str, state: FlowState, text: str, chosen: Option | None
    ) -> Reply | None:
        intent = account_intent(state.data.get("intent")) or AccountIntent.TRACK_ORDER
        numbers = order_numbers(text)
        if chosen is not None and chosen.id.startswith("order:"):
            numbers = [chosen.id.removeprefix("order:")]
        elif not _just_a_number(text) and detect_account_intent(text) not in (None, intent):
            return None  # "cancel order 1059" after a list of orders asks something new
        if not numbers:
            return None
        handler = {
            AccountIntent.CANCEL_ORDER: self._cancel,
            AccountIntent.CHANGE_ADDRESS: self._change_address,
        }.get(intent, self._track)
        reply = self._run(cid, lambda crm, c: handler(crm, c, (numbers[0],)))
        return replace(reply, intent=intent.value)

    def _plan(self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...]) -> Reply:
        plan = crm.subscription(cid)
        today = self._today()
        if plan is None:
            return Reply(
                ReplyKind.ACCOUNT,
                f"Your account isn't on a membership plan, so the standard terms apply "
                f"(including {self.return_days}-day returns).",
            )
        text = (
            f"You're on {plan.plan_name} ({money(plan.price)} a {plan.period}), "
            f"since {day(plan.started_on, today)}."
        )
        if plan.status is SubscriptionStatus.ACTIVE and plan.renews_on is not None:
            text += f" It renews on {day(plan.renews_on, today)}."
        elif plan.status is SubscriptionStatus.CANCELLED:
            ends = f" on {day(plan.renews_on, today)}" if plan.renews_on else ""
            text += f" It's cancelled and won't renew: the benefits end{ends}."
        elif plan.status is SubscriptionStatus.EXPIRED:
            text += " It has expired."
        if plan.status is not SubscriptionStatus.EXPIRED:
            text += f" Your return window is {plan.return_days} days."
        return Reply(ReplyKind.ACCOUNT, text)

    def _invoice(self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...]) -> Reply:
        invoice = _invoice_for(crm.invoices(cid, 20), numbers)
        if invoice is None:
            return self._no_invoice(numbers)
        today = self._today()
        what = f"order #{invoice.order_id}" if invoice.order_id else "your membership"
        text = (
            f"Your {'invoice for ' + what if numbers else 'latest invoice'} is {invoice.id}, "
            f"issued {day(invoice.issued_at, today)}: {money(invoice.amount)} for {what}, "
            f"{_invoice_status(invoice, today)}."
        )
        return Reply(ReplyKind.ACCOUNT, text)

    def _payment(self, crm: RecordingDirectory, cid: str, numbers: tuple[str, ...]) -> Reply:
        invoice = _invoice_for(crm.invoices(cid, 20), numbers)
        if invoice is None:
            return self._no_invoice(numbers)
        today = self._today()
        what = f"order #{invoice.order_id}" if invoice.order_id else f"invoice {invoice.id}"
        amount = money(invoice.amount)
        if invoice.status is InvoiceStatus.PAID:
            when = f" on {day(invoice.paid_at, today)}" if invoice.paid_at else ""
            text = f"Yes: we received your payment of {amount} for {what}{when} ({card(invoice)})."
        elif invoice.status is InvoiceStatus.DUE:
            text = f"Not yet: the {amount} for {what} is still due."
        elif invoice.status is InvoiceStatus.FAILED:
            text = f"No: the payment of {amount} for {what} ({card(invoice)}) was declined."
        else:
            text = f"The payment of {amount} for {what} has been refunded to your {card(invoice)}."
        return Reply(ReplyKind.ACCOUNT, text)

    @staticmethod
    def _no_invoice(numbers: tuple[str, ...]) -> Reply:
        if numbers:
            return Reply(
                ReplyKind.ACCOUNT,
                f"I can't find an invoice for order #{numbers[0]} on your account.",
            )
        return Reply(ReplyKind.ACCOUNT, "I can't see any invoices on your account yet.")

    # -- return windows ------------------------------------------------------------------

    def _window(self, crm: RecordingDirectory, cid: str, order: Order) -> tuple[int, date] | None:
        """The return window's length and last day for a delivered order."""
        delivered = order.delivered_at
        if delivered is None:
            return None
        days = self._return_days(crm, cid)
        return days, delivered.date() + timedelta(days=days)

    def _return_days(self, crm: RecordingDirectory, cid: str) -> int:
        return _plan_return_days(crm.subscription(cid)) or self.return_days

    def _return_window_line(self, crm: RecordingDirectory, cid: str) -> str | None:
        delivered = [o for o in crm.orders(cid, 10) if o.status is OrderStatus.DELIVERED]
        if not delivered:
            return None
        order = max(delivered, key=lambda o: o.delivered_at or o.placed_at)
        window = self._window(crm, cid, order)
        if window is None:
            return None
        days, last = window
        today = self._today()
        arrived = day(order.delivered_at or order.placed_at, today)
        what = f"order #{order.id} ({items_summary(order)})"
        head = f"Your latest delivery, {what}, arrived on {arrived}"
        if last >= today:
            return f"{head}, so you can return it until {day(last, today)} ({days}-day window)."
        return f"{head}; its {days}-day return window ended on {day(last, today)}."


# -- helpers -------------------------------------------------------------------------


def _just_a_number(text: str) -> bool:
    """ "1057", "#1057", "order 1057": a pick from a list, whatever the list was for."""
    return (
        re.fullmatch(r"\s*(?:order\s*)?(?:no\.?|number)?\s*#?\s*\d+\s*[.!?]?\s*", text, re.I)
        is not None
    )


def _said_yes(text: str, chosen: Option | None) -> bool:
    return chosen.id == YES if chosen is not None else is_yes(text)


def _said_no(text: str, chosen: Option | None) -> bool:
    return chosen.id == NO if chosen is not None else is_no(text)


def _about_returns(entry: Entry) -> bool:
    if entry.category.strip().lower() in ("returns", "return", "refunds"):
        return True
    return bool(_RETURN_WORDS & set(words(entry.question)))


def _plan_return_days(plan: Subscription | None) -> int | None:
    if plan is None or plan.status is SubscriptionStatus.EXPIRED:
        return None
    return plan.return_days


def _invoice_for(invoices: list[Invoice], numbers: tuple[str, ...]) -> Invoice | None:
    if numbers:
        return next((i for i in invoices if i.order_id == numbers[0]), None)
    return invoices[0] if invoices else None


def _invoice_status(invoice: Invoice, today: date) -> str:
    if invoice.status is InvoiceStatus.PAID:
        when = f" on {day(invoice.paid_at, today)}" if invoice.paid_at else ""
        return f"paid{when} by {card(invoice)}"
    if invoice.status is InvoiceStatus.DUE:
        return "not paid yet"
    if invoice.status is InvoiceStatus.FAILED:
        return f"the payment by {card(invoice)} was declined"
    return f"refunded to your {card(invoice)}"


def _different(a: Address, b: Address) -> bool:
    return (a.line1.casefold(), a.postcode.replace(" ", "").upper()) != (
        b.line1.casefold(),
        b.postcode.replace(" ", "").upper(),
    )


def _address_label(address: Address) -> str:
    return f"{address.label}: {address.one_line()}" if address.label else address.one_line()


def parse_address(text: str) -> Address | None:
    """ "22 Elm Street, Bath, BA1 2AB" → an Address; None unless it has a street, a
    town and a postcode."""
    postcode = postcode_in(text)
    if postcode is None:
        return None
    compact = re.sub(r"\s+", "", postcode)
    rest = re.sub(rf"{compact[:-3]}\s*{compact[-3:]}", "", text, flags=re.IGNORECASE)
    parts = [p.strip(" .") for p in re.split(r"[,\n;]", rest) if p.strip(" .")]
    if len(parts) < 2:
        return None
    line2 = ", ".join(parts[1:-1]) or None
    return Address(parts[0], parts[-1], postcode, line2=line2)


def _confirm_address(order_id: str, address: Address) -> Reply:
    data = {
        "order": order_id,
        "line1": address.line1,
        "line2": address.line2 or "",
        "city": address.city,
        "postcode": address.postcode,
        "country": address.country,
    }
    return Reply(
        ReplyKind.CONFIRM,
        f"Send order #{order_id} to {address.one_line()}?",
        options=(Option(YES, "Yes, send it there"), Option(NO, "No, leave it")),
        flow=FlowState(FLOW, CONFIRM_ADDRESS, data),
    )


def _cancel(order_id: str) -> Action:
    def cancel(crm: RecordingDirectory, cid: str) -> Reply:
        order = crm.cancel_order(cid, order_id)
        return Reply(
            ReplyKind.ACCOUNT,
            f"Done: order #{order.id} is cancelled. The refund of {money(order.total)} "
            "is on its way to your original payment method; banks usually take 3–5 "
            "working days to show it.",
            notes=("order_cancelled",),
        )

    return cancel


def _readdress(order_id: str, address: Address) -> Action:
    def update(crm: RecordingDirectory, cid: str) -> Reply:
        order = crm.update_order_address(cid, order_id, address)
        return Reply(
            ReplyKind.ACCOUNT,
            f"Done: order #{order.id} will now go to {order.shipping_address.one_line()}.",
            notes=("order_address_changed",),
        )

    return update


def _address_from_state(state: FlowState) -> Address:
    data = state.data
    return Address(
        data["line1"],
        data["city"],
        data["postcode"],
        country=data.get("country") or "GB",
        line2=data.get("line2") or None,
    )


def _notice_text(update: CrmUpdate, today: date) -> str | None:
    if update.kind is UpdateKind.ORDER and update.order is not None:
        return _order_notice(update.order, today)
    if update.kind is UpdateKind.INVOICE and update.invoice is not None:
        return _invoice_notice(update.invoice)
    if update.kind is UpdateKind.CUSTOMER and update.profile is not None:
        return "Your account details have just been updated."
    return None


def _order_notice(order: Order, today: date) -> str | None:
    if order.status is OrderStatus.SHIPPED:
        text = f"Good news: your order #{order.id} has shipped"
        shipment = order.shipment
        if shipment is not None:
            text += f" with {shipment.carrier}"
            if shipment.expected_on is not None:
                text += f", expected {day(shipment.expected_on, today)}"
        tracking = tracking_line(order)
        return f"{text}.\n{tracking}" if tracking else f"{text}."
    if order.status is OrderStatus.DELIVERED:
        return f"Your order #{order.id} has been delivered. Enjoy it!"
    if order.status is OrderStatus.CANCELLED:
        return (
            f"Your order #{order.id} has been cancelled; the refund of {money(order.total)} "
            "is on its way to your original payment method."
        )
    return None


def _invoice_notice(invoice: Invoice) -> str | None:
    amount = money(invoice.amount)
    if invoice.status is InvoiceStatus.PAID:
        return f"We've received your payment of {amount} ({invoice.id}). Thank you!"
    if invoice.status is InvoiceStatus.FAILED:
        return (
            f"Your payment of {amount} ({invoice.id}) was declined; please check your "
            "payment details."
        )
    if invoice.status is InvoiceStatus.REFUNDED:
        return f"Your refund of {amount} ({invoice.id}) has been issued to your {card(invoice)}."
    return None
