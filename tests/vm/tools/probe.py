#!/usr/bin/env python3
"""Client probe for the VM tests: one TCP or UDP exchange, one word out.

  probe.py tcp DST PORT [--src ADDR] [--sport N] [--timeout S]
  probe.py udp DST PORT [--src ADDR] [--timeout S]

Prints "ok" (the server's "hello" line / the echo came back), "refused"
(a TCP reset), "timeout" (nothing came back) or "error:<what>", and exits
0 only for "ok".
"""
import argparse
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("proto", choices=["tcp", "udp"])
    ap.add_argument("dst")
    ap.add_argument("port", type=int)
    ap.add_argument("--src", default=None)
    ap.add_argument("--sport", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()

    kind = socket.SOCK_STREAM if a.proto == "tcp" else socket.SOCK_DGRAM
    family = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src or ("::" if family == socket.AF_INET6 else "0.0.0.0"), a.sport))
    s.settimeout(a.timeout)
    try:
        if a.proto == "tcp":
            s.connect((a.dst, a.port))
            data = b""
            while not data.endswith(b"\n"):
                d = s.recv(4096)
                if not d:
                    break
                data += d
            ok = data.startswith(b"hello")
        else:
            msg = b"probe %d" % id(s)
            s.sendto(msg, (a.dst, a.port))
            data, _ = s.recvfrom(65535)
            ok = data == msg
    except ConnectionRefusedError:
        print("refused")
        return 1
    except ConnectionResetError:
        print("refused")
        return 1
    except socket.timeout:
        print("timeout")
        return 1
    except OSError as e:
        print("error:%s" % e.strerror)
        return 1
    print("ok" if ok else "error:bad-reply")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
