#!/usr/bin/env python3
"""Small cleartext servers for the VM tests of cleartext inspection.

  clear_servers.py smtp PORT MAILDIR   an SMTP server (RFC 5321's minimum:
                                       EHLO/HELO, MAIL, RCPT, DATA, RSET,
                                       NOOP, QUIT); each message is written
                                       whole to MAILDIR/N.eml
  clear_servers.py dns PORT ADDR [LOG] a DNS server on UDP and TCP PORT: any
                                       A query is answered with ADDR, others
                                       with NOERROR and no answer; each
                                       question's name (and "udp" or "tcp")
                                       is appended to LOG
"""
import os
import socket
import socketserver
import struct
import sys
import threading


class SMTP(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 mail.test ESMTP tlsi-test")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.strip().split(b" ", 1)[0].upper()
            if cmd == b"EHLO":
                self.wfile.write(b"250-mail.test\r\n250 8BITMIME\r\n")
                self.wfile.flush()
            elif cmd in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif cmd == b"DATA":
                self.reply("354 go ahead")
                body = b""
                while True:
                    l = self.rfile.readline()
                    if not l:
                        return
                    if l == b".\r\n":
                        break
                    body += l
                n = len(os.listdir(self.server.maildir))
                with open(os.path.join(self.server.maildir, "%d.eml" % n), "wb") as f:
                    f.write(body)
                self.reply("250 queued as %d" % n)
            elif cmd == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 unknown command")


def dns_answer(q, addr):
    """The response to query q (bytes), or None if q is not a query."""
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i = 12
    while i < len(q) and q[i]:
        i += 1 + q[i]
    if i + 5 > len(q):
        return None
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    if LOG:
        name, j = [], 12
        while j < i:
            name.append(q[j + 1:j + 1 + q[j]].decode("ascii", "replace"))
            j += 1 + q[j]
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (".".join(name), TRANSPORT.name))
    question = q[12:i + 5]
    an = 1 if qtype == 1 else 0
    head = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, an, 0, 0)
    out = head + question
    if an:
        out += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return out


LOG = None
TRANSPORT = threading.local()


def dns_udp(port, addr):
    TRANSPORT.name = "udp"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        q, peer = s.recvfrom(65535)
        a = dns_answer(q, addr)
        if a:
            s.sendto(a, peer)


class DNSTCP(socketserver.StreamRequestHandler):
    def handle(self):
        TRANSPORT.name = "tcp"
        while True:
            h = self.rfile.read(2)
            if len(h) < 2:
                return
            q = self.rfile.read(struct.unpack("!H", h)[0])
            a = dns_answer(q, self.server.addr)
            if not a:
                return
            self.wfile.write(struct.pack("!H", len(a)) + a)
            self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "smtp":
        srv = Server(("0.0.0.0", port), SMTP)
        srv.maildir = sys.argv[3]
        srv.serve_forever()
    elif mode == "dns":
        global LOG
        LOG = sys.argv[4] if len(sys.argv) > 4 else None
        threading.Thread(target=dns_udp, args=(port, sys.argv[3]), daemon=True).start()
        srv = Server(("0.0.0.0", port), DNSTCP)
        srv.addr = sys.argv[3]
        srv.serve_forever()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
