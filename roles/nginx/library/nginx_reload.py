#!/usr/bin/python
"""Ansible module: reload (or restart) nginx and see it take the new configuration.

`systemctl reload nginx` only sends the master a signal and reports success whatever
follows. A master that cannot apply the new configuration (a listen address it cannot bind)
logs an [emerg] line and keeps its old workers; one told `worker_processes 0` starts none.
Both passed `nginx -t` and a reload that said success. This module waits for what a working
reload looks like: the master alive, a new generation of workers (none of the old ones
still accepting), as many as configured, and reports nginx's own error lines when not."""
from __future__ import annotations

import os
import subprocess
import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: nginx_reload
short_description: Reload or restart nginx and wait until its new workers run
description:
  - Reloads (or restarts) nginx through systemd, then waits until the master runs a new
    generation of exactly I(workers) worker processes; fails with nginx's error-log lines
    written since the reload when it does not.
options:
  state: {description: What to do., type: str, choices: [reloaded, restarted], default: reloaded}
  workers:
    description: Worker processes the configuration starts; unset, any number from one up (C(auto), or going back to a
      configuration whose count is not known).
    type: int
  error_log: {description: nginx's error log., type: path, default: /var/log/nginx/error.log}
  pid_file: {description: The master's pid file., type: path, default: /run/nginx.pid}
  timeout: {description: Seconds to wait for the new workers., type: float, default: 15}
"""

RETURN = r"""
master: {description: The master's pid., type: int, returned: always}
workers: {description: Pids of the master's new workers (not shutting down)., type: list, returned: always}
errors: {description: Error-log lines at level emerg, alert or crit since the reload., type: list, returned: always}
"""

WORKER = "nginx: worker process"
SHUTTING_DOWN = "nginx: worker process is shutting down"
SEVERE = ("[emerg]", "[alert]", "[crit]")


def processes(proc: str = "/proc") -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(f"{proc}/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"{proc}/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        found[int(entry)] = (parent, command)
    return found


def active_workers(table: dict[int, tuple[int, str]], master: int) -> set[int]:
    """The master's workers that accept requests (old ones finishing theirs excluded)."""
    return {pid for pid, (parent, command) in table.items()
            if parent == master and command.startswith(WORKER) and not command.startswith(SHUTTING_DOWN)}


def reload_done(before: set[int], now: set[int], expected: int | None) -> bool:
    """A reload took: no worker from before still accepts, and as many new ones as configured
    (None: at least one). Zero workers never counts as done: nothing would answer."""
    return bool(now) and not before & now and (expected is None or len(now) == expected)


def severe_lines(text: str) -> list[str]:
    """The emerg, alert and crit lines, each once (a failed bind() is logged five times)."""
    lines = [line.strip() for line in text.splitlines() if any(level in line for level in SEVERE)]
    return list(dict.fromkeys(lines))[-10:]


def read_master(pid_file: str) -> int:
    try:
        with open(pid_file, encoding="utf-8") as handle:
            return int(handle.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def main() -> None:
    module = AnsibleModule(argument_spec={
        "state": {"type": "str", "choices": ["reloaded", "restarted"], "default": "reloaded"},
        "workers": {"type": "int"},
        "error_log": {"type": "path", "default": "/var/log/nginx/error.log"},
        "pid_file": {"type": "path", "default": "/run/nginx.pid"},
        "timeout": {"type": "float", "default": 15},
    })
    params = module.params
    if params["workers"] is not None and params["workers"] < 1:
        module.fail_json(msg=f"not reloading nginx: its configuration starts {params['workers']} worker "
                             "processes, so nothing would answer (nginx_worker_processes)", master=0, workers=[], errors=[])
    master = read_master(params["pid_file"])
    before = active_workers(processes(), master) if master else set()
    try:
        offset = os.path.getsize(params["error_log"])
    except OSError:
        offset = 0
    action = "reload" if params["state"] == "reloaded" else "restart"
    if action == "restart":  # a restart is for what the unit's drop-ins hold: make systemd read them
        subprocess.run(["systemctl", "daemon-reload"], capture_output=True, check=False)
    result = subprocess.run(["systemctl", action, "nginx"], capture_output=True, text=True, check=False)

    def new_errors() -> list[str]:
        try:
            with open(params["error_log"], encoding="utf-8", errors="replace") as log:
                log.seek(offset if os.path.getsize(params["error_log"]) >= offset else 0)
                return severe_lines(log.read())
        except OSError:
            return []

    if result.returncode != 0:
        module.fail_json(msg=f"systemctl {action} nginx failed: {(result.stderr or result.stdout).strip()}",
                         master=master, workers=[], errors=new_errors())
    deadline = time.monotonic() + params["timeout"]
    now: set[int] = set()
    while True:
        master = read_master(params["pid_file"])
        alive = master > 0 and os.path.exists(f"/proc/{master}")
        now = active_workers(processes(), master) if alive else set()
        if alive and reload_done(before, now, params["workers"]):
            module.exit_json(changed=True, master=master, workers=sorted(now), errors=new_errors())
        if time.monotonic() > deadline:
            break
        # a master that logged why it keeps its old configuration will not change its mind
        if alive and before & now and any("still could not bind" in line for line in new_errors()):
            break
        time.sleep(0.2)
    errors = new_errors()
    if not alive:
        state = "the master is not running"
    elif before & now:
        state = f"the master kept its old workers ({len(before & now)} still accepting): the new configuration was not applied"
    else:
        state = f"{len(now)} workers run, {params['workers'] or 'at least 1'} configured"
    module.fail_json(msg=f"nginx {action} did not take after {params['timeout']:.0f} s: {state}."
                         + (f" nginx said: {' | '.join(errors)}" if errors else ""),
                     master=master, workers=sorted(now), errors=errors)


if __name__ == "__main__":
    main()
