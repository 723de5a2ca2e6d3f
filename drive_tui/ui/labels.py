"""Display text for codes and answers (the store speaks codes; people read labels)."""

from __future__ import annotations

from typing import Any

from drive_tui.domain.vocab import SENSITIVE_ANSWERS
from drive_tui.forms.spec import FieldSpec


def answer_label(spec: FieldSpec, value: Any) -> str:
    """A stored answer as a person reads it: code labels for coded fields, text otherwise."""
    if value is None or value == []:
        return "—"
    vocab = spec.vocab
    if vocab is None:
        return str(value)
    labels = {member.value: member.label for member in vocab}
    if isinstance(value, list):
        return ", ".join(labels.get(code, code) for code in value)
    return labels.get(value, str(value))


def code_label(value: Any) -> str:
    """The label of an enum member (or '—' for nothing)."""
    if value is None:
        return "—"
    return getattr(value, "label", str(value))


HIDDEN_IN_VISIT_MODE = frozenset(answer.value for answer in SENSITIVE_ANSWERS)
"""Codes not drawn in visit mode, in any field (``vocab.SENSITIVE_ANSWERS``)."""
HIDDEN_LABELS_IN_VISIT_MODE = frozenset(answer.label for answer in SENSITIVE_ANSWERS)
