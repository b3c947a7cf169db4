#!/usr/bin/env python3
"""The test's syslog host: writes every UDP datagram it receives on 127.0.0.1:5514 as a line."""
import socket

with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server, \
        open("/var/log/udp-listener.log", "a", buffering=1) as log:
    server.bind(("127.0.0.1", 5514))
    while True:
        log.write(server.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
