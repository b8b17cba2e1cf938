#!/usr/bin/env python3
"""Bulk TCP transfers for the relay tests.

  blob.py server PORT
      One thread per connection; the client's first line says what to do:
        get N     send N bytes of a fixed pseudo-random stream, then FIN
        put N     read N bytes, answer their sha256, then FIN
        rst       close at once with a reset
        hold      read and discard until the peer closes
  blob.py get HOST PORT N [--timeout S]   print the sha256 of the N bytes
  blob.py put HOST PORT N [--timeout S]   send N bytes, print the server's
                                          sha256 and ours ("same" if equal)
  blob.py sha N                            the sha256 of the stream's N bytes
  blob.py rst HOST PORT                    print how the connection ended
  blob.py hold HOST PORT S                 wait S s; print "open" or how it ended
  blob.py many HOST PORT COUNT N [K]       COUNT sessions open at once, each
                                           then getting N bytes; print "ok
                                           COUNT" or the failures (see many())

TLS, from the environment: the server with BLOB_CERT and BLOB_KEY (PEM);
clients with BLOB_CA (a CA file to verify the server against, or "none")
and BLOB_SNI (the name sent and checked), optionally BLOB_TLS (1.2 or 1.3,
the only version offered).
"""
import hashlib
import os
import socket
import ssl
import sys
import threading

CHUNK = 65536


def stream(n):
    """The fixed stream: sha256 counter blocks, deterministic and cheap."""
    block = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(2048))
    sent = 0
    while sent < n:
        piece = block[: min(len(block), n - sent)]
        sent += len(piece)
        yield piece


def sha_of(n):
    h = hashlib.sha256()
    for p in stream(n):
        h.update(p)
    return h.hexdigest()


def readline(s):
    buf = b""
    while not buf.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            break
        buf += b
    return buf.decode().strip()


def serve_one(c):
    try:
        cmd = readline(c).split()
        if not cmd:
            return
        if cmd[0] == "get":
            for p in stream(int(cmd[1])):
                c.sendall(p)
        elif cmd[0] == "put":
            # "put N": N bytes follow (no half-close needed, TLS or not)
            left = int(cmd[1])
            h = hashlib.sha256()
            while left > 0:
                b = c.recv(min(CHUNK, left))
                if not b:
                    break
                left -= len(b)
                h.update(b)
            c.sendall((h.hexdigest() + "\n").encode())
        elif cmd[0] == "rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        elif cmd[0] == "hold":
            while c.recv(CHUNK):
                pass
    except OSError:
        pass
    finally:
        c.close()


def tls_accept(ctx, c):
    try:
        # Generous: the peer may be tlsid finishing a hundred other
        # handshakes first, under TCG.
        c.settimeout(120)
        c = ctx.wrap_socket(c, server_side=True)
        c.settimeout(None)
    except (OSError, ssl.SSLError):
        c.close()
        return
    serve_one(c)


def server(port):
    ctx = None
    if os.environ.get("BLOB_CERT"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.environ["BLOB_CERT"], os.environ["BLOB_KEY"])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(512)
    while True:
        c, _ = ls.accept()
        if ctx:
            threading.Thread(target=tls_accept, args=(ctx, c), daemon=True).start()
        else:
            threading.Thread(target=serve_one, args=(c,), daemon=True).start()


def client_ctx():
    ca = os.environ.get("BLOB_CA")
    if not ca:
        return None
    ctx = ssl.create_default_context()
    if ca == "none":
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.load_verify_locations(ca)
    v = os.environ.get("BLOB_TLS")
    if v:
        ver = ssl.TLSVersion.TLSv1_2 if v == "1.2" else ssl.TLSVersion.TLSv1_3
        ctx.minimum_version = ctx.maximum_version = ver
    return ctx


def connect(host, port, timeout=60):
    s = socket.create_connection((host, port), timeout=timeout)
    ctx = client_ctx()
    if ctx:
        s = ctx.wrap_socket(s, server_hostname=os.environ.get("BLOB_SNI", host))
    return s


def get(host, port, n, timeout=120):
    s = connect(host, port, timeout)
    s.sendall(b"get %d\n" % n)
    h = hashlib.sha256()
    got = 0
    while True:
        b = s.recv(CHUNK)
        if not b:
            break
        got += len(b)
        h.update(b)
    s.close()
    return got, h.hexdigest()


def many(host, port, count, n, k):
    """COUNT sessions open at the same time, then a get of N bytes on each.

    Like a population of clients, not a SYN flood: at most K connect and
    handshake at once (a server's CPU, under TCG tlsid's, finishes
    handshakes at some rate; starting all COUNT at once only makes the last
    ones wait for all the others, past any fixed timeout). Each established
    session waits until all COUNT are (and, with BLOB_GO=FILE, until FILE
    exists: the caller can look at them all open), then they all get N
    bytes at once.

    The limits come from a first session's measured time d (connect,
    handshake, get): a handshake among K takes about K*d, all COUNT about
    COUNT*d; both are given ten times that (the host's load varies), and at
    least 60 s."""
    import time
    want = sha_of(n)
    t0 = time.monotonic()
    got, h = get(host, port, n, 120)
    d = time.monotonic() - t0
    if h != want:
        return "failed 1: first:short:%d" % got
    hs_limit = max(60.0, 10 * k * d)
    all_limit = max(60.0, 10 * count * d)
    print("many: first session %.2f s; handshake limit %.0f s, all-open limit %.0f s"
          % (d, hs_limit, all_limit), file=sys.stderr)
    slots = threading.Semaphore(k)
    established = threading.Barrier(count)
    go = os.environ.get("BLOB_GO")
    bad = []

    def one(i):
        s = None
        try:
            with slots:
                s = connect(host, port, hs_limit)
            try:
                established.wait(all_limit)
            except threading.BrokenBarrierError:
                bad.append("%d:not all established" % i)
                return
            end = time.monotonic() + all_limit
            while go and not os.path.exists(go):
                if time.monotonic() > end:
                    bad.append("%d:no %s" % (i, go))
                    return
                time.sleep(0.1)
            s.settimeout(all_limit)
            s.sendall(b"get %d\n" % n)
            hh = hashlib.sha256()
            got = 0
            while True:
                b = s.recv(CHUNK)
                if not b:
                    break
                got += len(b)
                hh.update(b)
            if hh.hexdigest() != want:
                bad.append("%d:short:%d" % (i, got))
        except OSError as e:
            bad.append("%d:%s" % (i, e))
            established.abort()
        finally:
            if s:
                s.close()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return "ok %d" % count if not bad else "failed %d: %s" % (len(bad), " ".join(bad[:5]))


def ended(s):
    try:
        b = s.recv(100)
        return "fin" if not b else "data"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "open"
    except OSError as e:
        return "error:" + str(e)


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "server":
        server(int(a[0]))
    elif cmd == "sha":
        print(sha_of(int(a[0])))
    elif cmd == "get":
        got, h = get(a[0], int(a[1]), int(a[2]))
        print(h if got == int(a[2]) else "short %d %s" % (got, h))
    elif cmd == "put":
        n = int(a[2])
        s = connect(a[0], int(a[1]), 120)
        s.sendall(b"put %d\n" % n)
        for p in stream(n):
            s.sendall(p)
        theirs = readline(s)
        print("same" if theirs == sha_of(n) else "differ " + theirs)
    elif cmd == "rst":
        s = connect(a[0], int(a[1]), 10)
        s.sendall(b"rst\n")
        print(ended(s))
    elif cmd == "hold":
        s = connect(a[0], int(a[1]), float(a[2]))
        s.sendall(b"hold\n")
        print(ended(s))
    elif cmd == "many":
        print(many(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]) if len(a) > 4 else 8))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
