#!/usr/bin/env python3
"""A tiny client for the verifier: one request, or a loop that counts failures and PIDs.

    wsgi_client.py uwsgi|http HOST PORT PATH            # prints the response body
    wsgi_client.py uwsgi|http HOST PORT PATH SECONDS    # loops, prints a JSON summary
    wsgi_client.py stats HOST PORT                      # prints uWSGI's stats JSON
"""
import json
import socket
import struct
import sys
import time


def uwsgi_packet(path: str, port: int) -> bytes:
    variables = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
                 "REQUEST_URI": path, "SERVER_NAME": "test", "SERVER_PORT": str(port),
                 "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "test"}
    body = b"".join(struct.pack("<H", len(k)) + k.encode() + struct.pack("<H", len(v)) + v.encode()
                    for k, v in variables.items())
    return struct.pack("<BHB", 0, len(body), 0) + body


def request(protocol: str, host: str, port: int, path: str) -> tuple[int, str]:
    if protocol == "uwsgi":
        packet = uwsgi_packet(path, port)
    else:
        packet = f"GET {path} HTTP/1.0\r\nHost: test\r\n\r\n".encode()
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(packet)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.decode().partition("\r\n\r\n")
    return int(head.split()[1]), body


def stats(host: str, port: int) -> str:
    with socket.create_connection((host, port), timeout=10) as conn:
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data.decode()


def main(protocol, host, port, path="/", seconds=None):
    if protocol == "stats":
        print(stats(host, int(port)))
        return 0
    if seconds is None:
        status, body = request(protocol, host, int(port), path)
        print(body)
        return 0 if status == 200 else 1
    ok, failed, pids, errors = 0, 0, set(), []
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            status, body = request(protocol, host, int(port), path)
            if status == 200:
                ok += 1
                pids.add(json.loads(body)["pid"])
            else:
                failed += 1
                errors.append(status)
        except OSError as error:
            failed += 1
            errors.append(str(error))
    print(json.dumps({"ok": ok, "failed": failed, "pids": sorted(pids), "errors": errors[:10]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
