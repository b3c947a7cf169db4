"""The host_facts role's filters: a host's private address and per-CPU sizing, shared by
every role."""
import pytest
from host_facts import bounds_problems, per_cpu, private_address, private_addresses

FACTS = {"ansible_facts": {"default_ipv4": {"address": "192.0.2.7"}}}


class Undefined(dict):
    """hostvars of a host whose private_address is a template over facts not gathered."""
    def __getitem__(self, key):
        raise KeyError(key)


def test_the_inventory_private_address_wins_over_the_default_route():
    assert private_address({"private_address": "10.0.0.5", **FACTS}) == "10.0.0.5"


def test_without_one_the_default_route_address_is_used():
    assert private_address(FACTS) == "192.0.2.7"


def test_neither_gives_the_default():
    assert private_address(Undefined()) is None
    assert private_address({"private_address": ""}, default="-") == "-"


def test_private_addresses_keeps_host_order_and_marks_unknown_hosts():
    hostvars = {"b": {"private_address": "10.0.0.2"}, "a": FACTS, "c": {}}
    assert private_addresses(["b", "a", "c"], hostvars) == {"b": "10.0.0.2", "a": "192.0.2.7", "c": None}


@pytest.mark.parametrize("vcpus,factor,expected", [
    (2, 1, 2), (2, 2, 4), (16, 1, 16), (1, 0.5, 1), (3, 0.5, 2), ("4", "1.5", 6)])
def test_per_cpu_is_vcpus_times_factor_rounded_up_at_least_one(vcpus, factor, expected):
    assert per_cpu(vcpus, factor) == expected


@pytest.mark.parametrize("factor", [0, -1, "0", "abc", None])
def test_per_cpu_refuses_a_factor_that_is_not_positive_naming_the_variable(factor):
    with pytest.raises(ValueError, match=r"uwsgi_processes_per_cpu = .*must be a number above 0"):
        per_cpu(2, factor, "uwsgi_processes_per_cpu")


def test_bounds_name_the_variable_its_value_and_the_range():
    bounds = {"uwsgi_harakiri": [1, 3600], "postgresql_port": [1, 65535]}
    assert bounds_problems({"uwsgi_harakiri": 60, "postgresql_port": "5432"}, bounds) == []
    assert bounds_problems({"uwsgi_harakiri": -3, "postgresql_port": 5432}, bounds) == [
        "uwsgi_harakiri = -3: must be a whole number from 1 to 3600"]


@pytest.mark.parametrize("value", [0, 3601, "abc", "", None, 1.5, True, "-3"])
def test_bounds_refuse_what_is_not_a_whole_number_in_range(value):
    [problem] = bounds_problems({"uwsgi_harakiri": value}, {"uwsgi_harakiri": [1, 3600]})
    assert problem.startswith(f"uwsgi_harakiri = {value!r}: must be a whole number from 1 to 3600")
