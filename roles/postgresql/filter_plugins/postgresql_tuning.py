"""pgtune's formulas (le0pard/pgtune, Linux) as a filter, plus the role's input checks.

Unit-tested against pgtune's own worked examples in tests/unit/test_postgresql_tuning.py.
Memory values are computed in kB, as pgtune does, and rendered in PostgreSQL's units.
"""
from __future__ import annotations

import ipaddress
import math
import re

KB_PER = {"kB": 1, "MB": 1024, "GB": 1024 ** 2, "TB": 1024 ** 3}
PROFILES = ("web", "oltp", "dw", "desktop", "mixed", "stock")
DISKS = ("ssd", "hdd", "san", "nvme")
DEFAULT_MAX_CONNECTIONS = {"web": 200, "oltp": 300, "dw": 40, "desktop": 20, "mixed": 100}
WAL_SIZES_MB = {"web": (1024, 4096), "oltp": (2048, 8192), "dw": (4096, 16384),
                "desktop": (100, 2048), "mixed": (1024, 4096)}
WORK_MEM_DIVISOR = {"web": 1, "oltp": 1, "dw": 2, "desktop": 6, "mixed": 2}
RANDOM_PAGE_COST = {"hdd": 4, "ssd": 1.1, "san": 1.1, "nvme": 1.1}
EFFECTIVE_IO_CONCURRENCY = {"hdd": 2, "ssd": 200, "san": 300, "nvme": 1000}
# PostgreSQL's own max_worker_processes, which pgtune counts below 4 CPUs.
POSTGRES_DEFAULT_WORKER_PROCESSES = 8
MEMORY = re.compile(r"^\s*(\d+)\s*(kB|MB|GB|TB)\s*$")


def postgresql_memory_kb(value) -> int:
    """'4GB' -> 4194304. Only PostgreSQL's units (kB, MB, GB, TB; case as PostgreSQL writes them)."""
    match = MEMORY.match(str(value))
    if not match:
        raise ValueError(f"'{value}' is not a PostgreSQL memory value (e.g. 512MB, 4GB)")
    return int(match.group(1)) * KB_PER[match.group(2)]


def postgresql_memory(kb: int) -> str:
    """kB -> the largest unit that divides it exactly, as pgtune prints: 4194304 -> '4GB'."""
    for unit in ("TB", "GB", "MB"):
        if kb % KB_PER[unit] == 0:
            return f"{kb // KB_PER[unit]}{unit}"
    return f"{kb}kB"


def postgresql_pgtune(memory_mb, cpus, profile="web", disk="ssd", max_connections=0,
                      version=15) -> dict:
    """The settings pgtune gives a host with this RAM (MB) and these CPUs, for PostgreSQL
    `version`. max_connections 0 = the profile's default. Returns name -> value."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile '{profile}'; use one of {', '.join(PROFILES)}")
    if disk not in DISKS:
        raise ValueError(f"unknown disk type '{disk}'; use one of {', '.join(DISKS)}")
    if profile == "stock":
        # Debian's postgresql.conf as installed (the baseline benchmarks compare against).
        return {"max_connections": int(max_connections)} if int(max_connections) else {}
    ram_kb = int(memory_mb) * 1024
    cpus = int(cpus)
    connections = int(max_connections) or DEFAULT_MAX_CONNECTIONS[profile]

    shared_buffers = ram_kb // 16 if profile == "desktop" else ram_kb // 4
    effective_cache = ram_kb // 4 if profile == "desktop" else ram_kb * 3 // 4
    maintenance = min(ram_kb // 8 if profile == "dw" else ram_kb // 16, 8 * KB_PER["GB"])

    wal_buffers = min(3 * shared_buffers // 100, 16 * KB_PER["MB"])
    if 14 * KB_PER["MB"] < wal_buffers < 16 * KB_PER["MB"]:
        wal_buffers = 16 * KB_PER["MB"]  # round a near-16MB value up, as pgtune does
    wal_buffers = max(wal_buffers, 32)

    settings = {
        "max_connections": connections,
        "shared_buffers": postgresql_memory(shared_buffers),
        "effective_cache_size": postgresql_memory(effective_cache),
        "maintenance_work_mem": postgresql_memory(maintenance),
        "checkpoint_completion_target": 0.9,
        "wal_buffers": postgresql_memory(wal_buffers),
        "default_statistics_target": 500 if profile == "dw" else 100,
        "random_page_cost": RANDOM_PAGE_COST[disk],
        "effective_io_concurrency": EFFECTIVE_IO_CONCURRENCY[disk],
        "min_wal_size": postgresql_memory(WAL_SIZES_MB[profile][0] * KB_PER["MB"]),
        "max_wal_size": postgresql_memory(WAL_SIZES_MB[profile][1] * KB_PER["MB"]),
        "huge_pages": "try" if shared_buffers >= 2 * KB_PER["GB"] else "off",
    }
    worker_processes = POSTGRES_DEFAULT_WORKER_PROCESSES
    if cpus >= 4:
        per_gather = math.ceil(cpus / 2)
        if profile != "dw":
            per_gather = min(per_gather, 4)
        worker_processes = cpus
        settings.update({"max_worker_processes": cpus,
                         "max_parallel_workers_per_gather": per_gather,
                         "max_parallel_workers": cpus,
                         "max_parallel_maintenance_workers": min(math.ceil(cpus / 2), 4)})
    work_mem = (ram_kb - shared_buffers) / ((connections + worker_processes) * 3)
    settings["work_mem"] = postgresql_memory(
        max(math.floor(work_mem / WORK_MEM_DIVISOR[profile]), 4 * KB_PER["MB"]))
    if profile in ("web", "oltp", "mixed") and int(version) >= 12:
        settings["jit"] = "off"
    if profile == "desktop":
        settings.update({"wal_level": "minimal", "max_wal_senders": 0})
    return settings


def postgresql_config_problems(settings: dict, memory_mb, overrides: dict,
                               clients: dict | None = None, access: dict | None = None) -> list[str]:
    """Everything wrong with the role's input, naming the variable and the fix.

    settings: the merged settings (pgtune's, then postgresql_settings overrides).
    overrides: what the user set, so a message can say where a bad value came from.
    clients: each postgresql_client_group host -> its address (None when unknown).
    access: {client_group, client_networks, groups}: who pg_hba lets in. A group that names no
    host would deploy green and lock the app out of its database; 0.0.0.0/0 opens it to all.
    """
    problems = []
    ram_kb = int(memory_mb) * 1024
    memory_names = ("shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem",
                    "wal_buffers", "min_wal_size", "max_wal_size")
    parsed = {}
    for name in memory_names:
        if name not in settings:
            continue
        try:
            parsed[name] = postgresql_memory_kb(settings[name])
        except ValueError as error:
            origin = "postgresql_settings" if name in overrides else "the tuning filter"
            problems.append(f"{name} from {origin}: {error}. Write it as a whole number with "
                            f"kB, MB, GB or TB (PostgreSQL's units are case-sensitive).")
    if "shared_buffers" in parsed and parsed["shared_buffers"] >= ram_kb:
        problems.append(f"shared_buffers ({settings['shared_buffers']}) is not below this host's "
                        f"RAM ({memory_mb} MB): PostgreSQL would fail to start or the host would "
                        f"swap. Lower postgresql_settings.shared_buffers (pgtune: 25% of RAM).")
    if "work_mem" in parsed and str(settings.get("max_connections", "")).isdigit():
        total_kb = parsed["work_mem"] * int(settings["max_connections"])
        if total_kb > ram_kb:
            problems.append(f"work_mem ({settings['work_mem']}) x max_connections ({settings['max_connections']}) "
                            f"= {total_kb // 1024} MB, above this host's RAM ({memory_mb} MB): one sort per "
                            f"connection at once would exhaust memory. Lower postgresql_settings.work_mem or "
                            f"postgresql_max_connections.")
    if access is not None:
        group, known = access.get("client_group"), access.get("groups") or {}
        if not group or not known.get(group):
            others = ", ".join(sorted(g for g in known if g not in ("all", "ungrouped")))
            problems.append(f"postgresql_client_group = {group!r}: no host in the inventory has that group "
                            f"(groups: {others}); pg_hba would let no app host in. Use the app tier's group "
                            f"(default: app).")
        for network in access.get("client_networks") or []:
            try:
                parsed_net = ipaddress.ip_network(str(network), strict=False)
            except ValueError:
                problems.append(f"postgresql_client_networks has {network!r}: not an address or network "
                                f"(e.g. 10.0.0.0/24).")
                continue
            if parsed_net.prefixlen == 0:
                problems.append(f"postgresql_client_networks has {network}: that is every address; name the "
                                f"networks the app connects from (pg_hba and the firewall follow the inventory's "
                                f"groups by themselves).")
    for host, address in (clients or {}).items():
        if not address:
            problems.append(f"postgresql_client_group: host {host} has no private_address and no "
                            f"gathered facts; set private_address for it or gather its facts in "
                            f"the play.")
    return problems


def postgresql_cluster_port(lsclusters: list[str], version, cluster: str) -> str:
    """The port `pg_lsclusters --no-header` lists for version/cluster; "" when it has none.

    Each line: version, cluster, port, status, owner, data directory, log file.
    """
    for line in lsclusters:
        fields = line.split()
        if len(fields) >= 3 and fields[0] == str(version) and fields[1] == cluster:
            return fields[2]
    return ""


class FilterModule:
    def filters(self):
        return {"postgresql_pgtune": postgresql_pgtune,
                "postgresql_memory_kb": postgresql_memory_kb,
                "postgresql_memory": postgresql_memory,
                "postgresql_config_problems": postgresql_config_problems,
                "postgresql_cluster_port": postgresql_cluster_port}
