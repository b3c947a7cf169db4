"""The backup role's decisions, unit-tested in tests/unit/test_pgbackrest.py: what is wrong
with the role's input, and what `pgbackrest info --output=json` says about a stanza."""
from __future__ import annotations

import re
from datetime import datetime, timezone

STANZA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# What pgBackRest's --target accepts for a point in time, as the kit documents it.
TARGET_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?)?$")


def _whole(value):
    """An int from an int or a string of digits (-e values are strings); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def backup_problems(options: dict, groups: dict) -> list[str]:
    """Every reason the role cannot run with these options, each naming its variable.

    options: the backup_* variables; groups: the inventory's groups.
    """
    problems = []
    repository = options.get("backup_repository_host") or ""
    databases = groups.get("database", [])
    if not repository:
        problems.append("backup_repository_host is empty: add a host to the inventory's `backup` "
                        "group (a host other than the database host) or set backup_repository_host")
    elif repository not in groups.get("all", []):
        problems.append(f"backup_repository_host = {repository!r} is not a host of this inventory "
                        f"(hosts: {', '.join(sorted(groups.get('all', [])))})")
    elif repository in databases:
        problems.append(f"backup_repository_host = {repository!r} is a database host: a repository "
                        "on the host it protects is lost with it; use another host")
    if len(databases) != 1:
        problems.append(f"the `database` group has {len(databases)} hosts ({', '.join(databases)}): "
                        "the backup role protects one primary per stanza")
    if not STANZA.match(str(options.get("backup_stanza", ""))):
        problems.append(f"backup_stanza = {options.get('backup_stanza')!r}: letters, digits, "
                        "'_', '.' and '-' only")
    for name in ("backup_retention_full", "backup_retention_diff"):
        value = options.get(name)
        if _whole(value) is None or not 1 <= _whole(value) <= 9999999:
            problems.append(f"{name} = {value!r}: must be a whole number from 1 to 9999999 "
                            "(how many are kept; 0 would keep none)")
    for name in ("backup_full_schedule", "backup_diff_schedule"):
        if not str(options.get(name) or "").strip():
            problems.append(f"{name} is empty: give a systemd OnCalendar expression "
                            "(e.g. 'Sun *-*-* 01:30:00')")
    cipher = options.get("backup_cipher_pass") or ""
    if cipher and len(cipher) < 20:
        problems.append(f"backup_cipher_pass is {len(cipher)} characters: use at least 20 "
                        "(e.g. `openssl rand -base64 48`), from vault")
    max_age = options.get("backup_max_age_hours")
    if _whole(max_age) is None or _whole(max_age) < 1:
        problems.append(f"backup_max_age_hours = {max_age!r}: must be a whole number of hours, 1 or more")
    return problems


def restore_problems(host: str, confirm, target_time, backup_set) -> list[str]:
    """Why playbooks/restore.yml must not run on `host` with these -e values."""
    problems = []
    if str(confirm or "") != host:
        problems.append(f"backup_restore_confirm = {confirm!r}: a restore replaces every database on "
                        f"{host}. Re-run with -e backup_restore_confirm={host} to say you mean it")
    if target_time and not TARGET_TIME.match(str(target_time)):
        problems.append(f"backup_restore_target_time = {target_time!r}: give 'YYYY-MM-DD HH:MM:SS' with "
                        "an optional fraction and UTC offset, e.g. '2026-11-24 09:30:00+00'")
    if backup_set and not re.match(r"^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$", str(backup_set)):
        problems.append(f"backup_restore_set = {backup_set!r}: a backup label as `make backup-status` "
                        "lists it, e.g. 20261124-093000F or 20261124-093000F_20261124-101500D")
    return problems


def pg_cluster_on_port(lines: list, port) -> dict:
    """The cluster on `port` from `pg_lsclusters --no-header`: {version, name, port, status,
    owner, data, log}; a port without a cluster is an error that says so."""
    keys = ("version", "name", "port", "status", "owner", "data", "log")
    for line in lines or []:
        fields = line.split()
        if len(fields) >= 6 and fields[2] == str(port):
            return dict(zip(keys, fields))
    raise ValueError(f"no PostgreSQL cluster listens on port {port} (pg_lsclusters lists: "
                     f"{'; '.join(lines or []) or 'none'}): check postgresql_port in the inventory")


def _when(epoch) -> str:
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


def pgbackrest_summary(info: list, stanza: str) -> dict:
    """The parts of `pgbackrest info --output=json` an operator asks for first.

    Returns {ok, code (pgBackRest's status code), status, backups: [{label, type, start, stop, size, repo_size}] oldest first,
    last_full, last_diff, last_incr (labels or None), wal_min, wal_max, last_stop_epoch}.
    """
    entry = next((s for s in info or [] if s.get("name") == stanza), None)
    if entry is None:
        return {"ok": False, "code": None, "status": f"stanza {stanza!r} is not in the repository", "backups": [],
                "last_full": None, "last_diff": None, "last_incr": None,
                "wal_min": None, "wal_max": None}
    backups = [{"label": b["label"], "type": b["type"],
                "start": _when(b["timestamp"]["start"]), "stop": _when(b["timestamp"]["stop"]),
                "size": b["info"]["size"], "repo_size": b["info"]["repository"]["delta"]}
               for b in entry.get("backup", [])]
    last = {kind: next((b["label"] for b in reversed(backups) if b["type"] == kind), None)
            for kind in ("full", "diff", "incr")}
    archives = [a for a in entry.get("archive", []) if a.get("min")]
    return {"ok": entry["status"]["code"] == 0, "code": entry["status"]["code"],
            "status": entry["status"]["message"],
            "backups": backups, "last_full": last["full"], "last_diff": last["diff"],
            "last_incr": last["incr"],
            "wal_min": archives[0]["min"] if archives else None,
            "wal_max": archives[-1]["max"] if archives else None,
            "last_stop_epoch": max((b["timestamp"]["stop"] for b in entry.get("backup", [])),
                                   default=None)}


def pgbackrest_conf_value(text: str, key: str) -> str:
    """A key's value in a pgbackrest.conf ("" when absent): the first `key=value` line."""
    for line in (text or "").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            return value.strip()
    return ""


def pgbackrest_error(output: str, limit: int = 600) -> str:
    """pgBackRest's first error from a command's output, with the lines that explain it (the
    cause often follows on the next lines: "FileOpenError: ... Permission denied")."""
    match = re.search(r"ERROR: .*", output or "", re.DOTALL)
    if not match:
        return (output or "").strip()[-limit:] or "no output"
    text = " ".join(match.group(0).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def pgbackrest_backup_line(backup: dict) -> str:
    """One backup from pgbackrest_summary as a line of `make backup-status`."""
    return (f"  {backup['label']}  {backup['type']:<4}  {backup['start']} .. {backup['stop']}  "
            f"database {_size(backup['size'])}, stored {_size(backup['repo_size'])}")


def _size(count: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


class FilterModule:
    def filters(self):
        return {"backup_problems": backup_problems, "backup_restore_problems": restore_problems,
                "pgbackrest_summary": pgbackrest_summary,
                "pgbackrest_backup_line": pgbackrest_backup_line, "pgbackrest_error": pgbackrest_error,
                "pgbackrest_conf_value": pgbackrest_conf_value,
                "pg_cluster_on_port": pg_cluster_on_port}
