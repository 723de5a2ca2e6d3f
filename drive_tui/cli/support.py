"""What every command shares: settings from the environment, opening the store, and turning errors into one clear
line with an exit code. Imports stay inside the functions: ``drive-tui --help`` must not load the store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from drive_tui.config import Settings
    from drive_tui.store.keychain import Keychain
    from drive_tui.store.store import Store


def settings() -> Settings:
    from drive_tui.config import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        fail(f"invalid setting in the environment: {', '.join(exc.names)}", 2)


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def iso_date(value: str, option: str) -> date:
    """``value`` as a date written YYYY-MM-DD — that form alone (Python also reads 20150101 and 2015-W01-1)."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        fail(f"{option} takes YYYY-MM-DD", 2)
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} takes YYYY-MM-DD", 2)


def fail(message: str, code: int = 1, problems: list[str] | None = None) -> NoReturn:
    """Say what went wrong on stderr (with up to 50 problems listed) and exit with ``code``."""
    typer.echo(f"drive-tui: error: {message}", err=True)
    shown = (problems or [])[:50]
    for problem in shown:
        typer.echo(f"  - {problem}", err=True)
    if problems and len(problems) > len(shown):
        typer.echo(f"  … and {len(problems) - len(shown)} more", err=True)
    raise typer.Exit(code)


def keychain(settings: Settings) -> Keychain:
    from drive_tui.store.keychain import Keychain

    return Keychain(enabled=settings.keyring, timeout=settings.keyring_timeout)


def ask_passphrase(settings: Settings, prompt: str = "Passphrase") -> Callable[[], str]:
    def ask() -> str:
        if settings.passphrase is not None:
            return settings.passphrase.get_secret_value()
        if not sys.stdin.isatty():
            from drive_tui.store.errors import PassphraseNeeded

            raise PassphraseNeeded()
        return typer.prompt(prompt, hide_input=True)

    return ask


def new_passphrase(settings: Settings) -> str:
    """A new passphrase from DRIVE_TUI_NEW_PASSPHRASE (or DRIVE_TUI_PASSPHRASE for init), or asked twice."""
    from drive_tui.store.errors import WeakPassphrase
    from drive_tui.store.keys import check_passphrase

    if settings.new_passphrase is not None:
        return settings.new_passphrase.get_secret_value()
    if not sys.stdin.isatty():
        fail("no terminal to ask for a new passphrase: set DRIVE_TUI_NEW_PASSPHRASE", 2)
    for _ in range(3):
        first = typer.prompt("New passphrase (12+ characters; a few words work well)", hide_input=True)
        try:
            check_passphrase(first)
        except WeakPassphrase as exc:
            typer.echo(str(exc), err=True)
            continue
        if typer.prompt("Repeat the new passphrase", hide_input=True) == first:
            return first
        typer.echo("The two passphrases differ.", err=True)
    fail("no passphrase set", 1)


def open_store(settings: Settings) -> Store:
    from drive_tui.store.errors import StoreError
    from drive_tui.store.store import unlock

    try:
        return unlock(settings, ask_passphrase(settings), keychain=keychain(settings))
    except StoreError as exc:
        fail(str(exc), exc.exit_code, getattr(exc, "problems", None))


def run(action: Callable[[], None]) -> None:
    """Run ``action``, turning store and form errors into one clear line (and a list) with their exit code."""
    from drive_tui.forms.loader import FormFileError
    from drive_tui.store.errors import StoreError

    try:
        action()
    except StoreError as exc:
        fail(str(exc), exc.exit_code, getattr(exc, "problems", None))
    except FormFileError as exc:
        fail("the forms in use are broken", 1, [str(p) for p in exc.problems])


def run_app(settings: Settings, store: Store | None = None) -> None:
    from drive_tui.ui.startup import run

    run(settings, store=store, keychain=keychain(settings))
