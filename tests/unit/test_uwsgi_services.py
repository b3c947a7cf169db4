"""The uwsgi role's service decisions: enable, start, restart, reload or remove, and nothing
else; and the reading of systemctl's answer they start from."""
from uwsgi_services import uwsgi_changed_apps, uwsgi_service_plan, uwsgi_unit_states


def states(active=("a",), enabled=None):
    enabled = active if enabled is None else enabled
    names = set(active) | set(enabled)
    return {n: {"active": n in active, "enabled": n in enabled} for n in names}


def plan(desired=("a",), configured=("a",), active=("a",), enabled=None, ini=(), unit=(), keys=()):
    return uwsgi_service_plan(list(desired), list(configured), states(active, enabled), list(ini),
                              list(unit), list(keys))


def test_nothing_changed_means_nothing_is_done():
    assert plan() == {"enable": [], "start": [], "restart": [], "reload": [], "remove": [],
                      "daemon_reload": False}


def test_an_ini_change_on_a_running_app_is_a_graceful_reload():
    result = plan(ini=["a"])
    assert (result["reload"], result["restart"], result["start"]) == (["a"], [], [])


def test_a_socket_or_unit_change_restarts_and_does_not_also_reload():
    for changed in ({"keys": ["a"]}, {"unit": ["a"]}):
        result = plan(ini=["a"], **changed)
        assert (result["restart"], result["reload"]) == (["a"], [])
    assert plan(unit=["a"])["daemon_reload"] is True


def test_a_new_or_stopped_app_is_enabled_and_started_once_with_its_new_files():
    result = plan(desired=["a", "b"], configured=["a", "b"], active=["a"], ini=["b"], unit=["b"], keys=["b"])
    assert (result["enable"], result["start"], result["restart"], result["reload"]) == (["b"], ["b"], [], [])


def test_a_running_app_not_started_at_boot_is_enabled_without_a_restart():
    result = plan(active=["a"], enabled=[])
    assert (result["enable"], result["start"], result["restart"]) == (["a"], [], [])


def test_an_app_no_longer_listed_is_removed_and_systemd_told():
    result = plan(desired=["a"], configured=["a", "old"], active=["a", "old"])
    assert result["remove"] == ["old"] and result["daemon_reload"] is True
    assert "old" not in result["start"] + result["restart"] + result["reload"] + result["enable"]


def test_apps_are_acted_on_in_the_order_uwsgi_apps_lists_them():
    result = plan(desired=["c", "a", "b"], configured=[], active=[])
    assert result["start"] == ["c", "a", "b"]


def test_unit_states_read_systemctl_show_blocks():
    shown = ("Id=uwsgi-demo.service\nActiveState=active\nUnitFileState=enabled\n\n"
             "Id=uwsgi-old.service\nActiveState=inactive\nUnitFileState=disabled\n\n"
             "Id=uwsgi-gone.service\nActiveState=inactive\nUnitFileState=\n")
    assert uwsgi_unit_states(shown) == {"demo": {"active": True, "enabled": True},
                                        "old": {"active": False, "enabled": False},
                                        "gone": {"active": False, "enabled": False}}


def test_running_workers_are_the_new_generation_with_a_pid():
    from uwsgi_services import uwsgi_running_workers
    stats = ('{"pid": 10, "workers": [{"id": 1, "pid": 21, "status": "idle"}, {"id": 2, "pid": 22, "status": "busy"},'
             ' {"id": 3, "pid": 0, "status": "cheap"}, {"id": 4, "pid": 24, "status": "cheap"}]}')
    assert uwsgi_running_workers(stats) == [21, 22]
    assert uwsgi_running_workers(stats, [21]) == [22]  # 21 was there before the reload
    assert uwsgi_running_workers("") == [] and uwsgi_running_workers("not json") == []


def test_the_apps_a_looped_file_task_changed_come_by_name_not_by_item():
    # the loops go over names (an app's item, printed at -v, would carry its environment)
    result = {"results": [{"uwsgi_app_name": "shop", "changed": True}, {"uwsgi_app_name": "blog", "changed": False}]}
    assert uwsgi_changed_apps(result) == ["shop"]
    assert uwsgi_changed_apps({}) == []
