"""Writing an export: the drive-tui/1 JSON, or CSV / SPSS tables (long, wide and a codebook) from one exchange.

Every file is created readable by its owner only, before anything is written into it: an export holds case data
and is NOT encrypted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from drive_tui.analysis.tabular import codebook, column_meta, rows, wide_rows
from drive_tui.domain.interchange import ExchangeFile, exchange_json
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.paths import create_private, write_private


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    SAV = "sav"


def export_paths(out: Path, format: ExportFormat) -> list[Path]:
    """Every file an export to ``out`` writes: csv and sav add NAME.wide.* and NAME.codebook.csv beside it."""
    if format is ExportFormat.JSON:
        return [out]
    return [out, out.with_name(out.stem + ".wide" + out.suffix), out.with_name(out.stem + ".codebook.csv")]


def write_export(exchange: ExchangeFile, forms: FormCatalogue, format: ExportFormat, out: Path) -> list[Path]:
    """Write the export's files (replacing any there) and return them."""
    paths = export_paths(out, format)
    if format is ExportFormat.JSON:
        write_private(out, exchange_json(exchange))
        return paths
    newest = forms.newest()
    _, wide_path, codebook_path = paths
    if format is ExportFormat.CSV:
        write_private(out, csv_text(rows(exchange, newest)))
        write_private(wide_path, csv_text(wide_rows(exchange, newest)))
    else:
        from drive_tui.analysis.spss import write_sav

        for path, table, wide in (
            (out, list(rows(exchange, newest)), False),
            (wide_path, list(wide_rows(exchange, newest)), True),
        ):
            create_private(path, replace=True)
            write_sav(path, column_meta(newest, wide=wide), table)
    write_private(codebook_path, csv_text(codebook(newest)))
    return paths


def csv_text(table: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue()


def figures_csv(document: dict[str, Any]) -> str:
    """A report's JSON document in long format: one row per figure, named by its path in the document."""
    return csv_text([["measure", "value"], *([path, "" if v is None else str(v)] for path, v in _leaves(document))])


def _leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, inner in value.items() for leaf in _leaves(inner, (*path, str(key)))]
    if isinstance(value, list) and value and isinstance(value[0], list):  # a transition table: row by row
        return [leaf for i, row in enumerate(value) for leaf in _leaves(row, (*path, str(i)))]
    if isinstance(value, list):
        return [(".".join((*path, str(i))), item) for i, item in enumerate(value)]
    return [(".".join(path), value)]
