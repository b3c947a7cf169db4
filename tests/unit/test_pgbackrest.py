"""The backup role's filters: input checks that name the variable, restore guards, and the
reading of `pgbackrest info --output=json` (shape taken from pgBackRest 2.55 on the lab)."""
import pytest
from pgbackrest import (backup_problems, pg_cluster_on_port, pgbackrest_backup_line, pgbackrest_conf_value,
                        pgbackrest_error, pgbackrest_summary, restore_problems)

GROUPS = {"all": ["db1", "log1", "web1"], "database": ["db1"], "backup": ["log1"]}
GOOD = {"backup_repository_host": "log1", "backup_stanza": "demo", "backup_retention_full": 2,
        "backup_retention_diff": 6, "backup_full_schedule": "Sun *-*-* 01:30:00",
        "backup_diff_schedule": "Mon..Sat *-*-* 01:30:00", "backup_cipher_pass": "x" * 48,
        "backup_max_age_hours": 26}


def _backup(label, kind, start, stop, size=31280045, stored=3734880):
    return {"label": label, "type": kind, "timestamp": {"start": start, "stop": stop},
            "info": {"size": size, "delta": size, "repository": {"delta": stored, "size": stored}}}


INFO = [{"name": "demo", "status": {"code": 0, "message": "ok"},
         "archive": [{"id": "17-1", "min": "000000010000000000000003",
                      "max": "00000002000000000000000A"}],
         "backup": [_backup("20261124-230907F", "full", 1795561747, 1795561750),
                    _backup("20261124-230907F_20261124-231037I", "incr", 1795561837, 1795561838,
                            stored=183856)]}]


def test_good_input_has_no_problem():
    assert backup_problems(GOOD, GROUPS) == []


@pytest.mark.parametrize("change, variable", [
    ({"backup_repository_host": ""}, "backup_repository_host is empty"),
    ({"backup_repository_host": "nas9"}, "backup_repository_host = 'nas9' is not a host"),
    ({"backup_repository_host": "db1"}, "is a database host"),
    ({"backup_stanza": "my stanza"}, "backup_stanza = 'my stanza'"),
    ({"backup_retention_full": 0}, "backup_retention_full = 0: must be a whole number from 1"),
    ({"backup_retention_diff": -1}, "backup_retention_diff = -1"),
    ({"backup_retention_full": "two"}, "backup_retention_full = 'two'"),
    ({"backup_retention_full": True}, "backup_retention_full = True"),
    ({"backup_full_schedule": " "}, "backup_full_schedule is empty"),
    ({"backup_cipher_pass": "short"}, "backup_cipher_pass is 5 characters"),
    ({"backup_max_age_hours": 0}, "backup_max_age_hours = 0"),
])
def test_each_bad_value_is_refused_by_name(change, variable):
    problems = backup_problems({**GOOD, **change}, GROUPS)
    assert len(problems) == 1 and variable in problems[0], problems


def test_numbers_given_with_e_arrive_as_strings_and_are_accepted():
    assert backup_problems({**GOOD, "backup_retention_full": "3", "backup_max_age_hours": "12"}, GROUPS) == []


def test_no_cipher_is_allowed_and_two_primaries_are_not():
    assert backup_problems({**GOOD, "backup_cipher_pass": ""}, GROUPS) == []
    problems = backup_problems(GOOD, {**GROUPS, "database": ["db1", "db2"]})
    assert problems == ["the `database` group has 2 hosts (db1, db2): the backup role protects "
                        "one primary per stanza"]


def test_a_restore_needs_the_host_named_and_a_readable_target():
    assert restore_problems("db1", "db1", "2026-11-24 09:30:00+00", "") == []
    assert restore_problems("db1", "db1", "2026-11-24 09:30:00.123456+00:00", "20261124-230907F") == []
    assert "-e backup_restore_confirm=db1" in restore_problems("db1", "", "", "")[0]
    assert "-e backup_restore_confirm=db1" in restore_problems("db1", "db2", "", "")[0]
    assert "restore_target_time = 'yesterday'" in restore_problems("db1", "db1", "yesterday", "")[0]
    assert "restore_set = 'latest'" in restore_problems("db1", "db1", "", "latest")[0]


def test_the_summary_names_the_last_backup_of_each_kind():
    summary = pgbackrest_summary(INFO, "demo")
    assert summary["ok"] and summary["status"] == "ok" and summary["code"] == 0
    assert (summary["last_full"], summary["last_diff"], summary["last_incr"]) == (
        "20261124-230907F", None, "20261124-230907F_20261124-231037I")
    assert (summary["wal_min"], summary["wal_max"]) == ("000000010000000000000003",
                                                        "00000002000000000000000A")
    assert summary["last_stop_epoch"] == 1795561838
    assert summary["backups"][0]["start"] == "2026-11-24 23:09:07+00"


def test_a_missing_stanza_or_empty_repository_is_not_ok():
    assert pgbackrest_summary(INFO, "other")["ok"] is False
    empty = [{"name": "demo", "status": {"code": 2, "message": "no valid backups"}, "archive": [],
              "backup": []}]
    summary = pgbackrest_summary(empty, "demo")
    assert (summary["ok"], summary["backups"], summary["last_stop_epoch"]) == (False, [], None)


def test_a_backup_line_gives_sizes_in_units():
    line = pgbackrest_backup_line(pgbackrest_summary(INFO, "demo")["backups"][1])
    assert line == ("  20261124-230907F_20261124-231037I  incr  2026-11-24 23:10:37+00 .. "
                    "2026-11-24 23:10:38+00  database 29.8 MB, stored 179.5 kB")


def test_an_error_keeps_the_lines_that_give_its_cause():
    output = ("2026-11-24 23:15:21.821 P00   INFO: check command begin 2.55.1\n"
              "2026-11-24 23:15:21.821 P00  ERROR: [041]: unable to load info file 'x/archive.info':\n"
              "                                    FileOpenError: unable to open file: [13] Permission denied\n")
    assert pgbackrest_error(output) == ("ERROR: [041]: unable to load info file 'x/archive.info': "
                                        "FileOpenError: unable to open file: [13] Permission denied")
    assert pgbackrest_error("") == "no output"
    assert pgbackrest_error("ERROR: " + "x" * 700).endswith(" ...")


def test_a_config_value_is_read_by_its_key():
    conf = "[global]\nrepo1-path=/var/lib/pgbackrest\nrepo1-cipher-pass=abc=def\n[demo]\npg1-port=5432\n"
    assert pgbackrest_conf_value(conf, "repo1-cipher-pass") == "abc=def"
    assert pgbackrest_conf_value(conf, "repo1-cipher-type") == ""
    assert pgbackrest_conf_value("", "x") == ""


def test_the_cluster_on_a_port_is_found_running_or_not():
    lines = ["15 main 5432 down   postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log",
             "17 main 5433 online postgres /var/lib/postgresql/17/main /var/log/postgresql/postgresql-17-main.log"]
    assert pg_cluster_on_port(lines, 5433) == {
        "version": "17", "name": "main", "port": "5433", "status": "online", "owner": "postgres",
        "data": "/var/lib/postgresql/17/main", "log": "/var/log/postgresql/postgresql-17-main.log"}
    assert pg_cluster_on_port(lines, "5432")["status"] == "down"
    with pytest.raises(ValueError, match="no PostgreSQL cluster listens on port 5434"):
        pg_cluster_on_port(lines, 5434)
