"""The host_limits role's filter: the open-files ceiling a host really allows."""
import pytest
from host_limits import nofile_ceiling

LIMITS = """Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            {soft}                {hard}                files
"""
# CapBnd of a Docker container (no CAP_SYS_RESOURCE) and of a full host.
STATUS_CONTAINER = "Name:\tsystemd\nCapBnd:\t00000000a80425fb\n"
STATUS_HOST = "Name:\tsystemd\nCapBnd:\t000001ffffffffff\n"


def test_without_cap_sys_resource_pid1_hard_limit_is_the_ceiling():
    limits = LIMITS.format(soft=20000, hard=20000)
    assert nofile_ceiling(limits, STATUS_CONTAINER, "1048576\n") == 20000


def test_with_cap_sys_resource_the_kernel_maximum_is_the_ceiling():
    limits = LIMITS.format(soft=1024, hard=524288)
    assert nofile_ceiling(limits, STATUS_HOST, 1048576) == 1048576


def test_unlimited_hard_limit_falls_back_to_nr_open():
    limits = LIMITS.format(soft="unlimited", hard="unlimited")
    assert nofile_ceiling(limits, STATUS_CONTAINER, "1048576") == 1048576


def test_ceiling_never_exceeds_nr_open():
    limits = LIMITS.format(soft=2000000, hard=2000000)
    assert nofile_ceiling(limits, STATUS_CONTAINER, 1048576) == 1048576


@pytest.mark.parametrize("limits,status", [("nothing useful", STATUS_CONTAINER),
                                           (LIMITS.format(soft=1, hard=1), "no caps here")])
def test_unreadable_input_is_an_error_not_a_guess(limits, status):
    with pytest.raises(ValueError):
        nofile_ceiling(limits, status, 1048576)
