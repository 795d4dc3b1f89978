"""The `frontdesk` command line: ask, chat, eval, train, serve, kb, db, model, openai,
agents."""

from __future__ import annotations

import typer

from frontdesk.interfaces.cli import (
    agents_cmds,
    answer_cmds,
    demo_cmds,
    escalation_cmds,
    eval_cmd,
    feedback_cmds,
    kb_cmds,
    model_cmds,
    openai_cmds,
    serve_cmds,
    train_cmd,
)

app = typer.Typer(
    name="frontdesk",
    help="Self-hosted customer-service assistant for online shops.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
answer_cmds.register(app)
eval_cmd.register(app)
train_cmd.register(app)
serve_cmds.register(app)
app.add_typer(kb_cmds.app, name="kb", help="Knowledge-base tools: clean, export, stats.")
app.add_typer(serve_cmds.db_app, name="db", help="The conversation store: upgrade.")
app.add_typer(model_cmds.app, name="model", help="The local embedding model.")
app.add_typer(demo_cmds.app, name="demo", help="The demo shop's data: seed.")
app.add_typer(agents_cmds.app, name="agents", help="Agent console accounts: add, list, password.")
app.add_typer(escalation_cmds.app, name="escalations", help="Escalations to people: report.")
app.add_typer(feedback_cmds.app, name="feedback", help="Agents' feedback on the bot: export.")
app.add_typer(
    openai_cmds.app,
    name="openai",
    help="Fine-tune on an OpenAI(-compatible) API: upload, finetune, status.",
)


def main() -> None:
    app()
