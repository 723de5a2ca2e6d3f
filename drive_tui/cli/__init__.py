"""The command line: one module per command group, each parsing its options, calling one service function and
printing; ``support`` holds what they share. Heavy imports happen inside the command that needs them, so
``drive-tui --help`` and ``drive-tui sync`` stay quick.
"""

from __future__ import annotations

import sys

import typer

from drive_tui.cli import forms, local, report, server, sync
from drive_tui.cli.support import run_app, settings

app = typer.Typer(
    name="drive-tui",
    help="Record Drive case work offline in an encrypted store.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(local.app)
app.add_typer(sync.app)
app.add_typer(forms.app, name="forms")
app.add_typer(report.app, name="report")
app.add_typer(server.app, name="server")


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command: open the app (on a terminal), or print the caseload (when output is not a terminal)."""
    if ctx.invoked_subcommand is None:
        if sys.stdout.isatty() and sys.stdin.isatty():
            run_app(settings())
        else:
            local.cases()


def main() -> None:
    app()
