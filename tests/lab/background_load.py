"""Locust in the background of a lab proof: the kit's own users (loadtests/locustfile.py:
pages, static files, API reads and writes, their think times), all of them from the start
(no ramp), until stopped. Prints the GATE line and one LOAD line with the worst pause."""
import sys
from pathlib import Path

from locust import events

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "loadtests"))
from locustfile import ApiReader, ApiWriter, Browser  # noqa: E402,F401  (the users Locust runs)


@events.quitting.add_listener
def report(environment, **_kwargs):
    total = environment.stats.total
    errors = sum(error.occurrences for error in environment.stats.errors.values())
    print(f"LOAD requests={total.num_requests} failures={total.num_failures} errors={errors} "
          f"max_ms={total.max_response_time or 0:.0f} p99_ms={total.get_response_time_percentile(0.99) or 0:.0f}")
    for error in environment.stats.errors.values():
        print(f"LOAD-ERROR {error.occurrences}x {error.method} {error.name}: {error.error}")
