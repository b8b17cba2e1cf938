#!/usr/bin/env python3
"""Drive /dev/tlsi (the kernel relay's hand-off) without tlsid.

  handoff.py proxy PORT UPHOST UPPORT [IDLE]
      Accept on PORT; for each connection connect to UPHOST:UPPORT and hand
      both sockets to the module as a plain relay (TLSI_HANDOFF_F_PLAIN),
      then close them here. Prints one line per connection: "handoff ok"
      or "handoff error <errno name>".
  handoff.py bad PORT UPHOST UPPORT
      Hostile requests; one line each: "<case> <errno name or ok>".
  handoff.py report RESULT REASON RELAY CV CC SV SC [RESERVED0]
      One TLSI_IOC_REPORT; prints "ok" or the errno name.

The structs mirror include/uapi/linux/tlsi.h (struct tlsi_handoff: 304 bytes,
with the server's certificates as struct tlsi_cert_rec records by address,
struct tlsi_ssl_report: 16 bytes, struct tlsi_session_info).
"""
import ctypes
import errno
import fcntl
import os
import socket
import struct
import sys

MAGIC = 0xE7
REPORT_FMT = "<BBBBHHHHI"          # struct tlsi_ssl_report
# struct tlsi_handoff: ..., server_certs, server_certs_len,
# client_hello_len, sni, client_hello
HANDOFF_FMT = "<iiII" + REPORT_FMT[1:] + "QII256sQ"
F_PLAIN = 1
RESULT_DECRYPTED, RESULT_NOT_DECRYPTED = 0, 1
RELAY_KERNEL = 1


def ioc_w(nr, size):
    return (1 << 30) | (size << 16) | (MAGIC << 8) | nr


IOC_HANDOFF = ioc_w(1, struct.calcsize(HANDOFF_FMT))
# struct tlsi_session_info: client_fd, policy_id, ssl_flags, min_rsa_bits,
# service, role + 2 reserved, policy, proxy, cert, trust_store, inspect_depth,
# decrypt_policy + 3 reserved, min/max_version, min_dh/ec_bits,
# client/server_ciphers, proxy_id + 4 reserved
SESSION_INFO_FMT = "<iIIIBB2s129s129s65s65sI129s3sHHHH512s512sII"
IOC_SESSION_INFO = (3 << 30) | (struct.calcsize(SESSION_INFO_FMT) << 16) | (MAGIC << 8) | 3


def session_info(dev, fd):
    """'ok policy_id inspect_depth' or the errno name."""
    buf = bytearray(struct.pack(SESSION_INFO_FMT, fd, 0, 0, 0, 0, 0, b"", b"", b"", b"", b"", 0,
                                b"", b"", 0, 0, 0, 0, b"", b"", 0, 0))
    try:
        fcntl.ioctl(dev, IOC_SESSION_INFO, buf)
    except OSError as e:
        return ename(e.errno)
    v = struct.unpack(SESSION_INFO_FMT, bytes(buf))
    return "ok %d %d" % (v[1], v[11])
IOC_REPORT = ioc_w(2, struct.calcsize(REPORT_FMT))


def ename(e):
    return errno.errorcode.get(e, str(e))


def handoff(dev, cfd, sfd, flags=F_PLAIN, idle=0, result=RESULT_NOT_DECRYPTED,
            reason=0, relay=RELAY_KERNEL, res0=0, res1=0, hello_len=0, sni=b"", hello_ptr=0,
            certs=None, certs_ptr=None, certs_len=None):
    # certs: bytes of struct tlsi_cert_rec records, passed by address
    keep = ctypes.create_string_buffer(certs, len(certs)) if certs else None
    ptr = certs_ptr if certs_ptr is not None else (ctypes.addressof(keep) if keep else 0)
    n = certs_len if certs_len is not None else (len(certs) if certs else 0)
    buf = struct.pack(HANDOFF_FMT, cfd, sfd, flags, idle, result, reason, relay, res0,
                      0x0304, 0x1301, 0x0304, 0x1301, res1, ptr, n, hello_len, sni, hello_ptr)
    try:
        fcntl.ioctl(dev, IOC_HANDOFF, buf)
        return "ok"
    except OSError as e:
        return ename(e.errno)


REC_SUBJECT, REC_ISSUER, REC_SERIAL, REC_DER = 1, 2, 3, 4


def rec(rtype, val, reserved=0, length=None):
    """One struct tlsi_cert_rec record."""
    return struct.pack("<HHI", rtype, reserved, len(val) if length is None else length) + val


def listener(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(256)
    return ls


def proxy(port, host, uport, idle=0):
    dev = os.open("/dev/tlsi", os.O_RDWR)
    ls = listener(port)
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection((host, uport), timeout=5)
        except OSError as e:
            print("upstream error", ename(e.errno), flush=True)
            c.close()
            continue
        rc = handoff(dev, c.fileno(), u.fileno(), idle=idle)
        print("handoff", "ok" if rc == "ok" else "error " + rc, flush=True)
        c.close()
        u.close()


def bad(port, host, uport):
    dev = os.open("/dev/tlsi", os.O_RDWR)
    ls = listener(port)

    def pair():
        cl = socket.create_connection(("127.0.0.1", port))
        c, _ = ls.accept()
        u = socket.create_connection((host, uport), timeout=5)
        return cl, c, u

    cl, c, u = pair()
    cases = [
        ("bad-client-fd", dict(cfd=9999, sfd=u.fileno())),
        ("bad-server-fd", dict(cfd=c.fileno(), sfd=9999)),
        ("same-fd", dict(cfd=c.fileno(), sfd=c.fileno())),
        ("unknown-flag", dict(cfd=c.fileno(), sfd=u.fileno(), flags=0x80)),
        ("hello-len-without-address", dict(cfd=c.fileno(), sfd=u.fileno(), hello_len=1)),
        ("hello-address-without-len", dict(cfd=c.fileno(), sfd=u.fileno(), hello_ptr=4096)),
        ("hello-too-long", dict(cfd=c.fileno(), sfd=u.fileno(), hello_ptr=4096, hello_len=1 << 20)),
        ("certs-len-without-address", dict(cfd=c.fileno(), sfd=u.fileno(), certs_ptr=0, certs_len=8)),
        ("certs-address-without-len", dict(cfd=c.fileno(), sfd=u.fileno(), certs_ptr=4096, certs_len=0)),
        ("certs-too-long", dict(cfd=c.fileno(), sfd=u.fileno(), certs=b"\0" * 65537)),
        ("certs-bad-address", dict(cfd=c.fileno(), sfd=u.fileno(), certs_ptr=8, certs_len=64)),
        ("certs-short-record", dict(cfd=c.fileno(), sfd=u.fileno(), certs=b"\1\0\0\0")),
        ("certs-overlong-record", dict(cfd=c.fileno(), sfd=u.fileno(),
                                       certs=rec(REC_SUBJECT, b"CN=a", length=5))),
        ("certs-empty-record", dict(cfd=c.fileno(), sfd=u.fileno(), certs=rec(REC_DER, b""))),
        ("certs-bad-type", dict(cfd=c.fileno(), sfd=u.fileno(), certs=rec(9, b"x"))),
        ("certs-record-reserved", dict(cfd=c.fileno(), sfd=u.fileno(),
                                       certs=rec(REC_SERIAL, b"01", reserved=1))),
        ("certs-two-subjects", dict(cfd=c.fileno(), sfd=u.fileno(),
                                    certs=rec(REC_SUBJECT, b"CN=a") + rec(REC_SUBJECT, b"CN=b"))),
        ("certs-subject-too-long", dict(cfd=c.fileno(), sfd=u.fileno(),
                                        certs=rec(REC_SUBJECT, b"a" * 1025))),
        ("certs-chain-too-long", dict(cfd=c.fileno(), sfd=u.fileno(),
                                      certs=rec(REC_DER, b"\x30\x00") * 9)),
        ("report-reserved", dict(cfd=c.fileno(), sfd=u.fileno(), res1=7)),
        ("bad-result", dict(cfd=c.fileno(), sfd=u.fileno(), result=3)),
        ("bad-reason", dict(cfd=c.fileno(), sfd=u.fileno(), reason=200)),
        ("idle-too-long", dict(cfd=c.fileno(), sfd=u.fileno(), idle=86401)),
        ("sni-unterminated", dict(cfd=c.fileno(), sfd=u.fileno(), sni=b"a" * 256)),
        ("not-ktls", dict(cfd=c.fileno(), sfd=u.fileno(), flags=0)),
        ("listener", dict(cfd=ls.fileno(), sfd=u.fileno())),
    ]
    f = open("/dev/null")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cases += [
        ("not-a-socket", dict(cfd=f.fileno(), sfd=u.fileno())),
        ("udp", dict(cfd=udp.fileno(), sfd=u.fileno())),
    ]
    for name, kw in cases:
        cfd, sfd = kw.pop("cfd"), kw.pop("sfd")
        print(name, handoff(dev, cfd, sfd, **kw), flush=True)
    # TLSI_IOC_SESSION_INFO on what is not a diverted TCP socket.
    print("info-not-a-socket", session_info(dev, f.fileno()), flush=True)
    print("info-bad-fd", session_info(dev, 9999), flush=True)
    print("info-udp", session_info(dev, udp.fileno()), flush=True)
    print("info-not-diverted", session_info(dev, c.fileno()), flush=True)
    # A good one, then the same sockets again: they are the module's now.
    good = (rec(REC_SUBJECT, b"CN=x") + rec(REC_ISSUER, b"CN=y") + rec(REC_SERIAL, b"01") +
            rec(REC_DER, b"\x30\x00") * 8)
    print("good", handoff(dev, c.fileno(), u.fileno(), certs=good), flush=True)
    print("twice", handoff(dev, c.fileno(), u.fileno()), flush=True)
    cl.sendall(b"ping\n")
    cl.settimeout(5)
    # Unknown ioctl and a short buffer.
    try:
        fcntl.ioctl(dev, ioc_w(99, 8), b"\0" * 8)
        print("unknown-ioctl ok")
    except OSError as e:
        print("unknown-ioctl", ename(e.errno))
    sys.stdout.flush()


def report(args):
    dev = os.open("/dev/tlsi", os.O_RDWR)
    vals = [int(x, 0) for x in args]
    res0 = vals[7] if len(vals) > 7 else 0
    buf = struct.pack(REPORT_FMT, vals[0], vals[1], vals[2], res0, *vals[3:7], 0)
    try:
        fcntl.ioctl(dev, IOC_REPORT, buf)
        print("ok")
    except OSError as e:
        print(ename(e.errno))


def main():
    cmd = sys.argv[1]
    if cmd == "proxy":
        proxy(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),
              int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    elif cmd == "bad":
        bad(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "report":
        report(sys.argv[2:])
    else:
        sys.exit("usage: handoff.py proxy|bad|report ...")


if __name__ == "__main__":
    main()
