#!/usr/bin/env python3
"""How a TLS session ends, as its client sees it (VM tests of the relay).

  tls_end.py server PORT CERT KEY [--cbc] [--log FILE]
      A TLS server (--cbc: TLS 1.2 with AES128-SHA only, a suite kTLS cannot
      carry, so tlsid relays the session itself; --log: append how each
      session ended, "peer=ADDR:PORT end=KIND [detail=...]", KIND as the
      client prints it, from the command line on; handshake_failed).
      Each connection sends one command line:
        hold N      answer N bytes, then keep the session open until the
                    peer ends it
        echo        echo every line back until the peer ends the session
        close N     answer N bytes, then close_notify and FIN (a clean end)

  tls_end.py client HOST PORT SNI COMMAND [--send TEXT] [--after-bytes N]
                    [--timeout S] [--ready FILE]
      Sends COMMAND, then (once N bytes have arrived, default 0) TEXT, and
      reads until the session ends; creates FILE once N bytes have arrived. Prints one line:
        bytes=N end=KIND [detail=...]
      KIND is close_notify (a clean TLS end), ragged_eof (FIN without
      close_notify), alert (a fatal TLS alert: detail names it), reset (a
      TCP reset), timeout (nothing ended it within S s, default 60) or
      connect_error.
"""
import socket, ssl, sys, threading


TCP_CLOSE = 7      # include/net/tcp_states.h


def tcp_state(sock):
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    except OSError:
        return -1


def serve(port, cert, key, cbc=False, log=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if cbc:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("AES128-SHA")
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(64)

    def ended(peer, kind, detail=""):
        if log:
            with open(log, "a") as out:
                out.write("peer=%s:%d end=%s%s\n" % (peer[0], peer[1], kind,
                                                      " detail=" + detail if detail else ""))

    def session(s):
        f = s.makefile("rb")
        cmd = f.readline().split()
        if not cmd:
            return "close_notify"
        if cmd[0] == b"echo":
            for line in f:
                s.sendall(line)
            return "close_notify"
        if cmd[0] in (b"hold", b"close"):
            s.sendall(b"x" * int(cmd[1]))
            if cmd[0] == b"close":
                s.unwrap()
                return "closed"
            while s.recv(4096):
                pass
            return "close_notify"
        return "bad_command"

    def one(raw):
        peer = raw.getpeername()
        try:
            s = ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
        except (OSError, ssl.SSLError) as e:
            ended(peer, "handshake_failed", str(e).replace(" ", "_"))
            raw.close()
            return
        # How the session ended, from the first read on (the command
        # line too: a session cut before it arrives ends there).
        try:
            ended(peer, session(s))
        except ConnectionResetError:
            ended(peer, "reset")
        except ssl.SSLEOFError:
            # OpenSSL 3 reports a reset as an unexpected EOF too: the TCP
            # state tells them apart (CLOSE after a reset, CLOSE_WAIT
            # after a FIN).
            ended(peer, "reset" if tcp_state(s) == TCP_CLOSE else "ragged_eof")
        except ssl.SSLError as e:
            ended(peer, "alert" if "ALERT" in (e.reason or "") else "tls_error", e.reason or str(e))
        except (OSError, IndexError, ValueError) as e:
            ended(peer, "error", str(e).replace(" ", "_"))
        finally:
            raw.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


class Ended(Exception):
    """The session ended: KIND and DETAIL as printed."""

    def __init__(self, kind, detail=""):
        super().__init__(kind)
        self.kind, self.detail = kind, detail


def client(host, port, sni, command, send=None, after=0, timeout=60.0, ready=None):
    # TLS over memory BIOs: the TCP socket is read here, so that a reset
    # (ECONNRESET) and a FIN (b"") are told apart; OpenSSL 3 reports both
    # as an unexpected EOF.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inb, outb, server_hostname=sni)
    got = 0
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        print("bytes=0 end=connect_error detail=%s" % str(e).replace(" ", "_"))
        return

    def flush():
        data = outb.read()
        if data:
            raw.sendall(data)

    def fill():
        try:
            d = raw.recv(65536)
        except ConnectionResetError:
            raise Ended("reset")
        except socket.timeout:
            raise Ended("timeout")
        if not d:
            raise Ended("ragged_eof")
        inb.write(d)

    def tls_call(fn, *args):
        while True:
            try:
                r = fn(*args)
                flush()
                return r
            except ssl.SSLWantReadError:
                flush()
                fill()
            except ssl.SSLZeroReturnError:
                flush()
                raise Ended("close_notify")
            except ssl.SSLError as e:
                kind = "alert" if "ALERT" in (e.reason or "") else "tls_error"
                raise Ended(kind, e.reason or str(e))

    try:
        tls_call(tls.do_handshake)
        tls_call(tls.write, command.encode() + b"\n")
        while True:
            if send is not None and got >= after:
                tls_call(tls.write, send.encode() + b"\n")
                send = None
            if ready is not None and got >= after:
                open(ready, "w").close()
                ready = None
            d = tls_call(tls.read, 65536)
            if not d:       # close_notify (SSLObject.read says so with b"")
                raise Ended("close_notify")
            got += len(d)
    except Ended as e:
        print("bytes=%d end=%s%s" % (got, e.kind, " detail=" + e.detail if e.detail else ""))
    except OSError as e:
        print("bytes=%d end=error detail=%s" % (got, str(e).replace(" ", "_")))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "server":
        serve(int(a[1]), a[2], a[3], "--cbc" in a[4:],
              a[a.index("--log") + 1] if "--log" in a[4:] else None)
    elif a and a[0] == "client":
        opts, pos = {}, []
        i = 1
        while i < len(a):
            if a[i].startswith("--"):
                opts[a[i][2:]] = a[i + 1]
                i += 2
            else:
                pos.append(a[i])
                i += 1
        client(pos[0], int(pos[1]), pos[2], pos[3], opts.get("send"),
               int(opts.get("after-bytes", 0)), float(opts.get("timeout", 60)),
               opts.get("ready"))
    else:
        sys.exit(__doc__)
