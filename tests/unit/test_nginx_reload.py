"""The nginx_reload module's reading of the process table and the error log."""
from nginx_reload import active_workers, processes, reload_done, severe_lines

TABLE = {
    100: (1, "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"),
    101: (100, "nginx: worker process is shutting down"),
    102: (100, "nginx: worker process"),
    103: (100, "nginx: worker process"),
    104: (100, "nginx: cache manager process"),
    200: (1, "nginx: worker process"),  # another master's
}


def test_active_workers_are_the_masters_workers_not_shutting_down():
    assert active_workers(TABLE, 100) == {102, 103}


def test_a_reload_is_done_only_with_a_new_generation_of_the_configured_size():
    assert reload_done({90, 91}, {102, 103}, 2)
    assert not reload_done({102, 91}, {102, 103}, 2)  # an old worker still accepts: not applied
    assert not reload_done({90}, {102}, 2)  # fewer than configured
    assert not reload_done({90}, set(), 0)  # no worker at all is never done
    assert reload_done({90}, {102, 103, 104}, None) and not reload_done({90}, set(), None)


def test_severe_error_lines_are_kept_and_the_rest_dropped():
    log = ("2026/11/25 02:00:00 [notice] 1#1: signal process started\n"
           "2026/11/25 02:00:01 [emerg] 100#100: bind() to 192.0.2.1:443 failed (99: Cannot assign requested address)\n"
           "2026/11/25 02:00:01 [emerg] 100#100: bind() to 192.0.2.1:443 failed (99: Cannot assign requested address)\n")
    assert severe_lines(log) == ["2026/11/25 02:00:01 [emerg] 100#100: bind() to 192.0.2.1:443 failed "
                                 "(99: Cannot assign requested address)"]


def test_the_process_table_is_read_from_proc(tmp_path):
    for pid, stat, cmdline in [("7", "7 (nginx) S 1 7 7", b"nginx: master process\0"),
                               ("8", "8 (nginx) S 7 7 7", b"nginx: worker process\0"), ("self", "", b"")]:
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "stat").write_text(stat)
        (tmp_path / pid / "cmdline").write_bytes(cmdline)
    assert processes(str(tmp_path)) == {7: (1, "nginx: master process"), 8: (7, "nginx: worker process")}
