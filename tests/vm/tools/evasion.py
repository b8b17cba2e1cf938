#!/usr/bin/env python3
"""TCP/IP evasions of an HTTP request, sent with scapy from a client whose
own kernel must not answer for the connection (drop its outgoing resets).

  evasion.py MODE DST PORT PATH
  evasion.py all DST PORT PATH...      every mode (or those EVASION_MODES
                                       names) with each PATH in turn: a
                                       line "MODE RESULT..." per mode

MODE is how the request (one line "GET PATH HTTP/1.1" and a Host header)
is cut into packets:
  plain        one segment
  tiny         one segment per byte
  reorder      8 segments, sent last first
  conflict     in order, each segment at once retransmitted with other
               bytes (the same length): a receiver keeps the first copy
  overlap      out of order and overlapping: the tail from 6 bytes before
               the end of the path first, then the head up to 4 bytes
               past that cut (overlapping bytes identical): no segment
               holds the path's last word
  extend       in order and overlapping: the head up to 4 bytes past a cut
               inside the path's last word, then from the cut to the end
               (overlapping bytes identical; only with EVASION_MODES)
  fragments    one segment cut into 24-byte IP fragments (the first holds
               the whole TCP header: a first fragment too short for it is
               dropped by the bridge as malformed, RFC 1858), sent last first

Prints "response" (the server's data came back), "reset" (the connection
was reset) or "nothing" (neither within EVASION_WAIT seconds, default 30,
of the last packet).
"""
import os
import random
import socket
import sys
import threading

from scapy.all import IP, TCP, AsyncSniffer, L3RawSocket, conf, fragment, send, sr1

conf.verb = 0
# A destination behind a tunnel device (no link layer scapy knows): send
# through the kernel's routing (raw IP socket), receive on the device.
RAW = os.environ.get("EVASION_RAW") == "1"
if RAW:
    conf.L3socket = L3RawSocket


def segments(mode, data):
    """(offset, bytes) in sending order; None: IP fragments."""
    n = len(data)
    if mode == "plain":
        return [(0, data)]
    if mode == "tiny":
        return [(i, data[i:i + 1]) for i in range(n)]
    if mode == "reorder":
        step = (n + 7) // 8
        return [(i, data[i:i + step]) for i in range(0, n, step)][::-1]
    if mode == "conflict":
        out, step = [], 6
        for i in range(0, n, step):
            chunk = data[i:i + step]
            out.append((i, chunk))
            out.append((i, bytes(b"x"[0] if c not in b"\r\n " else c for c in chunk)))
        return out
    if mode == "overlap":
        cut = data.index(b" HTTP/") - 6	# inside the path's last word
        return [(cut, data[cut:]), (0, data[:cut + 4])]
    if mode == "extend":
        cut = data.index(b" HTTP/") - 6
        return [(0, data[:cut + 4]), (cut, data[cut:])]
    if mode == "fragments":
        return None
    sys.exit("unknown mode " + mode)


MODES = ("plain", "tiny", "reorder", "conflict", "overlap", "fragments")


def main():
    mode, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "all":
        # every mode with each path in turn (scapy loads once: slow on an
        # emulated machine)
        for m in os.environ.get("EVASION_MODES", " ".join(MODES)).split():
            res = [run(m, dst, port, p) for p in sys.argv[4:]]
            print(m, " ".join(res), flush=True)
    else:
        print(run(mode, dst, port, sys.argv[4]))


def to_device(l3, iface, pkt):
    """Send pkt as it is. With RAW, straight to the tunnel device: the
    local output path would refuse the reset (the client's own resets
    are dropped there) and not send fragments as they are."""
    if not RAW:
        l3.send(pkt)
        return
    ps = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM)
    try:
        ps.sendto(bytes(pkt), (iface, 0x0800))
    finally:
        ps.close()


def run(mode, dst, port, path):
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, dst)).encode()
    sport = random.randint(20000, 60000)
    isn = random.randint(0, 2**31)
    ip = IP(dst=dst)
    iface = conf.route.route(dst)[0]
    synack = sr1(ip / TCP(sport=sport, dport=port, flags="S", seq=isn), timeout=30, retry=2)
    if synack is None or not synack.haslayer(TCP) or (synack[TCP].flags & 0x12) != 0x12:
        return "no-synack"
    ack = synack[TCP].seq + 1
    seq = isn + 1
    send(ip / TCP(sport=sport, dport=port, flags="A", seq=seq, ack=ack))

    def done(p):
        return p.haslayer(TCP) and (p[TCP].flags & 0x04 or len(p[TCP].payload) > 0)

    ready = threading.Event()
    if RAW:
        # no BPF for an unknown link type: filtered here
        def mine(p):
            return (p.haslayer(IP) and p.haslayer(TCP) and p[IP].src == dst and
                    p[TCP].sport == port and p[TCP].dport == sport)
        sniffer = AsyncSniffer(L2socket=L3RawSocket, lfilter=mine, stop_filter=done,
                               iface=iface, started_callback=ready.set)
    else:
        sniffer = AsyncSniffer(filter="tcp and src host %s and src port %d and dst port %d" %
                               (dst, port, sport), stop_filter=done,
                               iface=iface, started_callback=ready.set)
    sniffer.start()
    ready.wait(30)
    # one socket for every packet: send() opens one per call, too slow for
    # a request cut into single bytes on an emulated machine
    l3 = conf.L3socket(iface=iface)
    segs = segments(mode, req)
    if segs is None:
        pkt = IP(dst=dst, id=random.randint(1, 65535)) / TCP(
            sport=sport, dport=port, flags="PA", seq=seq, ack=ack) / req
        for f in fragment(pkt, fragsize=24)[::-1]:
            to_device(l3, iface, f)
    else:
        for off, chunk in segs:
            l3.send(ip / TCP(sport=sport, dport=port, flags="PA", seq=seq + off, ack=ack) / chunk)
    # the answer within EVASION_WAIT s of the last packet
    sniffer.join(timeout=float(os.environ.get("EVASION_WAIT", "30")))
    if sniffer.running:
        sniffer.stop()
    got = sniffer.results or []
    print("%s: %d packets from the server" % (mode, len(got)), file=sys.stderr)
    for p in got[-3:]:
        print(p.summary(), file=sys.stderr)
    if any(p[TCP].flags & 0x04 for p in got if p.haslayer(TCP)):
        res = "reset"
    elif any(len(p[TCP].payload) for p in got if p.haslayer(TCP)):
        res = "response"
    else:
        res = "nothing"
    # the server's data is not acknowledged: end the connection
    to_device(l3, iface, ip / TCP(sport=sport, dport=port, flags="R", seq=seq + len(req)))
    l3.close()
    return res


if __name__ == "__main__":
    main()
