"""SPSS (.sav) files of the long or wide table, through pyreadstat: every variable labelled; a coded answer stored as
a number with value labels (SPSS labels only numbers and short strings); several codes as one 0/1 variable per code;
dates as SPSS dates. The codebook CSV beside the data says which number is which code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from drive_tui.analysis.tabular import MULTI_SEPARATOR, ColumnMeta

YES_NO = {0.0: "No", 1.0: "Yes"}


def spss_variables(
    columns: Sequence[ColumnMeta], table: Sequence[Sequence[str]]
) -> tuple[dict[str, list[Any]], dict[str, str], dict[str, dict[float, str]]]:
    """Data by variable, variable labels and value labels for the rows of ``table`` (header first)."""
    header, body = table[0], table[1:]
    index = {name: i for i, name in enumerate(header)}
    data: dict[str, list[Any]] = {}
    labels: dict[str, str] = {}
    values: dict[str, dict[float, str]] = {}
    for column in columns:
        cells = [row[index[column.name]] for row in body]
        if column.kind == "multi" and column.vocabulary is not None:
            for code in column.vocabulary.codes():
                name = f"{column.name}_{code}"[:64]
                data[name] = [None if cell == "" else float(code in cell.split(MULTI_SEPARATOR)) for cell in cells]
                labels[name] = f"{column.label}: {column.vocabulary(code).label}"[:256]
                values[name] = YES_NO
            continue
        labels[column.name] = column.label[:256]
        if column.kind == "code" and column.vocabulary is not None:
            codes = list(column.vocabulary.codes())
            data[column.name] = [None if cell == "" else float(codes.index(cell) + 1) for cell in cells]
            values[column.name] = {float(i + 1): column.vocabulary(code).label for i, code in enumerate(codes)}
        elif column.kind == "integer":
            data[column.name] = [None if cell == "" else float(cell) for cell in cells]
        elif column.kind == "date":
            data[column.name] = [None if cell == "" else date.fromisoformat(cell) for cell in cells]
        else:
            data[column.name] = cells
    return data, labels, values


def write_sav(path: Path, columns: Sequence[ColumnMeta], table: Sequence[Sequence[str]]) -> None:
    import pandas
    import pyreadstat

    data, labels, values = spss_variables(columns, table)
    frame = pandas.DataFrame(data)  # dates stay datetime.date objects: pyreadstat writes them as SPSS dates
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=values)
