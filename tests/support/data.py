"""Test data: the passphrase, a keyring in memory, case profiles and complete answers, an exchange file."""

from __future__ import annotations

import copy
from datetime import date

from keyring.backend import KeyringBackend

from drive_tui.domain.models import CaseProfile

PASSPHRASE = "correct horse battery staple"


class MemoryKeyring(KeyringBackend):
    """A keychain that lives in memory: what a desktop's secret service does, without the desktop."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


def profile(reference: str = "DRV-0001", **overrides: object) -> CaseProfile:
    data: dict[str, object] = {
        "reference": reference,
        "site": "Essex",
        "allocated_on": date(2026, 1, 5),
        "case_manager": "cm1",
        "service_user": {"gender": "man", "age": 34, "employment": "unemployed"},
        "victims": [{"relationship": "ex_partner", "gender": "woman", "age": 30, "idva_engaged": True}],
    }
    data.update(overrides)
    return CaseProfile.model_validate(data)


INTAKE_COMPLETE = {
    "contact_made": "yes",
    "contact_types": ["face_to_face"],
    "contact_setting": "prison",
    "engagement": "moderate",
    "need_substance_misuse": "no",
    "need_alcohol_misuse": "yes",
    "need_housing": "not_known",
    "need_mental_health": "no",
    "dva_physical": "high",
    "dva_sexual": "none",
    "dva_harassment_stalking": "moderate",
    "dva_jealousy_coercion": "high",
    "risk_to_victim": "high",
    "risk_to_children": "medium",
}


def sample() -> dict:
    return {
        "format": "drive-tui/1",
        "cases": [
            {
                "reference": "DRV-0001",
                "site": "Essex",
                "allocated_on": "2016-05-03",
                "case_manager": "cm1",
                "service_user": {
                    "gender": "man",
                    "age": 34,
                    "ethnicity": "White British",
                    "employment": "unemployed",
                    "children_involved": "yes",
                    "previous_dva_offences": "yes",
                    "previous_other_offences": "no",
                },
                "victims": [{"relationship": "ex_partner", "gender": "woman", "age": 30, "idva_engaged": True}],
                "status": "closed",
                "closed_on": "2017-03-01",
                "assessments": [
                    {"timepoint": "intake", "completed_on": "2016-05-10", "answers": INTAKE_COMPLETE},
                    {"timepoint": "closure", "completed_on": "2017-03-01", "answers": CLOSURE_COMPLETE},
                ],
            },
            {
                "reference": "DRV-0002",
                "site": "Essex",
                "allocated_on": "2016-06-01",
                "case_manager": "cm1",
                "service_user": {},
                "victims": [],
                "status": "open",
                "assessments": [
                    {
                        "timepoint": "intake",
                        "completed_on": "2016-06-02",
                        "answers": {
                            **INTAKE_COMPLETE,
                            "contact_made": "no",
                            "contact_types": None,
                            "contact_setting": None,
                            "engagement": None,
                        },
                    }
                ],
            },
        ],
    }


def clean(data: dict) -> dict:
    """Drop the None placeholders used above to remove keys."""
    data = copy.deepcopy(data)
    for case in data["cases"]:
        for assessment in case["assessments"]:
            assessment["answers"] = {k: v for k, v in assessment["answers"].items() if v is not None}
    return data


CLOSURE_COMPLETE = {
    **INTAKE_COMPLETE,
    "behaviour_change_work": "yes",
    "risk_change": "reduced_greatly",
    "closure_reason": "completed",
    "onward_referral": ["dvpp"],
}
