"""The demo shop's support agent, for `make run`: anyone may sign in as them, which is
why the demo is served only with `frontdesk serve --demo`."""

from __future__ import annotations

from frontdesk.core.escalation.model import Agent, Role

# An admin, so the demo console shows every queue (support, billing, safety …).
DEMO_AGENT = Agent(
    id="agt_demo_sam",
    email="sam@northwind.example",
    name="Sam",
    role=Role.ADMIN,
    queues=("support",),
    created_at=0.0,
)
DEMO_AGENT_PASSWORD = "northwind-demo-agent"
