#!/usr/bin/env python3
"""Hostile HTTP clients for the checks (loopback only, bounded in time), printing JSON figures.

trickle PORT COUNT SECONDS     COUNT sockets sending half a request line, then a byte a second,
                               reconnecting when closed: how long the server let one live.
hold PORT COUNT SECONDS        COUNT sockets that connect and send nothing, never reconnecting.
slow-readers PORT COUNT WAVES GAP   COUNT clients in WAVES waves GAP seconds apart, each sending
                               GET /metrics and never reading the reply.
flood-auth PORT COUNT SECONDS  COUNT TLS connections sending a different wrong password each time.
"""
import json
import selectors
import socket
import ssl
import sys
import threading
import time
import base64


def connect(port, source="127.0.0.1", rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def trickle(port, count, seconds):
    selector = selectors.DefaultSelector()
    opened = {}
    lifetimes = []
    end = time.monotonic() + seconds

    def open_one():
        try:
            sock = connect(port)
            sock.send(b"GET /metr")
        except OSError:
            return
        opened[sock] = time.monotonic()
        selector.register(sock, selectors.EVENT_READ)

    for _ in range(count):
        open_one()
    next_byte = time.monotonic() + 1
    while time.monotonic() < end:
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                lifetimes.append(time.monotonic() - opened.pop(sock))
                selector.unregister(sock)
                sock.close()
                open_one()
        if time.monotonic() >= next_byte:
            next_byte += 1
            for sock in list(opened):
                try:
                    sock.send(b"i")
                except OSError:
                    pass
    now = time.monotonic()
    still_open = [now - started for started in opened.values()]
    print(json.dumps({
        "closed_by_server": len(lifetimes),
        "longest_closed_s": round(max(lifetimes, default=0), 2),
        "open_at_end": len(still_open),
        "oldest_open_s": round(max(still_open, default=0), 2),
    }))


def hold(port, count, seconds):
    sockets = []
    for _ in range(count):
        try:
            sockets.append(connect(port))
        except OSError:
            break
    time.sleep(seconds)
    print(json.dumps({"held": len(sockets)}))


def slow_readers(port, count, waves, gap):
    sockets = []
    per_wave = count // waves
    for _ in range(waves):
        for _ in range(per_wave):
            try:
                sock = connect(port, rcvbuf=4096)
                sock.send(b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
                sockets.append(sock)
            except OSError:
                pass
        time.sleep(gap)
    print(json.dumps({"clients": len(sockets)}))
    sys.stdout.flush()
    time.sleep(2)


def flood_auth(port, count, seconds):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    end = time.monotonic() + seconds
    answers = {}
    lock = threading.Lock()

    def worker(index):
        attempt = 0
        while time.monotonic() < end:
            try:
                raw = socket.create_connection(("127.0.0.1", port), timeout=5)
                with context.wrap_socket(raw) as sock:
                    while time.monotonic() < end:
                        attempt += 1
                        token = base64.b64encode(f"prometheus:wrong-{index}-{attempt}".encode())
                        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: a\r\nAuthorization: Basic "
                                     + token + b"\r\n\r\n")
                        reply = sock.recv(65536)
                        if not reply:
                            break
                        status = reply.split(b" ", 2)[1].decode()
                        with lock:
                            answers[status] = answers.get(status, 0) + 1
                        if b"Connection: close" in reply:
                            break
            except OSError:
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(answers))


if __name__ == "__main__":
    mode, port, *rest = sys.argv[1:]
    port = int(port)
    if mode == "trickle":
        trickle(port, int(rest[0]), float(rest[1]))
    elif mode == "hold":
        hold(port, int(rest[0]), float(rest[1]))
    elif mode == "slow-readers":
        slow_readers(port, int(rest[0]), int(rest[1]), float(rest[2]))
    elif mode == "flood-auth":
        flood_auth(port, int(rest[0]), float(rest[1]))
    else:
        sys.exit("unknown mode " + mode)
