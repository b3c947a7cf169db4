"""The common role's report of kernel settings a container could not apply."""
from common_sysctl import sysctl_differences


def test_sysctl_report_normalises_whitespace_and_names_differences():
    output = ("net.core.somaxconn = 4096\n"
              "net.ipv4.ip_local_port_range = 10240\t65535\n"
              "net.ipv4.tcp_tw_reuse = 2\n")
    wanted = {"net.core.somaxconn": 4096, "net.ipv4.ip_local_port_range": "10240 65535",
              "net.ipv4.tcp_tw_reuse": 1, "net.ipv4.tcp_max_syn_backlog": 4096}
    assert sysctl_differences(wanted, output) == {
        "net.ipv4.tcp_tw_reuse": ["2", "1"],
        "net.ipv4.tcp_max_syn_backlog": ["(missing)", "4096"],
    }


def test_sysctl_report_is_empty_when_everything_matches():
    assert sysctl_differences({"net.core.somaxconn": 4096}, "net.core.somaxconn = 4096\n") == {}
