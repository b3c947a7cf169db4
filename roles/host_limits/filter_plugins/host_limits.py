"""What a host's kernel allows: the open-files ceiling (unit-tested in tests/unit/test_host_limits.py)."""
from __future__ import annotations

CAP_SYS_RESOURCE = 24  # linux/capability.h


def _hard_open_files(proc_limits: str) -> int | None:
    for line in proc_limits.splitlines():
        if line.startswith("Max open files"):
            hard = line.split()[4]
            return None if hard == "unlimited" else int(hard)
    raise ValueError("no 'Max open files' line in the /proc/<pid>/limits text given")


def _bounding_capabilities(proc_status: str) -> int:
    for line in proc_status.splitlines():
        if line.startswith("CapBnd:"):
            return int(line.split()[1], 16)
    raise ValueError("no 'CapBnd:' line in the /proc/<pid>/status text given")


def nofile_ceiling(pid1_limits: str, pid1_status: str, nr_open: int | str) -> int:
    """The highest open-files limit a service on this host can really be given.

    systemd raises a service's limit as root; with CAP_SYS_RESOURCE it can go up to the
    kernel's fs.nr_open. Where the host withholds that capability (containers, some VMs)
    nothing can exceed PID 1's own hard limit, and systemd silently clamps LimitNOFILE to it.
    """
    nr_open = int(str(nr_open).strip())
    if _bounding_capabilities(pid1_status) & (1 << CAP_SYS_RESOURCE):
        return nr_open
    hard = _hard_open_files(pid1_limits)
    return nr_open if hard is None else min(hard, nr_open)


class FilterModule:
    def filters(self):
        return {"nofile_ceiling": nofile_ceiling}
