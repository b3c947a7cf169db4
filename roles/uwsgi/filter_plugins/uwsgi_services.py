"""What the uwsgi role does to each app's service, decided in one place (unit-tested in
tests/unit/test_uwsgi_services.py). The tasks write the files, read the host, ask this
filter, and act only on its answer."""
from __future__ import annotations

import json


def uwsgi_unit_states(systemctl_show: str) -> dict:
    """{app: {"active": bool, "enabled": bool}} from `systemctl show --property=Id,ActiveState,
    UnitFileState uwsgi-<app>...` (blocks of KEY=VALUE lines, one block per unit)."""
    states = {}
    for block in systemctl_show.strip().split("\n\n"):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        unit = props.get("Id", "")
        if unit.startswith("uwsgi-") and unit.endswith(".service"):
            states[unit[len("uwsgi-"):-len(".service")]] = {
                "active": props.get("ActiveState") == "active",
                "enabled": props.get("UnitFileState") == "enabled"}
    return states


def uwsgi_service_plan(desired: list, configured: list, states: dict, ini_changed: list,
                       unit_changed: list, restart_keys_changed: list) -> dict:
    """The apps to enable, start, restart, reload and remove, after this run wrote their files.

    desired: the apps uwsgi_apps lists. configured: the apps with an .ini on the host
    (listed or not). states: uwsgi_unit_states() read before this run touched a service.
    *_changed: the apps whose .ini, systemd unit, or restart-only settings (sockets, listen
    backlog, stats server) this run rewrote.

    - enable:  listed but not started at boot.
    - remove:  on the host but no longer listed: stopped, disabled, files deleted.
    - start:   listed but not running: starting reads the new files, nothing more is owed.
    - restart: running, and its unit or sockets changed: a graceful reload keeps the old
               unit and the sockets the master holds, so it could not apply them.
    - reload:  running, only its .ini changed: graceful (workers finish their requests).
    - daemon_reload: systemd must re-read units (one was written or one will be deleted).
    """
    desired_set = set(desired)
    active_set = {app for app, state in states.items() if state["active"]}
    enable = [app for app in desired if not states.get(app, {}).get("enabled")]
    remove = sorted(set(configured) - desired_set)
    start = [app for app in desired if app not in active_set]
    restart = [app for app in desired if app in active_set
               and (app in unit_changed or app in restart_keys_changed)]
    reload = [app for app in desired if app in active_set and app in ini_changed
              and app not in restart]
    return {"enable": enable, "start": start, "restart": restart, "reload": reload, "remove": remove,
            "daemon_reload": bool(set(unit_changed) & desired_set or remove)}


def uwsgi_changed_apps(loop_result: dict) -> list:
    """The apps a looped file task (loop_var: uwsgi_app_name) changed, from its registered result."""
    return [r["uwsgi_app_name"] for r in loop_result.get("results", []) if r.get("changed")]


def uwsgi_running_workers(stats: str | dict, before: list | None = None) -> list:
    """Pids of the workers uWSGI's stats server lists as running (a pid, not cheap or dead),
    leaving out those in `before` (the generation a reload or restart replaces). stats: the
    server's JSON (text or parsed); anything else (no answer yet) counts as none."""
    if isinstance(stats, str):
        try:
            stats = json.loads(stats)
        except ValueError:
            return []
    if not isinstance(stats, dict):
        return []
    old = set(before or [])
    return [worker["pid"] for worker in stats.get("workers", [])
            if worker.get("pid", 0) > 0 and worker.get("status") not in ("cheap", "sig", "dead")
            and worker["pid"] not in old]


class FilterModule:
    def filters(self):
        return {"uwsgi_service_plan": uwsgi_service_plan, "uwsgi_changed_apps": uwsgi_changed_apps,
                "uwsgi_unit_states": uwsgi_unit_states, "uwsgi_running_workers": uwsgi_running_workers}
