"""A real PostgreSQL backup and restore: pg_dump before an erasure, pg_restore after it
brings the candidate back, and `manage.py privacy_replay_erasures` erases them again."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Invitation
from assess.privacy.services import candidate_erase
from tests.assess import factories
from tests.assess.privacy_support import database_hits
from tests.conftest import missing_service

pytestmark = pytest.mark.django_db(transaction=True)


def _pg(tool: str, *args: str) -> None:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    target = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    subprocess.run([tool, *target, *args], check=True, env=env, capture_output=True, timeout=120)


def test_a_restored_backup_gets_its_erasures_re_applied(settings, tmp_path, capsys):
    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        missing_service("a PostgreSQL database and pg_dump/pg_restore are needed")
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")
    bank = factories.make_bank("single")
    assessment = factories.make_assessment(factories.make_org(), [bank["single"]])
    invitation, _ = factories.make_invitation(assessment, name="Backup Person")
    attempt = attempt_start(invitation)
    answer_save(attempt, 0, 0, 0)
    attempt_submit(attempt)
    dump = tmp_path / "backup.dump"
    name = connection.settings_dict["NAME"]
    _pg("pg_dump", "--data-only", "--format=custom", "-f", str(dump), name)

    candidate_erase(invitation, source="admin")
    assert database_hits("Backup Person") == []

    # The restore: every table emptied, then the backup's rows (and sequences) loaded.
    with connection.cursor() as cursor:
        tables = ", ".join(
            connection.ops.quote_name(t) for t in connection.introspection.table_names(cursor)
        )
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    connection.close()
    _pg("pg_restore", "--data-only", "--disable-triggers", "-d", name, str(dump))
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert database_hits("Backup Person")

    call_command("privacy_replay_erasures")
    assert capsys.readouterr().out.startswith("1 erasure(s) re-applied")
    assert database_hits("Backup Person") == []
    assert database_hits("backup@example.com") == []
