"""The evaluators' report as a workbook for evaluators who work in Excel: an "About" sheet (date, cut-off, filters,
methods), then one sheet per table. A count with a percentage becomes two columns (n, %), so every figure is a
number Excel can work with; a suppressed count is the text "<5" and its percentage is left empty."""

from __future__ import annotations

import io

from drive_tui.analysis.evaluation import Count, Evaluation, Suppressed, Table


def report_xlsx(report: Evaluation) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "About"
    bold = Font(bold=True)
    about.append(["Drive: evaluation figures"])
    about["A1"].font = Font(bold=True, size=14)
    for name, value in (
        ("Produced on", report.generated_on.isoformat()),
        ("Data up to", report.cut_off.isoformat() if report.cut_off else "no closed case"),
        ("Filters", ", ".join(f"{k} {v}" for k, v in report.filters.items() if v) or "none"),
        ("Closed cases analysed", report.closed_cases),
        ("Cases counted for casework", report.casework_cases),
        ("Small cells", f"under {report.suppressed_below} suppressed" if report.suppressed_below else "as they are"),
        ("Note", "Aggregate figures only. This file is not encrypted."),
    ):
        about.append([name, value])
    about.append([])
    about.append(["Methods"])
    for line in report.methods:
        about.append([line])
    about.append([])
    about.append(["Sheet", "Table", "Evaluation"])
    for table in report.tables():
        about.append([table.key, table.title, table.source])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 70
    for table in report.tables():
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet["A1"].font = bold
        sheet.append([f"Evaluation: {table.source}"])
        sheet.append([table.note])
        sheet.append([])
        sheet.append(_header(table))
        for cell in sheet[5]:
            cell.font = bold
        counted = _counted_columns(table)
        for row in table.rows:
            sheet.append(_row(row, counted))
        sheet.column_dimensions["A"].width = 30
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counted_columns(table: Table) -> set[int]:
    return {index for row in table.rows for index, value in enumerate(row) if isinstance(value, Count | Suppressed)}


def _header(table: Table) -> list[str]:
    counted = _counted_columns(table)
    header: list[str] = []
    for index, column in enumerate(table.columns):
        header += [column, "%"] if index in counted else [column]
    return header


def _row(row: tuple[object, ...], counted: set[int]) -> list[object]:
    out: list[object] = []
    for index, value in enumerate(row):
        if index in counted:
            if isinstance(value, Count):
                out += [value.n, value.percent]
            elif isinstance(value, Suppressed):
                out += [f"<{value.below}", None]
            else:
                out += [value, None]
        else:
            out.append(value)
    return out
