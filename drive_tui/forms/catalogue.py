"""The set of forms in use: which form (and version) serves each timepoint."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from drive_tui.domain.vocab import Timepoint
from drive_tui.forms.loader import FormFileError, load_forms_dir
from drive_tui.forms.spec import FormSpec


def builtin_forms_dir() -> Path:
    """The forms shipped with drive-tui: inside the installed wheel, or ``forms/`` of a source checkout."""
    packaged = Path(__file__).resolve().parent.parent / "_forms"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "forms"


class FormCatalogue:
    """Forms by id and version; the newest version of a form is the one new assessments use."""

    def __init__(self, specs: Iterable[FormSpec]) -> None:
        self._specs: dict[tuple[str, int], FormSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: FormSpec) -> None:
        self._specs[(spec.id, spec.version)] = spec

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._specs.values(), key=lambda s: (s.id, s.version)))

    def get(self, form_id: str, version: int) -> FormSpec:
        try:
            return self._specs[(form_id, version)]
        except KeyError:
            raise KeyError(f"form {form_id} v{version} is not known") from None

    def latest(self, form_id: str) -> FormSpec:
        versions = [spec for (fid, _), spec in self._specs.items() if fid == form_id]
        if not versions:
            raise KeyError(f"form {form_id} is not known")
        return max(versions, key=lambda spec: spec.version)

    def newest(self) -> list[FormSpec]:
        """The newest version of every form (what new assessments use, and what exports describe)."""
        return [self.latest(form_id) for form_id in sorted({form_id for form_id, _ in self._specs})]

    def for_timepoint(self, timepoint: Timepoint) -> FormSpec:
        """The newest version of the form that serves ``timepoint``."""
        ids = {spec.id for spec in self._specs.values() if timepoint in spec.timepoints}
        if len(ids) != 1:
            raise KeyError(f"expected one form for timepoint {timepoint.value}, found {sorted(ids) or 'none'}")
        return self.latest(ids.pop())


def load_catalogue(directory: Path | None = None) -> FormCatalogue:
    """The forms of ``directory`` (default: the built-in ones). Raises FormFileError on any problem."""
    specs, problems = load_forms_dir(directory or builtin_forms_dir())
    if problems:
        raise FormFileError(problems)
    catalogue = FormCatalogue(specs)
    for timepoint in Timepoint:
        catalogue.for_timepoint(timepoint)
    return catalogue
