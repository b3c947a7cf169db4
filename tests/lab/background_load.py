"""Locust in the background of a lab proof: the kit's own users (loadtests/locustfile.py:
pages, static files, API reads and writes, their think times), all of them from the start
(no ramp), until stopped. Prints one LOAD line with the worst pause, then the errors.

A user sends a request again on a new connection when the keep-alive connection it went
out on was closed before a complete answer came back, whatever the method, as browsers
do (Chromium and Firefox resend any request that a reused connection lost). nginx closes
idle keep-alive connections on every reload, as its old workers exit (keepalive_min_timeout,
nginx >= 1.27.4, is the cure; Debian ships 1.22 and 1.26), and a request sent in that
instant was never read. Locust's client (geventhttpclient) already resends GET and other
idempotent methods; here POST is resent too. Every resend is counted and listed (LOAD
resent=N, LOAD-RESENT lines), not hidden; any other transport error or 5xx is a failure."""
from locust import events  # first: Locust's gevent patches ssl before anything imports it

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from geventhttpclient import client as http_client  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "loadtests"))
from locustfile import ApiReader, ApiWriter, Browser  # noqa: E402,F401  (the users Locust runs)

RESENT = []


def resend_like_a_browser(method: str) -> bool:
    """geventhttpclient asks this when a request's connection broke before its answer."""
    RESENT.append(method)
    return True


if not callable(getattr(http_client, "_may_retry_after_send_error", None)):
    raise RuntimeError("geventhttpclient no longer decides resends in _may_retry_after_send_error "
                       "(tooling/constraints.txt pins 2.6.1): update background_load.py")
http_client._may_retry_after_send_error = resend_like_a_browser  # pylint: disable=protected-access


@events.quitting.add_listener
def report(environment, **_kwargs):
    total = environment.stats.total
    errors = sum(error.occurrences for error in environment.stats.errors.values())
    print(f"LOAD requests={total.num_requests} failures={total.num_failures} errors={errors} "
          f"resent={len(RESENT)} max_ms={total.max_response_time or 0:.0f} "
          f"p99_ms={total.get_response_time_percentile(0.99) or 0:.0f}")
    for error in environment.stats.errors.values():
        print(f"LOAD-ERROR {error.occurrences}x {error.method} {error.name}: {error.error}")
    for method in sorted(set(RESENT)):
        print(f"LOAD-RESENT {RESENT.count(method)}x {method}")
