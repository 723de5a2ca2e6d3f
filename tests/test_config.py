"""Settings from the environment: every DRIVE_TUI_* value parsed and checked; a bad one is named, never quoted."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive_tui.config import Secret, Settings, SettingsError


def test_values_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DRIVE_TUI_HOME": str(tmp_path / "store"),
            "DRIVE_TUI_KEYRING": "no",
            "DRIVE_TUI_VISIT_MODE": "On",
            "DRIVE_TUI_GRACE_DAYS": "21",
            "DRIVE_TUI_IDLE_LOCK_MINUTES": "0.5",
            "DRIVE_TUI_USER": "cm7",
            "DRIVE_TUI_PASSPHRASE": "a phrase of several words",
            "OTHER": "ignored",
        }
    )
    assert settings.home == (tmp_path / "store").resolve() and settings.database_path.parent == settings.home
    assert (settings.keyring, settings.visit_mode, settings.grace_days) == (False, True, 21)
    assert settings.idle_lock_minutes == 0.5 and settings.user == "cm7"
    assert settings.passphrase is not None and settings.passphrase.get_secret_value() == "a phrase of several words"


def test_defaults_and_overrides(tmp_path: Path) -> None:
    settings = Settings.from_env({"DRIVE_TUI_USER": "from-env"}, user="given", home=tmp_path)
    assert settings.user == "given"  # an override wins over the environment
    assert (settings.keyring, settings.visit_mode, settings.grace_days, settings.idle_lock_minutes) == (
        True,
        False,
        14,
        5.0,
    )
    changed = settings.with_changes(visit_mode=True)
    assert changed.visit_mode and not settings.visit_mode


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GRACE_DAYS", "forever"),
        ("GRACE_DAYS", "91"),
        ("GRACE_DAYS", "-1"),
        ("IDLE_LOCK_MINUTES", "0"),
        ("KEYRING", "maybe"),
        ("KEYRING_TIMEOUT", "31"),
        ("HOME", " "),
        ("VISIT_MODE", ""),
    ],
)
def test_a_bad_value_is_named_and_not_quoted(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({f"DRIVE_TUI_{name}": value})
    assert caught.value.names == [f"DRIVE_TUI_{name}"]
    assert value.strip() == "" or value not in str(caught.value)


def test_every_bad_value_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"DRIVE_TUI_GRACE_DAYS": "x", "DRIVE_TUI_KEYRING": "x"})
    assert sorted(caught.value.names) == ["DRIVE_TUI_GRACE_DAYS", "DRIVE_TUI_KEYRING"]


def test_a_passphrase_never_shows_in_a_repr(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, passphrase=Secret("hunter2 hunter2 hunter2"))
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.passphrase)
