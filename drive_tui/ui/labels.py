"""Display text for codes and answers (the store speaks codes; people read labels)."""

from __future__ import annotations

from typing import Any

from drive_tui.domain.vocab import SENSITIVE_ANSWERS, Ethnicity
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


SHORT_ETHNICITY = {
    Ethnicity.WHITE_BRITISH: "White British",
    Ethnicity.WHITE_IRISH: "White Irish",
    Ethnicity.WHITE_GYPSY_TRAVELLER: "Gypsy/Irish Traveller",
    Ethnicity.WHITE_OTHER: "White other",
    Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN: "White & Black Caribbean",
    Ethnicity.MIXED_WHITE_BLACK_AFRICAN: "White & Black African",
    Ethnicity.MIXED_WHITE_ASIAN: "White & Asian",
    Ethnicity.MIXED_OTHER: "Mixed other",
    Ethnicity.ASIAN_INDIAN: "Indian",
    Ethnicity.ASIAN_PAKISTANI: "Pakistani",
    Ethnicity.ASIAN_BANGLADESHI: "Bangladeshi",
    Ethnicity.ASIAN_CHINESE: "Chinese",
    Ethnicity.ASIAN_OTHER: "Asian other",
    Ethnicity.BLACK_AFRICAN: "Black African",
    Ethnicity.BLACK_CARIBBEAN: "Black Caribbean",
    Ethnicity.BLACK_OTHER: "Black other",
    Ethnicity.ARAB: "Arab",
    Ethnicity.OTHER: "Other",
    Ethnicity.NOT_KNOWN: "Not known",
    Ethnicity.PREFER_NOT_TO_SAY: "Prefer not to say",
}
"""For a profile drawn in a few short lines: the category without its group."""


def ethnicity_label(ethnicity: Ethnicity | None, recorded: str | None, *, short: bool = False) -> str:
    """A person's ethnicity as read: the category's label, or old free text that matched none, marked as such."""
    if ethnicity is None:
        return "—"
    if ethnicity is Ethnicity.AS_RECORDED:
        return f"{recorded} (as recorded: to be coded)"
    return SHORT_ETHNICITY.get(ethnicity, ethnicity.label) if short else ethnicity.label
