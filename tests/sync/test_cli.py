"""The real commands: `drive-tui server …` administration, `enrol`, `sync` and `sync --dry-run`, their exit
statuses and one-line reasons; a revoked device wiped; TLS verified against a given CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from drive_tui.central.people import list_devices, revoke
from drive_tui.store.journal import pending_changes
from drive_tui.store.store import Store
from drive_tui.sync.protocol import DeviceState
from tests.support.central import Central, new_device, work_on_a_case
from tests.support.data import PASSPHRASE

pytestmark = pytest.mark.server_process  # the service as the command runs it: killed, restarted, its options

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def drive(home: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")}
    env.update(DRIVE_TUI_HOME=str(home), DRIVE_TUI_PASSPHRASE=PASSPHRASE, DRIVE_TUI_KEYRING="0")
    if database_url:
        env["DRIVE_TUI_SERVER_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "drive_tui", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _pending(store: Store) -> int:
    with store.transaction() as tx:
        return pending_changes(tx.session)


@SQLITE_ONLY
def test_administer_enrol_and_sync_from_the_command_line(central: Central, tmp_path: Path) -> None:
    server_home, db = central.home, central.database_url
    assert drive(server_home, "server", "init", "--admin", "boss", database_url=db).returncode == 0
    again = drive(server_home, "server", "init", "--admin", "boss2", database_url=db)
    assert again.returncode == 1 and "already has an administrator" in again.stderr
    assert drive(server_home, "server", "add-user", "cm1", "--role", "case_manager", database_url=db).returncode == 0
    no_team = drive(server_home, "server", "add-user", "sup", "--role", "supervisor", database_url=db)
    assert no_team.returncode == 1 and "sites of their team" in no_team.stderr
    code = drive(server_home, "server", "code", "cm1", database_url=db).stdout.strip()

    laptop = tmp_path / "laptop"
    assert drive(laptop, "init").returncode == 0
    enrolled = drive(laptop, "enrol", central.url, code, "--name", "office laptop")
    assert enrolled.returncode == 0 and "Enrolled as cm1" in enrolled.stdout
    assert drive(laptop, "enrol", central.url, code).returncode == 2  # already enrolled

    devices = drive(server_home, "server", "devices", database_url=db)
    assert "cm1" in devices.stdout and "office laptop" in devices.stdout and "never" in devices.stdout
    first = drive(laptop, "sync")
    assert first.returncode == 0 and first.stdout.strip().endswith("pulled 0 record(s)")
    assert "last sync 20" in drive(server_home, "server", "devices", database_url=db).stdout


@SQLITE_ONLY
def test_dry_run_lists_and_changes_nothing(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    pending, held = _pending(laptop), central.change_count()
    laptop.close()
    result = drive(laptop.home, "sync", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert (
        "would push       1  case.create" in result.stdout and "would push      14  assessment.answer" in result.stdout
    )
    assert "nothing was changed" in result.stdout
    assert central.change_count() == held
    from drive_tui.store.store import unlock
    from tests.support.central import device_settings

    with unlock(device_settings(laptop), PASSPHRASE) as reopened:
        assert _pending(reopened) == pending


@SQLITE_ONLY
def test_unreachable_server_exits_3_with_a_clear_reason(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    laptop.close()
    central.stop()
    result = drive(laptop.home, "sync")
    assert result.returncode == 3 and "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


@SQLITE_ONLY
def test_a_lost_device_is_wiped_when_it_connects(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    laptop.close()
    [device] = list_devices(central.engine)
    revoke(central.engine, device.id, DeviceState.LOST)
    result = drive(laptop.home, "sync")
    assert result.returncode == 4 and "reported lost" in result.stderr and "wiped" in result.stderr
    assert not (laptop.home / "store.db").exists() and not (laptop.home / "store.key").exists()
    assert central.change_count() == 0  # refused at once: nothing it held was taken in


@SQLITE_ONLY
def test_a_retired_device_pushes_its_pending_work_then_wipes(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, intake_id = work_on_a_case(laptop)
    laptop.close()
    [device] = list_devices(central.engine)
    revoke(central.engine, device.id, DeviceState.RETIRED)
    result = drive(laptop.home, "sync")
    assert result.returncode == 0, result.stderr
    assert "retired" in result.stdout and "wiped" in result.stdout
    assert central.assessments()[intake_id]["status"] == "submitted" and case_id in central.cases()
    assert not (laptop.home / "store.db").exists()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "drive test server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@SQLITE_ONLY
def test_tls_is_verified_against_the_given_ca(central: Central, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    central.stop()
    central.extra_args = ["--certfile", str(cert), "--keyfile", str(key)]
    central.start()
    url = f"https://127.0.0.1:{central.port}"
    central.user("cm1")
    laptop = tmp_path / "laptop"
    drive(laptop, "init")
    untrusted = drive(laptop, "enrol", url, central.code("cm1"))
    assert untrusted.returncode == 5 and "TLS failure" in untrusted.stderr
    trusted = drive(laptop, "enrol", url, central.code("cm1"), "--ca-file", str(cert))
    assert trusted.returncode == 0, trusted.stderr
    assert drive(laptop, "sync").returncode == 0


def test_the_server_refuses_plain_http_off_loopback(tmp_path: Path) -> None:
    result = drive(tmp_path, "server", "--host", "0.0.0.0", database_url=f"sqlite:///{tmp_path / 'c.db'}")
    assert result.returncode == 2 and "only served on loopback" in result.stderr


def test_the_embedded_store_is_served_by_one_worker_and_says_why(tmp_path: Path) -> None:
    result = drive(tmp_path, "server", "--workers", "2", database_url=f"sqlite:///{tmp_path / 'c.db'}")
    assert result.returncode == 2
    assert "--workers 2: the embedded SQLite store takes one writer at a time" in result.stderr
    assert "use PostgreSQL to scale out" in result.stderr
    assert not (tmp_path / "c.db").exists()  # refused before anything was opened


@SQLITE_ONLY
def test_backup_of_the_embedded_store_while_it_runs_and_what_it_refuses(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    copy = tmp_path / "central.backup"
    made = drive(tmp_path, "server", "backup", str(copy), database_url=central.database_url)
    assert made.returncode == 0, made.stderr
    assert copy.stat().st_mode & 0o777 == 0o600 and "case data" in made.stdout
    with sqlite3.connect(copy) as reading:  # a whole store: the user just added is in it
        assert reading.execute("SELECT count(*) FROM users WHERE username = 'cm1'").fetchone() == (1,)
    again = drive(tmp_path, "server", "backup", str(copy), database_url=central.database_url)
    assert again.returncode == 2 and "--force" in again.stderr
    postgres = drive(tmp_path, "server", "backup", str(tmp_path / "x"), database_url="postgresql+psycopg://u@h/db")
    assert postgres.returncode == 2 and "pg_dump" in postgres.stderr and not (tmp_path / "x").exists()
