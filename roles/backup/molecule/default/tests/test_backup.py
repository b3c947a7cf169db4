"""The backup role on Debian 12, after the restore drill (side_effect.yml)."""
import json

import pytest

DB, REPO = "wsgikit-backup-db", "wsgikit-backup-repo"


def only(host, name):
    if host.backend.get_hostname() != name:
        pytest.skip(f"{name} only")


def test_the_dropped_table_is_back_with_exactly_the_rows_up_to_the_noted_time(host):
    only(host, DB)
    rows = host.check_output("runuser -u postgres -- psql -d drilldb -AtXc 'SELECT count(*), max(n) FROM drill'")
    assert rows == "30|30"


def test_the_restored_server_archives_and_accepts_writes(host):
    only(host, DB)
    state = host.check_output("runuser -u postgres -- psql -AtXc "
                              "\"SELECT pg_is_in_recovery(), current_setting('archive_mode'), failed_count "
                              "FROM pg_stat_archiver\"")
    assert state == "f|on|0"


def test_the_repository_is_encrypted_and_holds_the_backups(host):
    only(host, REPO)
    info = json.loads(host.check_output("runuser -u pgbackrest -- pgbackrest --stanza=demo info --output=json"))[0]
    assert info["status"]["code"] == 0 and info["cipher"] == "aes-256-cbc"
    assert [b["type"] for b in info["backup"]][:2] == ["full", "full"]  # the first deploy's, the drill's
    assert info["backup"][-1]["type"] == "incr"  # taken after the restore
    assert host.file("/etc/pgbackrest.conf").mode == 0o640


def test_the_timers_are_scheduled(host):
    only(host, REPO)
    for kind in ("full", "diff"):
        assert host.service(f"wsgikit-backup-{kind}.timer").is_enabled
        next_run = host.check_output(f"systemctl show -p NextElapseUSecRealtime --value wsgikit-backup-{kind}.timer")
        assert next_run.strip() not in ("", "n/a")


def test_each_side_accepts_the_other_only_from_its_address(host):
    key_file = {DB: "/var/lib/postgresql/.ssh/authorized_keys",
                REPO: "/home/pgbackrest/.ssh/authorized_keys"}[host.backend.get_hostname()]
    lines = host.file(key_file).content_string.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('from="') and ",restrict " in lines[0]
