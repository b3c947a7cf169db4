"""The uwsgi role's test app: says which worker answered, and can wait like a database call."""
import json
import os
import threading
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/missing":
        return respond(start_response, "404 Not Found", {"error": "not found"})
    if path == "/wait":
        # Stands in for a database round trip: the worker (thread) waits, the CPU does not.
        milliseconds = int(parse_qs(environ.get("QUERY_STRING", "")).get("ms", ["20"])[0])
        time.sleep(milliseconds / 1000)
    return respond(start_response, "200 OK", {
        "pid": os.getpid(), "thread": threading.get_ident(), "path": path,
        "greeting": os.environ.get("TEST_GREETING", "")})


def respond(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]
