"""Site and upstream defaults and input checks for the nginx role (unit-tested in tests/unit/test_nginx_sizing.py)."""
from __future__ import annotations

import re


SITE_DEFAULTS = {"server_names": [], "tls": False, "tls_certificate": "", "tls_certificate_key": "", "acme": False,
                 "static_url": "", "static_root": "", "static_expires": None, "upstream": "",
                 "default_server": False, "microcache": False}
# nginx's time and size syntax, as the micro-cache's directives take them.
NGINX_TIME = re.compile(r"[1-9][0-9]*(ms|s|m|h|d)?")
NGINX_SIZE = re.compile(r"[1-9][0-9]*[kKmMgG]?")


def nginx_sites_with_defaults(sites: list, static_expires: str, microcache: bool = False) -> list[dict]:
    """Each site with every key present, so tasks and templates test plain truthiness."""
    return [{**SITE_DEFAULTS, "static_expires": static_expires, "microcache": bool(microcache), **site}
            for site in sites]


def microcache_problems(config: dict) -> list[str]:
    """The micro-cache's validity and sizes, in the syntax nginx takes (checked only when a site uses it)."""
    problems = []
    if not any(site.get("microcache") for site in config.get("nginx_sites", [])):
        return problems
    for name in ("nginx_microcache_valid", "nginx_microcache_inactive", "nginx_microcache_lock_timeout"):
        value = str(config.get(name, "1s")).strip()
        if not NGINX_TIME.fullmatch(value):
            problems.append(f"{name} ('{value}') must be an nginx time above zero, such as 1s, 500ms or 10m.")
    for name in ("nginx_microcache_zone_size", "nginx_microcache_max_size"):
        value = str(config.get(name, "10m")).strip()
        if not NGINX_SIZE.fullmatch(value):
            problems.append(f"{name} ('{value}') must be an nginx size above zero, such as 10m or 1g.")
    for cookie in config.get("nginx_microcache_bypass_cookies", []):
        if not re.fullmatch(r"[A-Za-z0-9_]+", str(cookie)):
            problems.append(f"nginx_microcache_bypass_cookies: '{cookie}' is not a cookie name nginx can test "
                            f"(letters, digits and '_' only).")
    for site in config["nginx_sites"]:
        if site.get("microcache") and not site.get("upstream"):
            problems.append(f"nginx_sites entry '{site.get('name')}': microcache: true needs an upstream "
                            f"(the cache keeps the app's answers; static files are served from disk).")
    return problems


def nginx_access_logs(path: str, buffer: str, flush: str, syslog: str, log_format: str = "wsgikit") -> list[str]:
    """The http block's access_log directives: the file (buffered or not) and the syslog copy.
    A file set to "off" leaves the syslog copy on, since nginx's `access_log off` would cancel
    every access_log of its level, the shipped one too; only with neither is it "off"."""
    logs = []
    if str(path) != "off":
        logs.append(f"{path} {log_format}" + (f" buffer={buffer} flush={flush}" if buffer else ""))
    if syslog:
        logs.append(f"{syslog} {log_format}")
    return logs or ["off"]


def nginx_upstreams_with_defaults(upstreams: list, defaults: dict) -> list[dict]:
    """Each upstream over the role's nginx_upstream_defaults."""
    return [{"servers": [], "group": "", **defaults, **upstream} for upstream in upstreams]


def nginx_config_problems(config: dict, upstream_groups: dict, nofile_ceiling) -> list[str]:
    """Everything wrong with the role's input, as messages that name the variable and the fix.

    config: the role's variables (worker_connections, worker_rlimit_nofile, sites, upstreams).
    upstream_groups: inventory group name -> its hosts. nofile_ceiling: the most open files a
    process on the host can have (kit filter nofile_ceiling).
    """
    problems = []
    connections = int(config["nginx_worker_connections"])
    rlimit = int(config["nginx_worker_rlimit_nofile"])
    ceiling = int(nofile_ceiling)
    workers = str(config.get("nginx_worker_processes", "auto")).strip()
    if workers != "auto" and not (workers.isdigit() and int(workers) >= 1):
        problems.append(f"nginx_worker_processes ({workers}) must be 'auto' or a whole number from 1 up: "
                        f"with 0 nginx starts and answers nothing.")
    if connections < 1:
        problems.append(f"nginx_worker_connections ({connections}) must be from 1 up (the kit's default is "
                        f"sized from the host's open-files ceiling).")
    days = config.get("nginx_selfsigned_days")
    if days is not None and not 1 <= int(days) <= 365:
        problems.append(f"nginx_selfsigned_days ({days}) must be from 1 to 365: clients and Mozilla's TLS "
                        f"profiles refuse a leaf certificate that lives longer than 366 days.")
    if rlimit < 2 * connections:
        problems.append(
            f"nginx_worker_rlimit_nofile ({rlimit}) is below 2 x nginx_worker_connections "
            f"({2 * connections}): a proxied client needs two connections, so workers would run "
            f"out of files first. Raise nginx_worker_rlimit_nofile or lower nginx_worker_connections.")
    if rlimit > ceiling:
        problems.append(
            f"nginx_worker_rlimit_nofile ({rlimit}) is above the {ceiling} open files this host "
            f"allows a process: nginx would fail to set it. Lower nginx_worker_connections to at "
            f"most {ceiling // 2} and nginx_worker_rlimit_nofile to at most {ceiling}, or raise the "
            f"host's hard limit.")

    upstreams = {u.get("name"): u for u in config["nginx_upstreams"]}
    for upstream in config["nginx_upstreams"]:
        where = f"nginx_upstreams entry '{upstream.get('name')}'"
        if bool(upstream.get("servers")) == bool(upstream.get("group")):
            problems.append(f"{where}: give exactly one of 'servers' (addresses) or 'group' "
                            f"(an inventory group whose hosts' private_address are used).")
        elif upstream.get("group") and not upstream_groups.get(upstream["group"]):
            problems.append(f"{where}: inventory group '{upstream['group']}' has no hosts: add "
                            f"the app hosts to it, or list 'servers' instead.")

    names = [site.get("name") for site in config["nginx_sites"]]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"nginx_sites: the name '{duplicate}' is used twice; each site needs its own.")
    for site in config["nginx_sites"]:
        where = f"nginx_sites entry '{site.get('name')}'"
        if site.get("upstream") and site["upstream"] not in upstreams:
            problems.append(f"{where}: upstream '{site['upstream']}' is not in nginx_upstreams "
                            f"({', '.join(sorted(upstreams)) or 'none defined'}).")
        if not site.get("server_names"):
            problems.append(f"{where}: server_names is empty; name the host names the site answers to "
                            f"(nginx would fall back to an unnamed server).")
        if site.get("acme"):
            problems += acme_site_problems(site, where, config.get("nginx_acme_directory", ""))
        elif site.get("tls") and not site.get("tls_certificate") and not config.get("nginx_selfsigned_allowed", True):
            problems.append(f"{where}: TLS without tls_certificate would serve a self-signed certificate, "
                            f"which nginx_selfsigned_allowed forbids here (false by default in production): "
                            f"give the site acme: true or its certificate and key (from vault), or set "
                            f"nginx_selfsigned_allowed: true.")
        if bool(site.get("tls_certificate")) != bool(site.get("tls_certificate_key")):
            problems.append(f"{where}: set both tls_certificate and tls_certificate_key, or neither "
                            f"(a self-signed certificate is then generated).")
        static_url = site.get("static_url")
        if static_url and not (static_url.startswith("/") and static_url.endswith("/")):
            problems.append(f"{where}: static_url '{static_url}' must start and end with '/'.")
        if static_url and not site.get("static_root"):
            problems.append(f"{where}: static_url is set but static_root (the folder) is not.")
    if sum(bool(site.get("default_server")) for site in config["nginx_sites"]) > 1:
        problems.append("nginx_sites: more than one site has default_server: true; at most one can.")
    return problems + microcache_problems(config)


def acme_site_problems(site: dict, where: str, directory: str) -> list[str]:
    """What stops a site with acme: true from getting its certificate over HTTP-01."""
    problems = []
    if not site.get("tls"):
        problems.append(f"{where}: acme: true needs tls: true (the certificate is for its HTTPS server).")
    if site.get("tls_certificate"):
        problems.append(f"{where}: give either acme: true or tls_certificate/tls_certificate_key, not both.")
    for name in site.get("server_names") or []:
        if "*" in name or not re.fullmatch(r"[A-Za-z0-9.-]+", name) or re.fullmatch(r"[0-9.]+", name):
            problems.append(f"{where}: server name '{name}' cannot get an ACME certificate over HTTP-01 "
                            f"(wildcards, addresses and patterns cannot): list plain host names, or give the "
                            f"site its own tls_certificate.")
    if not str(directory).startswith("https://"):
        problems.append(f"nginx_acme_directory ('{directory}') must be the ACME server's https:// directory "
                        f"URL (Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory).")
    return problems


def nginx_acme_due(sites: list[dict], infos: list[dict]) -> list[str]:
    """Names of the acme sites that need a certificate: none yet, or one for other names.

    infos: the results of community.crypto.x509_certificate_info looped over the existing
    certificates' stat results (each result's item.item is its site).
    """
    covered = {}
    for info in infos:
        names = {n[4:].lower() for n in info.get("subject_alt_name") or [] if n.startswith("DNS:")}
        covered[info["item"]["item"]["name"]] = names
    return [site["name"] for site in sites
            if covered.get(site["name"]) != {n.lower() for n in site["server_names"]}]


class FilterModule:
    def filters(self):
        return {"nginx_sites_with_defaults": nginx_sites_with_defaults,
                "nginx_access_logs": nginx_access_logs,
                "nginx_upstreams_with_defaults": nginx_upstreams_with_defaults,
                "nginx_config_problems": nginx_config_problems,
                "nginx_acme_due": nginx_acme_due}
