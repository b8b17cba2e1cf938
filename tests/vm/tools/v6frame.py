#!/usr/bin/env python3
"""Send one hand-made IPv6 TCP SYN frame out of an interface (AF_PACKET),
for the bridge parser's tests: extension header chains and addresses that
a normal socket would never produce.

  v6frame.py IFACE DST_MAC SRC DST DPORT [--ext N] [--first-fragment]

--ext N puts N Destination Options headers (8 bytes of PadN each) before
the TCP header; --first-fragment adds a Fragment header (offset 0, more
fragments) in front of the TCP header.
"""
import argparse
import socket
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("dst_mac")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("--ext", type=int, default=0)
    ap.add_argument("--first-fragment", action="store_true")
    a = ap.parse_args()

    src = socket.inet_pton(socket.AF_INET6, a.src)
    dst = socket.inet_pton(socket.AF_INET6, a.dst)
    tcp = struct.pack("!HHIIBBHHH", 40000, a.dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]

    # Headers are built from the transport header outwards.
    payload, nh = tcp, 6
    if a.first_fragment:
        payload = struct.pack("!BBHI", nh, 0, 1, 0x1234) + payload  # offset 0, M=1
        nh = 44
    for _ in range(a.ext):
        payload = struct.pack("!BBBB4x", nh, 0, 1, 4) + payload  # PadN, 4 bytes
        nh = 60
    ip6 = struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + src + dst
    with open("/sys/class/net/%s/address" % a.iface) as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    eth = bytes.fromhex(a.dst_mac.replace(":", "")) + src_mac + struct.pack("!H", 0x86DD)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    s.send(eth + ip6 + payload)


if __name__ == "__main__":
    main()
