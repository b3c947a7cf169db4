"""The pass/fail gate of a load test: thresholds in, reasons for failing out (unit-tested)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    max_fail_ratio: float = 0.01
    max_p95_ms: float = 500.0
    min_rps: float = 10.0


def gate_failures(fail_ratio: float, p95_ms: float | None, rps: float, limits: Thresholds,
                  requests: int) -> list[str]:
    """Why the run fails its gate; an empty list is a pass. A run with no requests fails."""
    if requests == 0:
        return ["no request was made: is the host reachable?"]
    failures = []
    if fail_ratio > limits.max_fail_ratio:
        failures.append(f"failure ratio {fail_ratio:.2%} is above {limits.max_fail_ratio:.2%}")
    if p95_ms is not None and p95_ms > limits.max_p95_ms:
        failures.append(f"p95 {p95_ms:.0f} ms is above {limits.max_p95_ms:.0f} ms")
    if rps < limits.min_rps:
        failures.append(f"{rps:.1f} requests/s is below {limits.min_rps:.1f}")
    return failures


def parse_pins(text: str) -> dict[str, str]:
    """'NAME:ADDRESS ...' (curl's --resolve without the port) -> {name: address}: the load
    test connects to ADDRESS while sending NAME as TLS SNI and Host, so a site that is not
    nginx's default server is tested under its own name before DNS points at it."""
    pins = {}
    for item in text.split():
        name, sep, address = item.partition(":")
        if not sep or not name or not address:
            raise ValueError(f"--resolve {item!r}: expected NAME:ADDRESS, e.g. www.example.org:10.0.0.11")
        pins[name] = address
    return pins
