"""``drive-tui forms``: check form files, and describe their format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from drive_tui.cli.support import fail

app = typer.Typer(help="Check the assessment forms and describe their file format.", no_args_is_help=True)


@app.command("check")
def forms_check(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder of form files (default: the built-in forms).")
    ] = None,
) -> None:
    """Validate every form file; print each problem with file, line and field."""
    from drive_tui.forms.catalogue import builtin_forms_dir
    from drive_tui.forms.loader import load_forms_dir

    folder = directory or builtin_forms_dir()
    if not folder.is_dir():
        fail(f"{folder} is not a folder", 2)
    specs, problems = load_forms_dir(folder)
    for spec in specs:
        timepoints = ", ".join(t.value for t in spec.timepoints)
        typer.echo(f"ok  {spec.id} v{spec.version}: {len(spec.by_answer_id)} answers, timepoints {timepoints}")
    if problems:
        fail(f"{len(problems)} problem(s) in {folder}", 1, [str(p) for p in problems])


@app.command("schema")
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
