"""The restore drill on the lab's one deploy: rows written through the app, a full backup by
the backup host's own systemd unit, more rows, then the disaster (the notes table dropped);
playbooks/restore.yml brings back exactly the rows up to the noted time, and the app serves
them through nginx. Then the data directory is deleted and the latest backup comes back.
Archiving that breaks fails a deploy and stops a migration, with the cause in the message.
Figures (backup and restore times, sizes) go to reports/lab/restore-drill.json.
Runs after the read-only proofs (file name order): it rewinds the database."""
import json
import time
import uuid

import pytest
import stack_checks as check

from labtools import PROJECT, playbook

REPORT = PROJECT / "reports" / "lab" / "restore-drill.json"
FIGURES = {}


@pytest.fixture(scope="module")
def drill(deployed, lab_hosts):
    hosts, _, groups = lab_hosts
    yield {"web": hosts[groups["web"][0]], "db": hosts[groups["database"][0]],
           "repo": hosts[groups["backup"][0]], "db_name": groups["database"][0],
           "author": f"drill-{uuid.uuid4().hex[:8]}"}
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(FIGURES, indent=2) + "\n")


def write_notes(web, author, count):
    for i in range(count):
        assert check.api(web, "/api/notes", {"author": author, "body": f"row {i}"})["note"]["author"] == author


def served(web, author):
    """Rows of this author the app serves through nginx (the newest 100 notes)."""
    return sum(1 for note in check.api(web, "/api/notes?limit=100")["notes"] if note["author"] == author)


def in_database(db, author):
    return int(db.check_output(
        f"sudo -u postgres psql -d demo -Atc \"SELECT count(*) FROM notes WHERE author = '{author}'\""))


def restore(db_name, *extra):
    result, seconds = playbook("playbooks/restore.yml", "-e", f"backup_restore_confirm={db_name}", *extra)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "RESTORED " in result.stdout
    return seconds


def repository(repo):
    return json.loads(repo.check_output("sudo -u pgbackrest pgbackrest --stanza=demo info --output=json"))[0]


def test_the_timers_are_scheduled(drill):
    for kind in ("full", "diff"):
        next_run = drill["repo"].check_output(
            f"systemctl show -p NextElapseUSecRealtime --value wsgikit-backup-{kind}.timer")
        assert next_run.strip() not in ("", "n/a"), kind
        assert drill["repo"].service(f"wsgikit-backup-{kind}.timer").is_enabled


def test_a_restore_nobody_confirmed_changes_nothing(drill):
    started = drill["db"].check_output("sudo -u postgres psql -Atc 'SELECT pg_postmaster_start_time()'")
    result, _ = playbook("playbooks/restore.yml")
    assert result.returncode != 0
    assert f"-e backup_restore_confirm={drill['db_name']}" in result.stdout
    assert drill["db"].check_output("sudo -u postgres psql -Atc 'SELECT pg_postmaster_start_time()'") == started


def test_a_dropped_table_comes_back_to_the_noted_time(drill):
    web, db, repo, author = drill["web"], drill["db"], drill["repo"], drill["author"]
    n, m = 20, 10
    write_notes(web, author, n)
    start = time.monotonic()
    repo.check_output("systemctl start wsgikit-backup@full")
    FIGURES["full_backup_seconds"] = round(time.monotonic() - start, 1)
    newest = repository(repo)["backup"][-1]
    assert newest["type"] == "full"
    FIGURES["database_bytes"] = newest["info"]["size"]
    FIGURES["full_backup_stored_bytes"] = newest["info"]["repository"]["delta"]
    write_notes(web, author, m)
    noted = db.check_output("sudo -u postgres psql -Atc "
                            "\"SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'\"")
    write_notes(web, author, 5)  # after the noted time: must not come back
    db.check_output("sudo -u postgres psql -d demo -c 'DROP TABLE notes'")
    assert db.run(f"sudo -u postgres psql -d demo -Atc 'SELECT 1 FROM notes'").rc != 0

    FIGURES["point_in_time_restore_seconds"] = round(
        restore(drill["db_name"], "-e", f"backup_restore_target_time='{noted}'"), 1)
    assert in_database(db, author) == n + m
    assert served(web, author) == n + m


def test_a_deleted_data_directory_comes_back_from_the_latest_backup(drill):
    web, db, author = drill["web"], drill["db"], drill["author"]
    before = in_database(db, author)
    data = db.check_output("sudo -u postgres psql -Atc 'SHOW data_directory'")
    version = data.split("/")[-2]
    db.check_output(f"systemctl stop postgresql@{version}-main && rm -rf {data}")
    assert not db.file(data).exists
    FIGURES["latest_restore_seconds"] = round(restore(drill["db_name"]), 1)
    assert in_database(db, author) == before
    assert served(web, author) == before
    check.app_writes_and_reads_postgresql(web)


def test_broken_archiving_fails_the_deploy_and_stops_migrations(drill):
    db, repo = drill["db"], drill["repo"]
    archive = "/var/lib/pgbackrest/archive"
    repo.check_output(f"chmod 000 {archive}")
    try:
        db.check_output("sudo -u postgres psql -d demo -Atc 'SELECT pg_switch_wal()'")
        deploy, _ = playbook("site.yml", "--tags", "backup")
        assert deploy.returncode != 0
        said = " ".join(deploy.stdout.split())
        assert "WAL from db1 does not reach the repository" in said, deploy.stdout[-3000:]
        assert "Permission denied" in said
        app, _ = playbook("site.yml", "--tags", "app")
        assert app.returncode != 0
        said = " ".join(app.stdout.split())
        assert "Not migrating" in said and "Permission denied" in said, app.stdout[-3000:]
    finally:
        repo.check_output(f"chmod 750 {archive}")
    healthy, _ = playbook("site.yml", "--tags", "backup")
    assert healthy.returncode == 0, healthy.stdout[-3000:]


def test_a_new_passphrase_for_the_existing_repository_is_refused(drill):
    before = drill["repo"].file("/etc/pgbackrest.conf").sha256sum
    result, _ = playbook("site.yml", "--tags", "backup", "-e", "vault_backup_cipher_pass=another-passphrase-0123456789")
    assert result.returncode != 0
    assert "pgBackRest cannot re-encrypt it" in " ".join(result.stdout.split())
    assert "another-passphrase-0123456789" not in result.stdout
    assert drill["repo"].file("/etc/pgbackrest.conf").sha256sum == before


def test_backup_status_answers_when_the_last_good_backup_was(drill):
    result, _ = playbook("playbooks/backup-status.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    for line in ("Last full: 2", "Archiver on db1", "wsgikit-backup-full.timer"):
        assert line in result.stdout
