"""What every role of the kit needs to know about a host, in one place: the address other
hosts reach it at, and sizing from its vCPUs (unit-tested in tests/unit/test_host_facts.py)."""
from __future__ import annotations

import math


def private_address(host_vars, default=None):
    """The address other hosts use to reach this one (upstreams, pg_hba, syslog, firewall).

    host_vars is one host's variables (`hostvars[name]`, or `hostvars[inventory_hostname]`
    for the host itself): its `private_address` when the inventory sets one, else the
    address of the interface that holds its default route (from its gathered facts), else
    `default` (facts not gathered and no private_address).
    """
    for lookup in (lambda v: v["private_address"],
                   lambda v: v["ansible_facts"]["default_ipv4"]["address"]):
        try:
            address = lookup(host_vars)
        except Exception:  # undefined, or a template over facts that were not gathered
            continue
        if address:
            return str(address)
    return default


def private_addresses(hosts, hostvars) -> dict:
    """{host: its private_address (or None when unknown)} for each host, in order."""
    return {host: private_address(hostvars[host]) for host in hosts}


def per_cpu(vcpus, factor, name: str = "the per-CPU factor") -> int:
    """A count of workers sized from the host's vCPUs: vCPUs x factor, rounded up, at least 1.

    A factor that is not a positive number is refused, never silently made one worker; name
    is the variable it came from, so the error says what to fix.
    """
    try:
        value = float(factor)
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0:
        raise ValueError(f"{name} = {factor!r}: must be a number above 0 (workers per vCPU, "
                         f"e.g. 0.5, 1 or 2)")
    return max(1, math.ceil(int(vcpus) * value))


def bounds_problems(values: dict, bounds: dict) -> list[str]:
    """Every numeric knob outside its range, named: {name: value} against {name: [low, high]}.

    A value is never clamped into range: the run is refused, naming the variable, its value
    and the range, before any host changes. Digits given with -e (strings) are accepted.
    """
    problems = []
    for name, (low, high) in bounds.items():
        value = values.get(name)
        text = str(value).strip()
        whole = not isinstance(value, (bool, float)) and text.lstrip("-").isdigit()
        if not whole or not int(low) <= int(text) <= int(high):
            problems.append(f"{name} = {value!r}: must be a whole number from {low} to {high}")
    return problems


class FilterModule:
    def filters(self):
        return {"private_address": private_address, "private_addresses": private_addresses,
                "per_cpu": per_cpu, "bounds_problems": bounds_problems}
