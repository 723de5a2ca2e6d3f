"""The command line. Each command parses, calls one service function, prints. Heavy imports happen inside
the command that needs them, so ``drive-tui --help`` and ``drive-tui sync`` stay quick.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from drive_tui.config import Settings
    from drive_tui.store.keychain import Keychain
    from drive_tui.store.store import Store

app = typer.Typer(
    name="drive-tui",
    help="Record Drive case work offline in an encrypted store.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
forms_app = typer.Typer(help="Check the assessment forms and describe their file format.", no_args_is_help=True)
app.add_typer(forms_app, name="forms")


def _settings() -> Settings:
    from drive_tui.config import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        _fail(f"invalid setting in the environment: {', '.join(exc.names)}", 2)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _fail(message: str, code: int = 1, problems: list[str] | None = None) -> NoReturn:
    typer.echo(f"drive-tui: error: {message}", err=True)
    shown = (problems or [])[:50]
    for problem in shown:
        typer.echo(f"  - {problem}", err=True)
    if problems and len(problems) > len(shown):
        typer.echo(f"  … and {len(problems) - len(shown)} more", err=True)
    raise typer.Exit(code)


def _keychain(settings: Settings) -> Keychain:
    from drive_tui.store.keychain import Keychain

    return Keychain(enabled=settings.keyring, timeout=settings.keyring_timeout)


def _ask_passphrase(settings: Settings, prompt: str = "Passphrase") -> Callable[[], str]:
    def ask() -> str:
        if settings.passphrase is not None:
            return settings.passphrase.get_secret_value()
        if not sys.stdin.isatty():
            from drive_tui.store.errors import PassphraseNeeded

            raise PassphraseNeeded()
        return typer.prompt(prompt, hide_input=True)

    return ask


def _new_passphrase(settings: Settings) -> str:
    """A new passphrase from DRIVE_TUI_NEW_PASSPHRASE (or DRIVE_TUI_PASSPHRASE for init), or asked twice."""
    from drive_tui.store.keys import check_passphrase

    if settings.new_passphrase is not None:
        return settings.new_passphrase.get_secret_value()
    if not sys.stdin.isatty():
        _fail("no terminal to ask for a new passphrase: set DRIVE_TUI_NEW_PASSPHRASE", 2)
    for _ in range(3):
        first = typer.prompt("New passphrase (12+ characters; a few words work well)", hide_input=True)
        try:
            check_passphrase(first)
        except Exception as exc:  # WeakPassphrase: say why and ask again
            typer.echo(str(exc), err=True)
            continue
        if typer.prompt("Repeat the new passphrase", hide_input=True) == first:
            return first
        typer.echo("The two passphrases differ.", err=True)
    _fail("no passphrase set", 1)


def _open(settings: Settings) -> Store:
    from drive_tui.store.errors import StoreError
    from drive_tui.store.store import unlock

    try:
        return unlock(settings, _ask_passphrase(settings), keychain=_keychain(settings))
    except StoreError as exc:
        _fail(str(exc), exc.exit_code, getattr(exc, "problems", None))


def _run(action: Callable[[], None]) -> None:
    """Run ``action``, turning store and form errors into one clear line (and a list) with their exit code."""
    from drive_tui.forms.loader import FormFileError
    from drive_tui.store.errors import StoreError

    try:
        action()
    except StoreError as exc:
        _fail(str(exc), exc.exit_code, getattr(exc, "problems", None))
    except FormFileError as exc:
        _fail("the forms in use are broken", 1, [str(p) for p in exc.problems])


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context) -> None:
    """With no command: open the app (on a terminal), or print the caseload (when output is not a terminal)."""
    if ctx.invoked_subcommand is None:
        if sys.stdout.isatty() and sys.stdin.isatty():
            _run_app(_settings())
        else:
            cases()


def _run_app(settings: Settings, store: Store | None = None) -> None:
    import gc

    # Start-up builds a great many long-lived objects and hardly any garbage: collecting cycles meanwhile cost
    # ~45 ms of a ~330 ms start (bench/RESULTS.md). The app resumes collection once the store is attached.
    gc.disable()
    from drive_tui.ui.app import make_app

    make_app(settings, store=store, keychain=_keychain(settings)).run()


@app.command()
def init(
    user: Annotated[str | None, typer.Option(help="Your user name, recorded as author of what you enter.")] = None,
) -> None:
    """Create a new encrypted store, asking for its passphrase twice."""
    from drive_tui.store.store import create

    settings = _settings()
    if user:
        settings = settings.with_changes(user=user)
    if settings.database_path.exists() or settings.key_file_path.exists():
        _fail(f"a store already exists in {settings.home}; nothing was changed", 1)
    passphrase = settings.passphrase.get_secret_value() if settings.passphrase else _new_passphrase(settings)

    def action() -> None:
        with create(settings, passphrase, keychain=_keychain(settings)) as store:
            typer.echo(f"Created an encrypted store in {store.home}")
            typer.echo("Keep the passphrase safe: without it (or this device's keychain) the store cannot be opened.")

    _run(action)


@app.command()
def passphrase() -> None:
    """Change the passphrase. The data is not re-encrypted; only the key file is rewritten."""
    from drive_tui.store.store import change_passphrase

    settings = _settings()

    def action() -> None:
        old = _ask_passphrase(settings, "Current passphrase")()
        change_passphrase(settings, old, _new_passphrase(settings))
        typer.echo("Passphrase changed.")

    _run(action)


@app.command()
def doctor() -> None:
    """Check the store: path, keychain, SQLCipher and schema versions, integrity, audit chain. No case data."""
    from drive_tui.store.doctor import diagnose

    settings = _settings()
    keychain = _keychain(settings)
    typer.echo(f"store:       {settings.database_path}")
    typer.echo(f"key file:    {settings.key_file_path}")
    typer.echo(f"keychain:    {keychain.describe()}")
    store = _open(settings)
    with store:
        report = diagnose(store)
    for label, value in report.lines():
        typer.echo(f"{label + ':':<12} {value}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def cases(
    include_closed: Annotated[bool, typer.Option("--closed/--open-only", help="List closed cases too.")] = True,
) -> None:
    """List the caseload with each case's next assessment and what is overdue (no sensitive data)."""
    settings = _settings()
    store = _open(settings)

    def action() -> None:
        from rich.table import Table

        from drive_tui.store.caseload import CASELOAD_GUIDE, caseload

        with store, store.transaction() as tx:
            rows = caseload(tx, include_closed=include_closed)
        table = Table(title=f"Caseload ({sum(r.case.status.value == 'open' for r in rows)} open; guide {CASELOAD_GUIDE})")
        for column in ("Reference", "Site", "Status", "Next", "Due", "Overdue"):
            table.add_column(column)
        for row in rows:
            next_slot = row.schedule.next
            overdue = ", ".join(slot.timepoint.label for slot in row.schedule.overdue)
            table.add_row(
                row.case.reference, row.case.site, row.case.status.label,
                next_slot.timepoint.label if next_slot else "—",
                next_slot.due_on.isoformat() if next_slot else "—",
                overdue or "—",
            )
        _console().print(table)

    _run(action)


@app.command("import")
def import_command(file: Annotated[Path, typer.Argument(help="A drive-tui/1 JSON file.")]) -> None:
    """Import cases and submitted assessments, all or nothing. Importing a file twice adds nothing."""
    from drive_tui.store.transfer import import_exchange, read_exchange_file

    settings = _settings()

    def action() -> None:
        with _open(settings) as store:
            exchange = read_exchange_file(file, store.forms)
            with store.transaction() as tx:
                report = import_exchange(tx, exchange)
        typer.echo(
            f"Imported {report.cases_created} new case(s) and {report.assessments_added} assessment(s); "
            f"{report.cases_already_present} case(s) and {report.assessments_already_present} assessment(s) "
            "were already present."
        )

    _run(action)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="File to write; csv and sav also write NAME.wide.* and "
                                                    "NAME.codebook.csv beside it.")],
    format: Annotated[str, typer.Option("--format", help="json (drive-tui/1), csv or sav (SPSS).")] = "json",
    pseudonymise: Annotated[bool, typer.Option(
        "--pseudonymise", help="Replace references and case managers with stable pseudonyms; drop free text.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Export every case with its current submitted assessments: one row per assessment (long), one row per case
    with intake and closure side by side (wide), and a codebook. The output is NOT encrypted."""
    if format not in ("json", "csv", "sav"):
        _fail(f"unknown format {format!r}: use json, csv or sav", 2)
    codebook_path = out.with_name(out.stem + ".codebook.csv")
    wide_path = out.with_name(out.stem + ".wide" + out.suffix)
    targets = [out] + ([wide_path, codebook_path] if format != "json" else [])
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        _fail(f"{', '.join(existing)} already exists; use --force to overwrite", 1)
    settings = _settings()

    def action() -> None:
        from drive_tui.analysis.tabular import codebook, column_meta, pseudonymise as pseudonymised, rows, wide_rows
        from drive_tui.store.transfer import export_exchange, exchange_json, pseudonym_key

        with _open(settings) as store, store.transaction() as tx:
            exchange = export_exchange(tx)
            if pseudonymise:
                exchange = pseudonymised(exchange, pseudonym_key(tx))
            forms = store.forms.newest()
        typer.echo(
            "warning: the export is NOT encrypted and holds sensitive case data. Keep it on an encrypted disk, "
            "share it only as your data-sharing agreement allows, and delete it when done.", err=True)
        if format == "json":
            _write_private(out, exchange_json(exchange))
        elif format == "csv":
            _write_private(out, _csv_text(rows(exchange, forms)))
            _write_private(wide_path, _csv_text(wide_rows(exchange, forms)))
            _write_private(codebook_path, _csv_text(codebook(forms)))
        else:
            from drive_tui.analysis.spss import write_sav

            for path, table, wide in ((out, list(rows(exchange, forms)), False),
                                      (wide_path, list(wide_rows(exchange, forms)), True)):
                _create_private(path)
                write_sav(path, column_meta(forms, wide=wide), table)
            _write_private(codebook_path, _csv_text(codebook(forms)))
        typer.echo(f"Exported {len(exchange.cases)} case(s){' (pseudonymised)' if pseudonymise else ''} to "
                   f"{', '.join(map(str, targets))}")

    _run(action)


def _create_private(path: Path) -> None:
    """An empty file only its owner can read, for a library that then writes into it."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _csv_text(table: Iterable[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue()


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


@app.command()
def demo(
    cases_count: Annotated[int, typer.Option("--cases", min=1, max=5000, help="How many invented cases.")] = 20,
    keep: Annotated[Path | None, typer.Option(help="Create the demo store here instead of a temporary folder.")] = None,
) -> None:
    """Create a throw-away encrypted store filled with an invented caseload, and open it in the app."""
    import tempfile
    from datetime import date

    from drive_tui.demo import synthetic_exchange
    from drive_tui.store.store import create
    from drive_tui.store.transfer import import_exchange

    settings = _settings()
    home = keep or Path(tempfile.mkdtemp(prefix="drive-tui-demo-"))
    settings = settings.with_changes(home=home, keyring=False, user="demo")

    def action() -> None:
        with create(settings, "demo passphrase only") as store, store.transaction() as tx:
            import_exchange(tx, synthetic_exchange(store.forms, cases=cases_count, today=date.today()))
        where = f"in {home}" if keep else "in a temporary folder, deleted when you quit"
        typer.echo(f"Demo store (invented data) {where}; its passphrase is: demo passphrase only")

    _run(action)
    os.environ["DRIVE_TUI_HOME"] = str(home)
    os.environ["DRIVE_TUI_PASSPHRASE"] = "demo passphrase only"
    os.environ["DRIVE_TUI_KEYRING"] = "0"
    try:
        if sys.stdout.isatty() and sys.stdin.isatty():
            from drive_tui.store.store import unlock

            demo_settings = _settings()
            _run_app(demo_settings, unlock(demo_settings, "demo passphrase only"))
        else:
            cases()
    finally:
        if keep is None:  # a throw-away store goes when the demo ends
            import shutil

            shutil.rmtree(home, ignore_errors=True)


@forms_app.command("check")
def forms_check(
    directory: Annotated[Path | None, typer.Argument(help="Folder of form files (default: the built-in forms).")] = None,
) -> None:
    """Validate every form file; print each problem with file, line and field."""
    from drive_tui.forms.catalogue import builtin_forms_dir
    from drive_tui.forms.loader import load_forms_dir

    folder = directory or builtin_forms_dir()
    if not folder.is_dir():
        _fail(f"{folder} is not a folder", 2)
    specs, problems = load_forms_dir(folder)

    for spec in specs:
        fields = len(spec.by_answer_id)
        typer.echo(f"ok  {spec.id} v{spec.version}: {fields} answers, timepoints {', '.join(t.value for t in spec.timepoints)}")
    if problems:
        _fail(f"{len(problems)} problem(s) in {folder}", 1, [str(p) for p in problems])


@forms_app.command("schema")
def forms_schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON Schema here instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of form files (for editors)."""
    import json

    from drive_tui.forms.spec import FormSpec

    schema = FormSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "drive-tui form file"
    text = json.dumps(schema, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def main() -> None:
    app()


# The sync and server commands live in their own modules and register themselves on ``app``.
from drive_tui import cli_report, cli_server, cli_sync  # noqa: E402, F401
