"""What every CLI command shares: the two consoles and one way to fail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from frontdesk.errors import FrontdeskError

# Reports go to stdout; errors, warnings and notes to stderr, so output can be piped.
console = Console()
err_console = Console(stderr=True)

# `--model` means the same in ask, chat and eval.
ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="A model directory from `frontdesk train` (default: base)."),
]

# Exit status for errors the user can fix (bad file, bad setting); 1 stays for crashes.
USER_ERROR_EXIT = 2


def fail(exc: FrontdeskError) -> NoReturn:
    """Print ``error: <message>`` in red on stderr and exit with status 2.

    Only the user-safe message is shown; ``exc.detail`` is for logs. The message is
    printed as plain text (file names may contain [brackets] that Rich would read as
    markup) and never hard-wrapped, so it can be searched and copied whole.
    """
    err_console.print(Text(f"error: {exc.message}", style="red"), soft_wrap=True)
    raise typer.Exit(USER_ERROR_EXIT)


def note(message: str) -> None:
    """A non-fatal remark on stderr (e.g. a fallback that was taken)."""
    err_console.print(Text(f"note: {message}", style="yellow"), soft_wrap=True)


def redacted(url: str) -> str:
    """A database URL fit to print: the password left out."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}" if user else f"{scheme}://{host}"
