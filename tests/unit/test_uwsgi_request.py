"""The uwsgi_request module's wire format, against a socket that answers like uWSGI."""
import socket
import struct
import threading

from uwsgi_request import decode_response, encode_http_request, encode_request, request


def parse(packet: bytes) -> dict:
    modifier1, size, modifier2 = struct.unpack("<BHB", packet[:4])
    assert (modifier1, modifier2, size) == (0, 0, len(packet) - 4)
    body, variables = packet[4:], {}
    while body:
        (klen,), body = struct.unpack("<H", body[:2]), body[2:]
        key, body = body[:klen].decode(), body[klen:]
        (vlen,), body = struct.unpack("<H", body[:2]), body[2:]
        variables[key], body = body[:vlen].decode(), body[vlen:]
    return variables


def test_the_packet_carries_what_nginx_would_send():
    variables = parse(encode_request("GET", "/healthz?x=1", "www.example.com", True))
    assert variables["PATH_INFO"] == "/healthz" and variables["QUERY_STRING"] == "x=1"
    assert variables["HTTP_HOST"] == "www.example.com" and variables["HTTPS"] == "on"
    assert variables["REQUEST_METHOD"] == "GET"


def test_the_answer_gives_status_and_body():
    assert decode_response(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: x\r\n\r\n{\"a\": 1}") == (
        503, '{"a": 1}')
    assert decode_response(b"") == (0, "")


def test_a_request_goes_out_and_the_answer_comes_back():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    seen = {}

    def answer():
        connection, _ = server.accept()
        seen.update(parse(connection.recv(65536)))
        connection.sendall(b"HTTP/1.1 200 OK\r\n\r\nok")
        connection.close()

    thread = threading.Thread(target=answer)
    thread.start()
    raw = request("127.0.0.1", server.getsockname()[1], encode_request("GET", "/healthz", "h", False), 5)
    thread.join()
    server.close()
    assert decode_response(raw) == (200, "ok") and seen["PATH_INFO"] == "/healthz"


def test_an_http_socket_gets_plain_http():
    assert encode_http_request("GET", "/healthz", "example.org") == (
        b"GET /healthz HTTP/1.0\r\nHost: example.org\r\nContent-Length: 0\r\n\r\n")
