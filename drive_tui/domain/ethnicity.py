"""Ethnicity recorded as free text before it was coded, read as an ONS 2011 category.

Stored profiles, exchange files and pushes from devices not yet updated still carry the old free text; every one
is read through ``coded`` (the models call it), so the text becomes a code wherever it is read, and is written
back as a code the next time the case is saved. A wording is matched only where the category is plain; a group's
name alone ("Asian British", "Black British", "Mixed") goes to that group's "any other" category, as the census
codes such a write-in. "White" alone is not matched: it could be British or any other White background, both
large, and a guess would move the figures. What matches nothing is kept as it was typed, coded ``as_recorded``,
for a case manager to code.
"""

from __future__ import annotations

import re
from typing import Any

from drive_tui.domain.vocab import Ethnicity

_SYNONYMS: dict[str, Ethnicity] = {
    **dict.fromkeys(
        (
            "white british",
            "british",
            "white uk",
            "english",
            "white english",
            "welsh",
            "white welsh",
            "scottish",
            "white scottish",
            "northern irish",
            "white northern irish",
            "white english welsh scottish northern irish british",
            "wb",
        ),
        Ethnicity.WHITE_BRITISH,
    ),
    **dict.fromkeys(("white irish", "irish"), Ethnicity.WHITE_IRISH),
    **dict.fromkeys(
        (
            "gypsy",
            "traveller",
            "irish traveller",
            "gypsy traveller",
            "gypsy or irish traveller",
            "white gypsy or irish traveller",
        ),
        Ethnicity.WHITE_GYPSY_TRAVELLER,
    ),
    **dict.fromkeys(
        ("white other", "other white", "any other white background", "white any other white background"),
        Ethnicity.WHITE_OTHER,
    ),
    **dict.fromkeys(
        ("white and black caribbean", "mixed white and black caribbean", "mixed white black caribbean"),
        Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN,
    ),
    **dict.fromkeys(
        ("white and black african", "mixed white and black african", "mixed white black african"),
        Ethnicity.MIXED_WHITE_BLACK_AFRICAN,
    ),
    **dict.fromkeys(("white and asian", "mixed white and asian", "mixed white asian"), Ethnicity.MIXED_WHITE_ASIAN),
    **dict.fromkeys(
        (
            "mixed other",
            "other mixed",
            "any other mixed multiple ethnic background",
            "any other mixed background",
            "mixed",
            "mixed race",
            "mixed multiple ethnic groups",
            "dual heritage",
        ),
        Ethnicity.MIXED_OTHER,
    ),
    **dict.fromkeys(("indian", "asian indian", "british indian", "asian british indian"), Ethnicity.ASIAN_INDIAN),
    **dict.fromkeys(
        ("pakistani", "asian pakistani", "british pakistani", "asian british pakistani"), Ethnicity.ASIAN_PAKISTANI
    ),
    **dict.fromkeys(
        ("bangladeshi", "asian bangladeshi", "british bangladeshi", "asian british bangladeshi"),
        Ethnicity.ASIAN_BANGLADESHI,
    ),
    **dict.fromkeys(("chinese", "asian chinese", "british chinese", "asian british chinese"), Ethnicity.ASIAN_CHINESE),
    **dict.fromkeys(
        (
            "asian other",
            "other asian",
            "any other asian background",
            "asian british any other asian background",
            "asian",
            "asian british",
            "british asian",
        ),
        Ethnicity.ASIAN_OTHER,
    ),
    **dict.fromkeys(
        ("african", "black african", "black british african", "black african caribbean black british african"),
        Ethnicity.BLACK_AFRICAN,
    ),
    **dict.fromkeys(
        ("caribbean", "black caribbean", "black british caribbean", "black african caribbean black british caribbean"),
        Ethnicity.BLACK_CARIBBEAN,
    ),
    **dict.fromkeys(
        (
            "black other",
            "other black",
            "any other black background",
            "any other black african caribbean background",
            "black",
            "black british",
            "british black",
        ),
        Ethnicity.BLACK_OTHER,
    ),
    **dict.fromkeys(("arab", "other ethnic group arab"), Ethnicity.ARAB),
    **dict.fromkeys(("any other ethnic group", "other ethnic group"), Ethnicity.OTHER),
    **dict.fromkeys(
        ("not known", "unknown", "not stated", "nk", "n k", "dont know", "don t know", "do not know"),
        Ethnicity.NOT_KNOWN,
    ),
    **dict.fromkeys(
        ("prefer not to say", "declined", "refused", "declined to say", "not disclosed"), Ethnicity.PREFER_NOT_TO_SAY
    ),
    **{member.label.lower(): member for member in Ethnicity},
}
_SYNONYMS = {re.sub(r"[^a-z]+", " ", key).strip(): value for key, value in _SYNONYMS.items()}


def code_ethnicity(text: str) -> Ethnicity | None:
    """The category a free-text answer names without doubt, or None. Case, punctuation and spacing do not matter
    ("White - British", "white/british" and "WHITE BRITISH" are one answer)."""
    return _SYNONYMS.get(re.sub(r"[^a-z]+", " ", text.lower()).strip())


def coded(data: Any) -> Any:
    """A person's fields (a dict, as stored or sent) with an old free-text ``ethnicity`` read as a code, and old
    text beside it dropped once a category is given (from a form, or an update from a device not yet updated);
    anything else unchanged, for the model to check."""
    if not isinstance(data, dict):
        return data
    value = data.get("ethnicity")
    if not isinstance(value, str) or value == Ethnicity.AS_RECORDED:
        return data
    if value in Ethnicity.codes():  # a category chosen: old text kept beside an earlier answer has had its day
        return {**data, "ethnicity_recorded": None} if data.get("ethnicity_recorded") is not None else data
    text = value.strip()
    if not text:
        return {**data, "ethnicity": None, "ethnicity_recorded": None}
    match = code_ethnicity(text)
    if match is not None:
        return {**data, "ethnicity": match.value, "ethnicity_recorded": None}
    return {**data, "ethnicity": Ethnicity.AS_RECORDED.value, "ethnicity_recorded": text}
