"""Loading form files: YAML → ``FormSpec``, with errors that name the file, the line and the field.

YAML is read with booleans limited to ``true``/``false`` (YAML 1.2): in YAML 1.1 an unquoted ``no`` is False,
which would silently turn the code ``no`` into a boolean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drive_tui.domain.vocab import VOCABULARIES, Timepoint
from drive_tui.forms.conditions import Condition, fields_referenced
from drive_tui.forms.spec import CODED_KINDS, FieldKind, FormSpec


@dataclass(frozen=True, slots=True)
class FormProblem:
    """One thing wrong with a form file."""

    file: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {'field ' + self.field + ': ' if self.field else ''}{self.message}"


class FormFileError(Exception):
    """A form file that cannot be used; ``problems`` says everything found wrong in it."""

    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int
    lines: dict[Any, int]


class _LocatedList(list):  # type: ignore[type-arg]
    line: int
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    result = _Located()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _LocatedList:
    result = _LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _locate(data: Any, path: Iterable[Any]) -> tuple[int | None, str | None]:
    """The line of the deepest node on ``path`` that exists, and the id of the innermost field on it."""
    line = getattr(data, "line", None)
    field_id = None
    node = data
    parents: list[str] = []
    for part in path:
        if isinstance(node, _Located) and part in node:
            line, node = node.lines[part], node[part]
        elif isinstance(node, _LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.lines[part], node[part]
        else:
            continue
        parents.append(str(part))
        if isinstance(node, dict) and isinstance(node.get("id"), str) and "fields" in parents[-3:-1]:
            field_id = node["id"]
    return line, field_id


def load_form_file(path: Path) -> FormSpec:
    """Read and check one form file. Raises FormFileError listing every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormFileError([FormProblem(path, None, None, f"cannot read: {exc.__class__.__name__}")]) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise FormFileError([FormProblem(path, line, None, f"not valid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise FormFileError([FormProblem(path, None, None, f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise FormFileError([FormProblem(path, 1, None, "a form file must be a mapping with id, version, sections")])
    try:
        spec = FormSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [part for part in error["loc"] if part not in ("field", "all", "any", "not")]
            line, field_id = _locate(data, error["loc"])
            where = ".".join(str(part) for part in loc)
            problems.append(FormProblem(path, line, field_id, f"{where}: {error['msg']}"))
        raise FormFileError(problems) from None
    problems = [FormProblem(path, *_locate(data, location), message) for location, message in semantic_problems(spec)]
    if problems:
        raise FormFileError(problems)
    return spec


def semantic_problems(spec: FormSpec) -> Iterator[tuple[tuple[Any, ...], str]]:
    """What pydantic cannot see: unique ids, known vocabularies, conditions that refer to earlier fields
    with codes those fields accept, sensible bounds. Yields (path in the file, message)."""
    seen: dict[str, FieldKind] = {}
    section_ids: set[str] = set()
    for s, section in enumerate(spec.sections):
        if section.id in section_ids:
            yield ("sections", s, "id"), f"section id {section.id!r} is used twice"
        section_ids.add(section.id)
        for f, field in enumerate(section.fields):
            at = ("sections", s, "fields", f)
            for answer_id in field.answer_ids:
                if answer_id in seen:
                    yield (*at, "id"), f"answer id {answer_id!r} is used twice in the form"
            if field.kind in CODED_KINDS - {FieldKind.YES_NO_NOT_KNOWN, FieldKind.SEVERITY}:
                if field.vocabulary is None:
                    yield at, f"a {field.kind} field needs a vocabulary"
                elif field.vocabulary not in VOCABULARIES:
                    yield (*at, "vocabulary"), f"unknown vocabulary {field.vocabulary!r}"
            elif field.vocabulary is not None and field.kind not in CODED_KINDS:
                yield (*at, "vocabulary"), f"a {field.kind} field takes no vocabulary"
            if (field.kind is FieldKind.SEVERITY_GRID) != bool(field.rows):
                yield at, "rows are given for a severity grid, and only for one"
            if field.kind not in (FieldKind.INTEGER, FieldKind.DATE) and (
                field.min is not None or field.max is not None
            ):
                yield at, "min and max apply to integer and date fields only"
            if field.min is not None and field.max is not None and field.min > field.max:  # type: ignore[operator]
                yield at, "min is greater than max"
            conditions: list[tuple[str, Condition]] = []
            if field.show_if is not None:
                conditions.append(("show_if", field.show_if))
            if field.require_if is not None:
                conditions.append(("require_if", field.require_if))
            conditions.extend(("valid_if", c.check) for c in field.valid_if)
            for name, condition in conditions:
                for test in fields_referenced(condition):
                    own = test.field in field.answer_ids
                    if test.field not in seen and not (own and name == "valid_if"):
                        yield (*at, name), f"{name} refers to {test.field!r}, which is not an earlier field"
                        continue
                    target = spec.field(test.field)
                    vocab = target.vocab
                    if vocab is not None:
                        bad = [c for c in test.codes_mentioned() if c not in vocab.codes()]
                        if bad:
                            yield (*at, name), f"{name} compares {test.field!r} with unknown code(s) {bad}"
            for answer_id in field.answer_ids:
                seen[answer_id] = field.kind


def load_forms_dir(directory: Path) -> tuple[list[FormSpec], list[FormProblem]]:
    """Every ``*.yaml`` form in ``directory``, and every problem found (a broken file is left out)."""
    specs: list[FormSpec] = []
    problems: list[FormProblem] = []
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    if not files:
        problems.append(FormProblem(directory, None, None, "no form files (*.yaml) here"))
    defined: dict[tuple[str, int], Path] = {}
    for path in files:
        try:
            spec = load_form_file(path)
        except FormFileError as exc:
            problems.extend(exc.problems)
            continue
        key = (spec.id, spec.version)
        if key in defined:
            problems.append(
                FormProblem(path, None, None, f"form {spec.id} v{spec.version} is also defined in {defined[key].name}")
            )
            continue
        defined[key] = path
        specs.append(spec)
    owners: dict[Timepoint, str] = {}
    for spec in specs:
        for timepoint in spec.timepoints:
            if owners.setdefault(timepoint, spec.id) != spec.id:
                problems.append(
                    FormProblem(
                        defined[(spec.id, spec.version)],
                        None,
                        None,
                        f"timepoint {timepoint.value} is covered by both {owners[timepoint]!r} and {spec.id!r}",
                    )
                )
    return specs, problems
