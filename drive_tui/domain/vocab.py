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


class Ethnicity(Coded):
    """The ONS 2011 Census categories for England and Wales (18), with not known and prefer not to say. AS_RECORDED
    holds a free-text answer from before ethnicity was coded that matched no category: the text is kept beside it
    (``ethnicity_recorded``) until someone codes it."""

    WHITE_BRITISH = "white_british", "White: English/Welsh/Scottish/Northern Irish/British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_OTHER = "white_other", "White: any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "Mixed: White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "Mixed: White and Black African"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed: White and Asian"
    MIXED_OTHER = "mixed_other", "Mixed: any other Mixed/multiple background"
    ASIAN_INDIAN = "asian_indian", "Asian/Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian/Asian British: Pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian/Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian/Asian British: Chinese"
    ASIAN_OTHER = "asian_other", "Asian/Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black/Black British: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black/Black British: Caribbean"
    BLACK_OTHER = "black_other", "Black/Black British: any other Black background"
    ARAB = "arab", "Other ethnic group: Arab"
    OTHER = "other", "Other ethnic group: any other"
    NOT_KNOWN = "not_known", "Not known"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    AS_RECORDED = "as_recorded", "Other \u2013 as recorded"


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
    NOT_ASKED = "not_asked", "Not asked"
    NOT_CONTACTABLE = "not_contactable", "Client not contactable"


class VictimSafer(Coded):
    MUCH_SAFER = "much_safer", "Much safer"
    SLIGHTLY_SAFER = "slightly_safer", "Slightly safer"
    NO_CHANGE = "no_change", "No change"
    NOT_ASKED = "not_asked", "Not asked"
    NOT_CONTACTABLE = "not_contactable", "Client not contactable"


# Casework (DOMAIN.md "Casework"; the evaluation pp.27-35): the work log, its sources, the contact strategy.


class WorkKind(Coded):
    CONTACT_ATTEMPT = "contact_attempt", "Contact attempt"
    DIRECT_SESSION = "direct_session", "Direct session"
    INDIRECT = "indirect", "Indirect / multi-agency work"


class AttemptMethod(Coded):
    FACE_TO_FACE = "face_to_face", "Face to face"
    TELEPHONE = "telephone", "Telephone"
    LETTER_EMAIL = "letter_email", "Letter / email"
    VIA_PRISON = "via_prison", "Via the prison"
    VIA_PROBATION = "via_probation", "Via probation / offender manager"
    OTHER = "other", "Other"


class AttemptOutcome(Coded):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    DECLINED = "declined", "Declined"
    REFUSED_BY_INSTITUTION = "refused_by_institution", "Refused by the institution"
    NOT_SAFE_TO_ATTEMPT = "not_safe_to_attempt", "Not safe to attempt"
    OTHER = "other", "Other"


class Agency(Coded):
    POLICE = "police", "Police"
    PROBATION = "probation", "Probation (NPS/CRC)"
    PRISON = "prison", "Prison"
    IDVA_SERVICE = "idva_service", "Idva service"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    MARAC = "marac", "Marac"
    MAPPA_MASH_MARAT = "mappa_mash_marat", "MAPPA / MASH / MARAT"
    HOUSING = "housing", "Housing"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
    MENTAL_HEALTH = "mental_health", "Mental health service"
    SCHOOL = "school", "School"
    OTHER_VS_SERVICE = "other_vs_service", "Other victim/survivor service"
    OTHER = "other", "Other"


class AgencyAction(Coded):
    INFO_REQUESTED = "info_requested", "Information requested"
    INFO_RECEIVED = "info_received", "Information received"
    INFO_SHARED = "info_shared", "Information shared"
    MARAC_REFERRAL = "marac_referral", "Marac (re-)referral"
    LICENCE_CONDITIONS = "licence_conditions", "Licence conditions negotiated"
    MULTI_AGENCY_MEETING = "multi_agency_meeting", "Joint or multi-agency meeting"
    JOINT_MONITORING = "joint_monitoring", "Joint monitoring"
    ARREST_OR_RECALL = "arrest_or_recall", "Arrest or recall"
    CIVIL_ORDER = "civil_order", "Civil order"
    CONTACT_SAFETY_PLANNING = "contact_safety_planning", "Safety planning around contact"
    INSTITUTIONAL_ADVOCACY = "institutional_advocacy", "Institutional advocacy"
    CHILD_SAFEGUARDING_REFERRAL = "child_safeguarding_referral", "Child safeguarding referral"
    CP_REGISTRATION = "cp_registration", "Child protection registration"
    CP_CASE_REOPENED = "cp_case_reopened", "Child protection case reopened"
    CP_CASE_CLOSED = "cp_case_closed", "Child protection case closed"
    SU_SUPPORT = "su_support", "Support for the Service User"


DISRUPTION: frozenset[AgencyAction] = frozenset(
    {
        AgencyAction.MARAC_REFERRAL,
        AgencyAction.LICENCE_CONDITIONS,
        AgencyAction.MULTI_AGENCY_MEETING,
        AgencyAction.JOINT_MONITORING,
        AgencyAction.ARREST_OR_RECALL,
        AgencyAction.CIVIL_ORDER,
    }
)
"""The actions the evaluation counts as disruption (p.28)."""
CHILD_SAFEGUARDING: frozenset[AgencyAction] = frozenset(
    {
        AgencyAction.CHILD_SAFEGUARDING_REFERRAL,
        AgencyAction.CP_REGISTRATION,
        AgencyAction.CP_CASE_REOPENED,
        AgencyAction.CP_CASE_CLOSED,
    }
)
"""The actions the evaluation counts as child safeguarding (p.28)."""


class Source(Coded):
    SU = "su", "Service User"
    VS_VIA_IDVA = "vs_via_idva", "Victim/survivor via the Idva"
    IDVA = "idva", "Idva"
    MARAC = "marac", "Marac"
    POLICE = "police", "Police"
    PROBATION = "probation", "Probation"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    OTHER_AGENCY = "other_agency", "Other agency"
    CM_OBSERVATION = "cm_observation", "Case manager's observation"


class StrategyState(Coded):
    DRAFTED = "drafted", "Drafted"
    AGREED = "agreed", "Agreed by the service manager"
    SHARED_WITH_MARAC = "shared_with_marac", "Shared with the Marac"


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
    "ethnicity": Ethnicity,
    "employment": Employment,
    "custody_status": CustodyStatus,
    "idva_risk_change": IdvaRiskChange,
    "victim_safer": VictimSafer,
    "work_kind": WorkKind,
    "attempt_method": AttemptMethod,
    "attempt_outcome": AttemptOutcome,
    "agency": Agency,
    "agency_action": AgencyAction,
    "source": Source,
    "strategy_state": StrategyState,
}
"""Vocabularies by the name a form file uses for them (``vocabulary: risk_to_victim``)."""
