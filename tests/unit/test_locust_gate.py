"""The load test's pass/fail gate."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "loadtests"))
import pytest  # noqa: E402
from gate import Thresholds, gate_failures, parse_pins  # noqa: E402

LIMITS = Thresholds(max_fail_ratio=0.01, max_p95_ms=500, min_rps=10)


def test_a_run_within_every_threshold_passes():
    assert gate_failures(0.0, 120, 55.0, LIMITS, 3000) == []


def test_each_missed_threshold_is_named():
    failures = gate_failures(0.05, 900, 4.0, LIMITS, 3000)
    assert len(failures) == 3
    assert "failure ratio 5.00% is above 1.00%" in failures[0]
    assert "p95 900 ms is above 500 ms" in failures[1]
    assert "4.0 requests/s is below 10.0" in failures[2]


def test_values_on_the_threshold_pass():
    assert gate_failures(0.01, 500, 10.0, LIMITS, 100) == []


def test_a_run_without_requests_fails():
    assert gate_failures(0.0, None, 0.0, LIMITS, 0) == ["no request was made: is the host reachable?"]


def test_pinned_names_map_to_their_addresses():
    assert parse_pins("") == {}
    assert parse_pins("www.example.org:10.0.0.11  api.example.org:10.0.0.12") == {
        "www.example.org": "10.0.0.11", "api.example.org": "10.0.0.12"}


@pytest.mark.parametrize("bad", ["www.example.org", ":10.0.0.1", "www.example.org:"])
def test_a_pin_without_name_or_address_is_refused(bad):
    with pytest.raises(ValueError, match="expected NAME:ADDRESS"):
        parse_pins(bad)
