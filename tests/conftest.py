"""Shared fixtures: a fresh encrypted store per test in tmp_path, a test keyring, no real keychain ever."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from drive_tui.config import Settings
from drive_tui.domain.models import CaseProfile
from drive_tui.store.store import Store, create

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


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Every test: its own home, no DRIVE_TUI_* from the developer's shell, an in-memory keyring."""
    for name in list(os.environ):
        if name.startswith("DRIVE_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DRIVE_TUI_HOME", str(tmp_path / "home"))
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", keyring=False, user="cm1")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with create(settings, PASSPHRASE) as opened:
        yield opened


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
