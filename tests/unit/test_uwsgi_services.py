"""The uwsgi role's service decisions: start, restart, reload or remove, and nothing else."""
from uwsgi_services import uwsgi_service_plan


def plan(desired=("a",), configured=("a",), active=("a",), ini=(), unit=(), keys=()):
    return uwsgi_service_plan(list(desired), list(configured), list(active), list(ini),
                              list(unit), list(keys))


def test_nothing_changed_means_nothing_is_done():
    assert plan() == {"start": [], "restart": [], "reload": [], "remove": [], "daemon_reload": False}


def test_an_ini_change_on_a_running_app_is_a_graceful_reload():
    result = plan(ini=["a"])
    assert (result["reload"], result["restart"], result["start"]) == (["a"], [], [])


def test_a_socket_or_unit_change_restarts_and_does_not_also_reload():
    for changed in ({"keys": ["a"]}, {"unit": ["a"]}):
        result = plan(ini=["a"], **changed)
        assert (result["restart"], result["reload"]) == (["a"], [])
    assert plan(unit=["a"])["daemon_reload"] is True


def test_a_new_or_stopped_app_is_started_once_with_its_new_files():
    result = plan(desired=["a", "b"], configured=["a", "b"], active=["a"], ini=["b"], unit=["b"], keys=["b"])
    assert (result["start"], result["restart"], result["reload"]) == (["b"], [], [])


def test_an_app_no_longer_listed_is_removed_and_systemd_told():
    result = plan(desired=["a"], configured=["a", "old"], active=["a", "old"])
    assert result["remove"] == ["old"] and result["daemon_reload"] is True
    assert "old" not in result["start"] + result["restart"] + result["reload"]


def test_apps_are_acted_on_in_the_order_uwsgi_apps_lists_them():
    result = plan(desired=["c", "a", "b"], configured=[], active=[])
    assert result["start"] == ["c", "a", "b"]
