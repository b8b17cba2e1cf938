#!/usr/bin/env python3
"""A transparent TCP proxy standing in for tlsid in the divert tests.

  tproxy.py PORT MARK

Sets up the policy routing tlsid uses (fwmark MARK -> local table), listens
with IP_TRANSPARENT on PORT, and for each diverted connection connects to
the original destination from the client's own address and port, relaying
both ways; the first bytes it sends back to the client are prefixed with
"[tlsi] " so a test can tell an intercepted connection from a direct one.
"""
import os
import socket
import subprocess
import sys
import threading

IP_TRANSPARENT = 19
TABLE = "233"


def pump(src, dst, tag=b""):
    try:
        first = True
        while True:
            d = src.recv(65536)
            if not d:
                break
            if first and tag:
                d = tag + d
            first = False
            dst.sendall(d)
    except OSError:
        pass
    finally:
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def handle(c, caddr):
    odst = c.getsockname()
    up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    up.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
    up.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        up.bind(caddr)
        up.settimeout(5)
        up.connect(odst)
        up.settimeout(None)
    except OSError as e:
        print("upstream %s -> %s: %s" % (caddr, odst, e), flush=True)
        c.close()
        return
    print("intercepted %s:%d -> %s:%d" % (caddr + odst), flush=True)
    t = threading.Thread(target=pump, args=(c, up), daemon=True)
    t.start()
    pump(up, c, b"[tlsi] ")
    t.join(5)
    c.close()
    up.close()


def main():
    port, mark = int(sys.argv[1]), sys.argv[2]
    subprocess.run(["ip", "rule", "add", "fwmark", mark, "lookup", TABLE], check=True)
    subprocess.run(["ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", TABLE],
                   check=True)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(128)
    print("listening on %d" % port, flush=True)
    while True:
        c, caddr = ls.accept()
        threading.Thread(target=handle, args=(c, caddr), daemon=True).start()


if __name__ == "__main__":
    main()
