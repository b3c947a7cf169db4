#!/usr/bin/python
"""Ansible module: one request to a uWSGI socket in uwsgi's own protocol, the way nginx's
uwsgi_pass sends it, so a check can ask one app server directly (no web host in between,
the host out of nginx's rotation or not)."""
from __future__ import annotations

import socket
import struct

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: uwsgi_request
short_description: Send one request to a uWSGI socket (uwsgi protocol) and return the answer
description:
  - Builds the request nginx's uwsgi_pass would send and reads the HTTP answer, so a deploy can
    check one app server's health directly.
options:
  host: {description: Address of the uWSGI socket., type: str, required: true}
  port: {description: Port of the uWSGI socket., type: int, required: true}
  path: {description: Path and query string., type: str, default: /}
  method: {description: HTTP method., type: str, default: GET}
  server_name: {description: Host name the app sees (HTTP_HOST, SERVER_NAME)., type: str, default: localhost}
  https: {description: Tell the app the request came over HTTPS (as nginx does for a TLS site)., type: bool, default: true}
  timeout: {description: Seconds to wait for the answer., type: float, default: 5}
  protocol: {description: What the socket speaks (an app with http-socket speaks http)., type: str, choices: [uwsgi, http], default: uwsgi}
"""

RETURN = r"""
status: {description: The HTTP status code (0 when nothing answered)., type: int, returned: always}
body: {description: The first 2000 characters of the answer's body., type: str, returned: always}
"""


def encode_request(method: str, path: str, server_name: str, https: bool) -> bytes:
    """The uwsgi packet: a 4-byte header (modifier1 0, size, modifier2 0), then each CGI
    variable as a little-endian 16-bit length and bytes, key then value."""
    path_info, _, query = path.partition("?")
    variables = {"REQUEST_METHOD": method, "REQUEST_URI": path, "PATH_INFO": path_info,
                 "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": server_name,
                 "SERVER_PORT": "443" if https else "80", "HTTP_HOST": server_name,
                 "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": "0",
                 "HTTPS": "on" if https else "off", "UWSGI_SCHEME": "https" if https else "http"}
    body = b"".join(struct.pack("<H", len(k.encode())) + k.encode() + struct.pack("<H", len(v.encode())) + v.encode()
                    for k, v in variables.items())
    return struct.pack("<BHB", 0, len(body), 0) + body


def encode_http_request(method: str, path: str, server_name: str) -> bytes:
    """The same request for an http-socket: plain HTTP/1.0, so the answer ends with the connection."""
    return f"{method} {path} HTTP/1.0\r\nHost: {server_name}\r\nContent-Length: 0\r\n\r\n".encode()


def decode_response(raw: bytes) -> tuple[int, str]:
    """(status, body) from the HTTP answer uWSGI writes back."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
    return status, body.decode("utf-8", "replace")[:2000]


def request(host: str, port: int, packet: bytes, timeout: float) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(packet)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def main():
    module = AnsibleModule(argument_spec={
        "host": {"type": "str", "required": True}, "port": {"type": "int", "required": True},
        "path": {"type": "str", "default": "/"}, "method": {"type": "str", "default": "GET"},
        "server_name": {"type": "str", "default": "localhost"}, "https": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 5},
        "protocol": {"type": "str", "choices": ["uwsgi", "http"], "default": "uwsgi"}}, supports_check_mode=True)
    p = module.params
    packet = (encode_http_request(p["method"], p["path"], p["server_name"]) if p["protocol"] == "http"
              else encode_request(p["method"], p["path"], p["server_name"], p["https"]))
    try:
        raw = request(p["host"], p["port"], packet, p["timeout"])
    except OSError as error:
        module.fail_json(msg=f"uWSGI at {p['host']}:{p['port']} did not answer {p['path']}: {error}",
                         status=0, body="")
    status, body = decode_response(raw)
    module.exit_json(changed=False, status=status, body=body)


if __name__ == "__main__":
    main()
