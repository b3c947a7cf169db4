"""Sizing and input checks for the uwsgi role (unit-tested in tests/unit/test_uwsgi_sizing.py)."""
from __future__ import annotations

import ipaddress
import re

# syslog facilities by name (RFC 3164 section 4.1.1).
FACILITIES = {"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6,
              "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
              **{f"local{n}": 16 + n for n in range(8)}}
SEVERITY_INFO = 6

# Per-app keys that fall back to a role-wide variable of the same name (uwsgi_<key>).
ROLE_WIDE_KEYS = ("user", "group", "socket_address", "port", "protocol", "processes", "threads",
                  "listen", "harakiri", "max_requests", "max_worker_lifetime",
                  "max_worker_lifetime_delta", "min_worker_lifetime", "reload_on_rss",
                  "request_logging")

# Options the role's template writes itself; setting them again through extra options would
# give uWSGI two values, so they are rejected with the variable to use instead.
MANAGED_OPTIONS = {
    "plugins": "the role loads python3 and rsyslog itself",
    "strict": "always on: it is what rejects typos", "master": "always on",
    "socket": "socket_address/port", "http-socket": "protocol: http",
    "stats": "stats_port", "processes": "processes", "workers": "processes",
    "threads": "threads", "listen": "listen", "harakiri": "harakiri",
    "max-requests": "max_requests", "max-worker-lifetime": "max_worker_lifetime",
    "max-worker-lifetime-delta": "max_worker_lifetime_delta",
    "min-worker-lifetime": "min_worker_lifetime",
    "reload-on-rss": "reload_on_rss", "module": "module", "wsgi-file": "wsgi_file",
    "chdir": "chdir", "virtualenv": "virtualenv", "home": "virtualenv",
    "logger": "uwsgi_syslog_host", "req-logger": "uwsgi_syslog_host",
    "disable-logging": "request_logging", "daemonize": "never under systemd",
    "uid": "user (systemd starts the app as that user)", "gid": "group",
}

APP_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


def uwsgi_syslog_priority(facility: str, severity: int = SEVERITY_INFO) -> int:
    """The <PRI> number of an RFC 3164 message: facility x 8 + severity (local0.info = 134)."""
    return FACILITIES[facility] * 8 + int(severity)


def uwsgi_apps_with_defaults(apps: list, role_vars: dict) -> list[dict]:
    """Each app with every key present: its own values over the role-wide uwsgi_* variables."""
    full = []
    for app in apps:
        merged = {key: role_vars[f"uwsgi_{key}"] for key in ROLE_WIDE_KEYS}
        merged.update({"module": "", "wsgi_file": "", "chdir": "", "virtualenv": "", "env": {},
                       "extra_options": {},
                       "syslog_tag": f"{role_vars['uwsgi_syslog_tag_prefix']}-{app.get('name')}"})
        merged.update({k: v for k, v in app.items() if v is not None})
        merged["extra_options"] = {**role_vars["uwsgi_extra_options"], **merged["extra_options"]}
        merged["group"] = merged["group"] or merged["user"]
        if "stats_port" not in app or app["stats_port"] is None:
            merged["stats_port"] = int(merged["port"]) + int(role_vars["uwsgi_stats_port_offset"])
        offset = int(role_vars.get("uwsgi_http_port_offset") or 0)
        if app.get("http_port") is None:
            merged["http_port"] = int(merged["port"]) + offset if offset and merged["protocol"] != "http" else None
        full.append(merged)
    return full


def _address_problem(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"'{address}' is not an IP address"
    if ip.is_unspecified:
        return f"'{address}' listens on every interface"
    if not (ip.is_private or ip.is_loopback):
        return f"'{address}' is a public address"
    return None


def uwsgi_config_problems(apps: list, role_vars: dict, somaxconn) -> list[str]:
    """Everything wrong with the role's input, as messages that name the variable and the fix.

    apps: uwsgi_apps after uwsgi_apps_with_defaults. role_vars: the role-wide variables used
    by the checks. somaxconn: the host's net.core.somaxconn (caps every socket's backlog).
    """
    problems = []
    names = [app.get("name") for app in apps]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"uwsgi_apps: the name '{duplicate}' is used twice; each app needs its own.")
    ports: dict[tuple, str] = {}
    for app in apps:
        where = f"uwsgi_apps entry '{app.get('name')}'"
        if not APP_NAME.match(str(app.get("name"))):
            problems.append(f"{where}: name must be lower-case letters, digits, '-' or '_' (it "
                            f"names the service uwsgi-<name>).")
        if bool(app["module"]) == bool(app["wsgi_file"]):
            problems.append(f"{where}: give exactly one of 'module' (e.g. 'app:application') or "
                            f"'wsgi_file' (a path).")
        if not app["chdir"]:
            problems.append(f"{where}: 'chdir' (the app's folder) is required.")
        address_problem = _address_problem(str(app["socket_address"]))
        if address_problem and not role_vars["uwsgi_allow_public_socket"]:
            problems.append(f"{where}: socket_address {address_problem}; uWSGI must only be "
                            f"reachable by the web tier. Use the host's private_address or "
                            f"127.0.0.1 (or set uwsgi_allow_public_socket: true behind a firewall).")
        for kind in ("port", "stats_port", "http_port"):
            if app.get(kind) is None:
                continue
            port = int(app[kind])
            if not 1 <= port <= 65535:
                problems.append(f"{where}: {kind} {port} is not a TCP port (1-65535).")
            if port in ports:
                problems.append(f"{where}: {kind} {port} is already taken by {ports[port]}; "
                                f"give each app its own port (stats_port defaults to port + "
                                f"uwsgi_stats_port_offset, http_port to port + uwsgi_http_port_offset).")
            ports[port] = f"{app.get('name')} ({kind})"
        for key in ("processes", "threads"):
            if int(app[key]) < 1:
                problems.append(f"{where}: {key} must be at least 1 (uwsgi_{key} or the app's "
                                f"'{key}').")
        if int(app["max_worker_lifetime"]) <= int(app["min_worker_lifetime"]):
            problems.append(f"{where}: max_worker_lifetime ({app['max_worker_lifetime']}) must be "
                            f"above min_worker_lifetime ({app['min_worker_lifetime']}); uWSGI "
                            f"refuses to start otherwise. Raise uwsgi_max_worker_lifetime or lower "
                            f"uwsgi_min_worker_lifetime (or the app's own values).")
        if int(app["listen"]) > int(somaxconn):
            problems.append(f"{where}: listen backlog {app['listen']} is above this host's "
                            f"net.core.somaxconn ({somaxconn}); uWSGI refuses to start. Lower "
                            f"uwsgi_listen or raise net.core.somaxconn (common_sysctl_extra in the common role).")
        for option in sorted(app["extra_options"]):
            if option in MANAGED_OPTIONS:
                problems.append(f"{where}: extra option '{option}' is set by the role; use "
                                f"{MANAGED_OPTIONS[option]} instead (uwsgi_extra_options or the "
                                f"app's 'extra_options').")
    if role_vars["uwsgi_cheaper_enabled"]:
        for app in apps:
            processes = int(app["processes"])
            minimum = int(role_vars["uwsgi_cheaper_min_workers"])
            initial = int(role_vars["uwsgi_cheaper_initial_workers"])
            if not 1 <= minimum < processes:
                problems.append(f"uwsgi_apps entry '{app.get('name')}': uwsgi_cheaper_min_workers "
                                f"({minimum}) must be at least 1 and below processes ({processes}).")
            elif not minimum <= initial <= processes:
                problems.append(f"uwsgi_apps entry '{app.get('name')}': uwsgi_cheaper_initial_"
                                f"workers ({initial}) must lie between uwsgi_cheaper_min_workers "
                                f"({minimum}) and processes ({processes}).")
    return problems


class FilterModule:
    def filters(self):
        return {"uwsgi_syslog_priority": uwsgi_syslog_priority,
                "uwsgi_apps_with_defaults": uwsgi_apps_with_defaults,
                "uwsgi_config_problems": uwsgi_config_problems}
