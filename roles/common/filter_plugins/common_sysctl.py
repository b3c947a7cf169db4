"""The common role's report of kernel settings a container could not apply
(unit-tested in tests/unit/test_common_sysctl.py)."""
from __future__ import annotations


def sysctl_differences(wanted: dict, sysctl_output: str) -> dict:
    """The keys whose running value differs from the wanted one, as {key: [running, wanted]}.

    sysctl_output is what `sysctl KEY...` prints ("key = value" lines). Whitespace inside
    values is normalised: the kernel reports ip_local_port_range as "10240\t65535".
    """
    def norm(value) -> str:
        return " ".join(str(value).split())

    running = {}
    for line in sysctl_output.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            running[key.strip()] = norm(value)
    return {key: [running.get(key, "(missing)"), norm(value)]
            for key, value in wanted.items() if running.get(key) != norm(value)}


class FilterModule:
    def filters(self):
        return {"sysctl_differences": sysctl_differences}
