#!/usr/bin/env python3
"""Send hand-made (hostile) requests to the tlsi generic netlink family.

  nlraw.py CMD ATTR...     one request; prints "ok" or "error <errno>: <extack>"
  nlraw.py --batch FILE    one request per line (CMD ATTR...) over one socket;
                           stops at the first refusal and prints it

ATTR is TYPE:KIND:VALUE with KIND one of u8 u16 u32 str hex, nest (hex
payload of a nested attribute), or TYPE:cidr:
FAMILY,ADDR,PLEN (a nested cidr, ADDR as dotted quad or hex:...), or
TYPE:cidrs:CIDR;CIDR... (a nest of them), TYPE:names:N,PREFIX (N
NUL-terminated names PREFIX0000...), or TYPE:raw:HEX for arbitrary payloads. TYPE and CMD are numbers or names from
include/uapi/linux/tlsi.h (TLSI_A_*, TLSI_CMD_*), read at run time so the
tool never carries a second copy of the ABI.
"""
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11


def uapi_enums():
    here = os.path.dirname(os.path.abspath(__file__))
    hdr = os.path.join(here, "..", "..", "..", "include", "uapi", "linux", "tlsi.h")
    text = open(hdr).read()
    names = {}
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    # enum tlsi_attr is generated from the TLSI_ATTRS(X) table: X(NAME, ...)
    # is TLSI_A_NAME, numbered from 1 in order.
    table = re.search(r"#define TLSI_ATTRS\(X\)(.*?)\n(?!\s*X\()", text.replace("\\\n", "\n"), re.S)
    for i, name in enumerate(re.findall(r"\bX\((\w+),", table.group(1) if table else "")):
        names["TLSI_A_" + name] = i + 1
    for body in re.findall(r"enum \w+ \{(.*?)\};", text, re.S):
        i = 0
        for item in body.split(","):
            item = item.strip()
            if not item or item.startswith("TLSI_COUNTERS"):
                continue
            m = re.match(r"(\w+)(\s*=\s*(.+))?$", item)
            if not m:
                continue
            if m.group(3):
                try:
                    i = int(m.group(3), 0)
                except ValueError:
                    continue
            names[m.group(1)] = i
            i += 1
    return names


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def nlmsg(mtype, flags, seq, payload):
    return struct.pack("IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


def genl(cmd, attrs=b""):
    return struct.pack("BBH", cmd, 1, 0) + attrs


def request(sock, fam, cmd, attrs, seq=1):
    sock.send(nlmsg(fam, NLM_F_REQUEST | NLM_F_ACK, seq, genl(cmd, attrs)))
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            ln, mtype, flags, s, pid = struct.unpack_from("IHHII", data, off)
            if mtype == NLMSG_ERROR:
                err = struct.unpack_from("i", data, off + 16)[0]
                msg = ""
                # With NETLINK_CAP_ACK unset the request is echoed: skip it.
                inner_len = struct.unpack_from("I", data, off + 20)[0]
                if flags & 0x100:  # NLM_F_CAPPED
                    inner_len = 16
                toff = off + 20 + ((inner_len + 3) & ~3) if err else off + 20 + 16
                while toff + 4 <= off + ln:
                    alen, atype = struct.unpack_from("HH", data, toff)
                    if alen < 4:
                        break
                    if atype == NLMSGERR_ATTR_MSG:
                        msg = data[toff + 4:toff + alen].split(b"\0")[0].decode()
                    toff += (alen + 3) & ~3
                return err, msg
            off += (ln + 3) & ~3


def family_id(sock):
    err, _ = None, None
    sock.send(nlmsg(GENL_ID_CTRL, NLM_F_REQUEST, 1,
                    genl(CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, b"tlsi\0"))))
    data = sock.recv(65536)
    ln, mtype = struct.unpack_from("IH", data, 0)
    if mtype == NLMSG_ERROR:
        sys.exit("tlsi family not registered")
    off = 20
    while off < ln:
        alen, atype = struct.unpack_from("HH", data, off)
        if atype == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("H", data, off + 4)[0]
        off += (alen + 3) & ~3
    sys.exit("no family id")


def cidr(t, value):
    fam, addr, plen = value.split(",")
    raw = bytes.fromhex(addr[4:]) if addr.startswith("hex:") else socket.inet_aton(addr)
    return attr(t | 0x8000, attr(1, struct.pack("B", int(fam))) + attr(2, raw) +
                attr(3, struct.pack("B", int(plen))))


def encode(spec, enums):
    t, kind, value = spec.split(":", 2)
    t = enums[t] if t in enums else int(t, 0)
    if kind == "u8":
        return attr(t, struct.pack("B", int(value, 0) & 0xff))
    if kind == "u16":
        return attr(t, struct.pack("H", int(value, 0) & 0xffff))
    if kind == "u32":
        return attr(t, struct.pack("I", int(value, 0) & 0xffffffff))
    if kind == "str":
        return attr(t, value.encode() + b"\0")
    if kind == "strnonul":
        return attr(t, value.encode())
    if kind in ("hex", "raw"):
        return attr(t, bytes.fromhex(value))
    if kind == "nest":
        return attr(t | 0x8000, bytes.fromhex(value))
    if kind == "cidr":
        return cidr(t, value)
    if kind == "cidrs":
        # a nest of cidr nests, types 1..n: "FAMILY,ADDR,PLEN;..."
        return attr(t | 0x8000, b"".join(cidr(i + 1, v) for i, v in enumerate(value.split(";"))))
    if kind == "names":
        # N,PREFIX: N names PREFIX0000, PREFIX0001... each NUL-terminated
        n, prefix = value.split(",", 1)
        return attr(t, b"".join(b"%s%04d\0" % (prefix.encode(), i) for i in range(int(n))))
    raise SystemExit("unknown kind " + kind)


def batch(path, enums):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.bind((0, 0))
    fam = family_id(s)
    n = 0
    for seq, line in enumerate(open(path), 2):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        cmd = enums[words[0]] if words[0] in enums else int(words[0], 0)
        err, msg = request(s, fam, cmd, b"".join(encode(a, enums) for a in words[1:]), seq)
        if err:
            print("line %d: error %d: %s" % (seq - 1, -err, msg))
            return 1
        n += 1
    print("ok %d requests" % n)
    return 0


def main():
    enums = uapi_enums()
    if sys.argv[1] == "--batch":
        return batch(sys.argv[2], enums)
    cmd = sys.argv[1]
    cmd = enums[cmd] if cmd in enums else int(cmd, 0)
    attrs = b"".join(encode(a, enums) for a in sys.argv[2:])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.bind((0, 0))
    fam = family_id(s)
    err, msg = request(s, fam, cmd, attrs)
    if err:
        print("error %d: %s" % (-err, msg))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
