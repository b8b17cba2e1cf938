#!/usr/bin/env python3
"""DNS over TLS (RFC 7858) for the VM tests: a server and a client.

  dot.py server PORT CERT KEY ADDR [cbc]
                                     answer every A query with ADDR (other
                                     types: NODATA), any number of queries
                                     per connection; cbc: TLS 1.2 with an
                                     ECDSA CBC suite only (which kTLS cannot
                                     carry)
  dot.py query HOST PORT NAME        one A query over TLS to HOST:PORT,
                                     verifying the server as $DOT_SNI
                                     (default site.test) with $DOT_CA;
                                     prints the address and exits 0, or
                                     prints "reset" (exit 2), "closed"
                                     (exit 3, no answer), "bad answer" (4)
"""
import os, socket, ssl, struct, sys, threading, time

# tcpi_state values (linux/tcp_states.h)
TCP_ESTABLISHED, TCP_CLOSE = 1, 7

def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def skip_name(msg, i):
    while msg[i]:
        if msg[i] & 0xC0 == 0xC0:
            return i + 2
        i += 1 + msg[i]
    return i + 1

def recv_n(sock, n):
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf

def answer(query, addr):
    qid, flags, qd = struct.unpack(">HHH", query[:6])
    end = skip_name(query, 12)
    qtype = struct.unpack(">H", query[end:end + 2])[0]
    question = query[12:end + 4]
    an = 1 if qtype == 1 else 0
    out = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, an, 0, 0) + question
    if an:
        out += struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    return out

def serve(conn, addr):
    try:
        while True:
            head = recv_n(conn, 2)
            if head is None:
                break
            query = recv_n(conn, struct.unpack(">H", head)[0])
            if query is None:
                break
            resp = answer(query, addr)
            conn.sendall(struct.pack(">H", len(resp)) + resp)
    except (OSError, ssl.SSLError, IndexError, struct.error):
        pass
    finally:
        conn.close()

def server(port, cert, key, addr, cbc=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if cbc:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA256")
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(16)
    while True:
        raw, _ = ls.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn, addr), daemon=True).start()

def tcp_state(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]

def query(host, port, name):
    ctx = ssl.create_default_context(cafile=os.environ["DOT_CA"])
    sock = socket.create_connection((host, port), timeout=20)
    tls = ctx.wrap_socket(sock, server_hostname=os.environ.get("DOT_SNI", "site.test"))
    msg = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + name_wire(name) + struct.pack(">HH", 1, 1)
    tls.sendall(struct.pack(">H", len(msg)) + msg)
    # OpenSSL reports a reset as an EOF, and reading after a FIN may make
    # the connection CLOSE too: so the TCP state is looked at before each
    # read, CLOSE meaning a reset arrived, CLOSE_WAIT a FIN
    tls.setblocking(False)
    buf, state, deadline = b"", TCP_ESTABLISHED, time.time() + 20
    while time.time() < deadline:
        state = tcp_state(tls)
        if state == TCP_CLOSE:
            break
        try:
            part = tls.recv(4096)
        except ssl.SSLWantReadError:
            time.sleep(0.02)
            continue
        except (ssl.SSLError, OSError):
            part = b""
        if not part:
            break
        buf += part
        if len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
            break
    if len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
        print("reset" if state == TCP_CLOSE else "closed")
        return 2 if state == TCP_CLOSE else 3
    resp = buf[2:]
    qid, flags, qd, an = struct.unpack(">HHHH", resp[:8])
    if qid != 0x4242 or not flags & 0x8000 or an < 1:
        print("bad answer")
        return 4
    i = skip_name(resp, 12) + 4
    i = skip_name(resp, i)
    rtype, _, _, rdlen = struct.unpack(">HHIH", resp[i:i + 10])
    if rtype != 1 or rdlen != 4:
        print("bad answer")
        return 4
    print(socket.inet_ntoa(resp[i + 10:i + 14]))
    return 0

if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:] == ["cbc"])
    elif sys.argv[1] == "query":
        sys.exit(query(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    else:
        sys.exit(__doc__)
