"""Controlled vocabularies of DOMAIN.md: canonical codes (stable, stored) with human labels (for display).

A code is what the store, imports, exports and reports speak; renaming one is a data migration.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Self


@cache
def _codes(vocabulary: type[Coded]) -> tuple[str, ...]:
    return tuple(member.value for member in vocabulary)


class Coded(StrEnum):
    """A string enum whose members carry a display label: ``Member = "code", "Label"``."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        """Every code, in declaration order (cached: answer validation asks for it on every answer)."""
        return _codes(cls)


class YesNo(Coded):
    YES = "yes", "Yes"
    NO = "no", "No"


class YesNoNotKnown(Coded):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class ContactType(Coded):
    FACE_TO_FACE = "face_to_face", "Face to face"
    TELEPHONE = "telephone", "Telephone"
    LETTER_EMAIL = "letter_email", "Letter / email"


class ContactSetting(Coded):
    PRISON = "prison", "Prison"
    COMMUNITY = "community", "Community"
    OTHER = "other", "Other"


class Engagement(Coded):
    NONE = "none", "None"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class NoContactReason(Coded):
    CONTACT_PLANNED_OR_PENDING = "contact_planned_or_pending", "Contact planned or pending"
    ON_HOLD_CJS_PENDING = "on_hold_cjs_pending", "On hold – criminal justice proceedings pending"
    NOT_SAFE_TO_CONTACT = "not_safe_to_contact", "Not safe to contact"


class Severity(Coded):
    NONE = "none", "None"
    STANDARD = "standard", "Standard"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    NOT_KNOWN = "not_known", "Not known"


class RiskToVictim(Coded):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    NOT_KNOWN = "not_known", "Not known"


class RiskToChildren(Coded):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    NOT_KNOWN = "not_known", "Not known"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RiskChange(Coded):
    REDUCED_GREATLY = "reduced_greatly", "Reduced greatly"
    REDUCED_SLIGHTLY = "reduced_slightly", "Reduced slightly"
    NO_CHANGE = "no_change", "No change"
    INCREASED_SLIGHTLY = "increased_slightly", "Increased slightly"
    INCREASED_GREATLY = "increased_greatly", "Increased greatly"
    DONT_KNOW = "dont_know", "Don't know"


class SupportArea(Coded):
    HOUSING = "housing", "Housing"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    MENTAL_HEALTH = "mental_health", "Mental health"
    BENEFITS_FINANCES = "benefits_finances", "Benefits & personal finances"
    MEANINGFUL_ACTIVITY = "meaningful_activity", "Meaningful activity / employment"
    FOOD_BANK = "food_bank", "Food bank"
    PHYSICAL_HEALTH = "physical_health", "Physical health"


class ClosureReason(Coded):
    COMPLETED = "completed", "Intervention completed"
    EARLY_NO_PROGRESS = "early_no_progress", "Closed early – no progress"
    MOVED_AREA = "moved_area", "Moved out of area"
    LONG_CUSTODY = "long_custody", "Long custodial sentence"
    DECEASED = "deceased", "Deceased"
    OTHER = "other", "Other"


class OnwardReferral(Coded):
    DVPP = "dvpp", "Domestic violence perpetrator programme (DVPP)"
    PRE_DVPP_ONE_TO_ONE = "pre_dvpp_one_to_one", "Pre-DVPP one-to-one work"
    SUBSTANCE_MISUSE_SERVICE = "substance_misuse_service", "Substance misuse service"
    MENTAL_HEALTH_SERVICE = "mental_health_service", "Mental health service"
    NONE = "none", "None"
    OTHER = "other", "Other"


class Timepoint(Coded):
    INTAKE = "intake", "Intake"
    MONTH_3 = "month_3", "3 months"
    MONTH_6 = "month_6", "6 months"
    MONTH_9 = "month_9", "9 months"
    CLOSURE = "closure", "Closure"

    @property
    def order(self) -> int:
        """Position in the schedule: intake 0 … closure 4."""
        return _TIMEPOINT_ORDER[self.value]


_TIMEPOINT_ORDER = {code: index for index, code in enumerate(Timepoint.codes())}


class Gender(Coded):
    MAN = "man", "Man"
    WOMAN = "woman", "Woman"
    TRANSGENDER = "transgender", "Transgender"
    DONT_KNOW = "dont_know", "Don't know"


class Relationship(Coded):
    EX_PARTNER = "ex_partner", "Ex-partner"
    PARTNER = "partner", "Partner"
    INTERMITTENT_PARTNER = "intermittent_partner", "Intermittent partner"
    FAMILY_ADULT = "family_adult", "Family member – adult"
    FAMILY_MINOR = "family_minor", "Family member – minor"
    OTHER = "other", "Other"
    DONT_KNOW = "dont_know", "Don't know"


class Employment(Coded):
    FULL_TIME = "full_time", "Full-time"
    PART_TIME = "part_time", "Part-time"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNEMPLOYED = "unemployed", "Unemployed"
    NOT_KNOWN = "not_known", "Not known"


class CustodyStatus(Coded):
    COMMUNITY = "community", "In the community"
    REMAND = "remand", "In custody – on remand"
    SENTENCED = "sentenced", "In custody – sentenced"
    NOT_KNOWN = "not_known", "Not known"


class CaseStatus(Coded):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class AssessmentStatus(Coded):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    AMENDED = "amended", "Amended (superseded by a later amendment)"


class IdvaRiskChange(Coded):
    SIGNIFICANT_REDUCTION = "significant_reduction", "Significant reduction"
    MODERATE_REDUCTION = "moderate_reduction", "Moderate reduction"
    LIMITED_OR_NO_REDUCTION = "limited_or_no_reduction", "Limited or no reduction"
    INCREASED_RISK = "increased_risk", "Increased risk"
    DONT_KNOW = "dont_know", "Don't know"


class VictimSafer(Coded):
    MUCH_SAFER = "much_safer", "Much safer"
    SLIGHTLY_SAFER = "slightly_safer", "Slightly safer"
    NO_CHANGE = "no_change", "No change"


SENSITIVE_ANSWERS: frozenset[Coded] = frozenset({NoContactReason.NOT_SAFE_TO_CONTACT})
"""Answers that say something of a victim's safety although their field is not sensitive: in visit mode they are
not drawn — neither as an option nor as an answer given."""

VOCABULARIES: dict[str, type[Coded]] = {
    "yes_no": YesNo,
    "yes_no_not_known": YesNoNotKnown,
    "contact_type": ContactType,
    "contact_setting": ContactSetting,
    "engagement": Engagement,
    "no_contact_reason": NoContactReason,
    "severity": Severity,
    "risk_to_victim": RiskToVictim,
    "risk_to_children": RiskToChildren,
    "risk_change": RiskChange,
    "support_area": SupportArea,
    "closure_reason": ClosureReason,
    "onward_referral": OnwardReferral,
    "timepoint": Timepoint,
    "gender": Gender,
    "relationship": Relationship,
    "employment": Employment,
    "custody_status": CustodyStatus,
    "idva_risk_change": IdvaRiskChange,
    "victim_safer": VictimSafer,
}
"""Vocabularies by the name a form file uses for them (``vocabulary: risk_to_victim``)."""
