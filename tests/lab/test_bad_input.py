"""Bad input is refused before any host changes: each case runs the tier it belongs to on the
lab's one deploy with one bad value, and must fail with a message naming the variable. No
configuration file on any host may differ afterwards. Cases run four at a time (each is a
read-only preflight). The proofs after this one run every tier with good values again.
Seen failing: the postgresql_client_group case, before its check, rewrote pg_hba without the
app hosts and reported success (changed=2)."""
import concurrent.futures
import json

from labtools import playbook

SITE = {"name": "app", "server_names": ["web1"], "tls": True, "static_url": "/static/",
        "static_root": "/srv/demo/static", "upstream": "app"}
CASES = [
    # (tier tag, extra vars, what the message must name)
    ("web", {"nginx_worker_processes": 0}, "nginx_worker_processes"),
    ("web", {"nginx_worker_connections": -100}, "nginx_worker_connections"),
    ("web", {"nginx_worker_processes_per_cpu": -1}, "nginx_worker_processes_per_cpu"),
    ("web", {"nginx_selfsigned_days": 825}, "nginx_selfsigned_days"),
    ("web", {"nginx_keepalive_requests": 0}, "nginx_keepalive_requests"),
    ("web", {"nginx_gzip_comp_level": 12}, "nginx_gzip_comp_level"),
    ("web", {"nginx_open_file_cache_min_uses": "often"}, "nginx_open_file_cache_min_uses"),
    ("web", {"nginx_hsts_max_age": -1}, "nginx_hsts_max_age"),
    ("web", {"nginx_sites": [dict(SITE, server_names=[])]}, "server_names is empty"),
    ("web", {"nginx_sites": [dict(SITE, upstream="nope")]}, "nope"),
    ("web", {"kit_environment": "production", "nginx_sites": [SITE]}, "nginx_selfsigned_allowed"),
    ("web", {"nginx_sites": [dict(SITE, acme=True, server_names=["*.web1"])]}, "'*.web1' cannot get an ACME"),
    ("web", {"nginx_acme_directory": "http://172.29.213.1:14000/dir"}, "nginx_acme_directory"),
    ("web", {"nginx_microcache_enabled": True, "nginx_microcache_valid": "0"}, "nginx_microcache_valid"),
    ("app", {"uwsgi_processes_per_cpu": 0}, "uwsgi_processes_per_cpu"),
    ("app", {"uwsgi_harakiri": -3}, "uwsgi_harakiri"),
    ("app", {"uwsgi_port": 70000}, "uwsgi_port"),
    ("app", {"uwsgi_listen": 0}, "uwsgi_listen"),
    ("app", {"uwsgi_threads": 0}, "uwsgi_threads"),
    ("app", {"uwsgi_buffer_size": 100}, "uwsgi_buffer_size"),
    ("app", {"uwsgi_max_requests": -1}, "uwsgi_max_requests"),
    ("app", {"uwsgi_worker_reload_mercy": 0}, "uwsgi_worker_reload_mercy"),
    ("app", {"uwsgi_apply_timeout": 1}, "uwsgi_apply_timeout"),
    ("app", {"uwsgi_cheaper_busyness_max": 500}, "uwsgi_cheaper_busyness_max"),
    ("app", {"uwsgi_http_port_offset": -80}, "uwsgi_http_port_offset"),
    ("database", {"postgresql_max_connections": -5}, "postgresql_max_connections"),
    ("database", {"postgresql_client_group": "nope"}, "postgresql_client_group"),
    ("database", {"postgresql_client_group": ""}, "postgresql_client_group"),
    ("database", {"postgresql_client_networks": ["0.0.0.0/0"]}, "postgresql_client_networks"),
    ("database", {"postgresql_client_networks": ["10.0.0.300/8"]}, "postgresql_client_networks"),
    ("database", {"postgresql_port": 70000}, "postgresql_port"),
    ("database", {"postgresql_port": 5433}, "postgresql_port is 5433, but cluster"),
    ("database", {"postgresql_settings": {"work_mem": "1GB"}, "postgresql_max_connections": 500}, "work_mem"),
    ("database", {"postgresql_settings": {"shared_buffers": "64TB"}}, "shared_buffers"),
    ("backup", {"backup_retention_full": 0}, "backup_retention_full"),
    ("backup", {"backup_max_age_hours": 0}, "backup_max_age_hours"),
    ("firewall", {"firewall_admin_networks": ["0.0.0.0/0"]}, "firewall_admin_networks"),
    ("firewall", {"firewall_admin_networks": []}, "firewall_admin_networks"),
    ("firewall", {"firewall_extra_rules": [{"port": 0, "from": "any"}]}, "firewall_extra_rules[0].port"),
    ("firewall", {"firewall_extra_rules": [{"port": 9100}]}, "firewall_extra_rules[0]"),
    ("firewall", {"firewall_confirm_seconds": 5}, "firewall_confirm_seconds"),
    ("firewall", {"firewall_ssh_port": 2222}, "firewall_ssh_port"),
    ("common", {"vault_app_database_password": "changeme"}, "vault_app_database_password"),
    ("common", {"common_nofile_limit": 10}, "common_nofile_limit"),
    ("app", {"app_keep_releases": 1}, "app_keep_releases"),
    ("logs", {"syslog_port": 0}, "syslog_port"),
    ("web", {"validate_users": 0}, "validate_users"),
    ("web", {"validate_max_fail_ratio": 5}, "validate_max_fail_ratio"),
]
# The configuration the roles write, on every host: none of it may change.
WATCHED = ("/etc/nginx /etc/postgresql /etc/uwsgi /etc/wsgikit /etc/demo /etc/rsyslog.d /etc/pgbackrest* "
           "/etc/systemd/system /etc/sysctl.d /etc/ssh/sshd_config.d /etc/security/limits.d")


def snapshot(hosts):
    command = f"find {WATCHED} -type f -exec md5sum {{}} + 2>/dev/null | sort"
    return {name: host.run(command).stdout for name, host in hosts.items()}


def run_case(case):
    tag, extra, _ = case
    result, _ = playbook("site.yml", "--tags", tag, "--skip-tags", "validate", "-e", json.dumps(extra))
    return result.returncode, " ".join(result.stdout.split())


def test_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_every_bad_value_is_refused_by_name_before_any_change(deployed, lab_hosts):
    hosts = lab_hosts[0]
    before = snapshot(hosts)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(run_case, CASES))
    missed = [f"{tag} {json.dumps(extra)}: rc={rc}, {'named' if needle in said else 'NOT named'}"
              for (tag, extra, needle), (rc, said) in zip(CASES, outcomes)
              if rc == 0 or needle not in said]
    changed = [name for name, files in snapshot(hosts).items() if files != before[name]]
    assert not missed, "\n".join(missed)
    assert not changed, f"configuration changed on {changed}"
