#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What tlslogd's traffic graph page drew in headless Chromium.

graph_check.py DOM PNG "SEEN DECRYPTED NOT_DECRYPTED BLOCKED BYTES"

DOM is Chromium's --dump-dom of /graph after its scripts ran, PNG its
--screenshot (1000x700). The page's hour totals must be the counters'
(the numbers given), it must have drawn two charts, and the screenshot must
show a drawn hour chart in the series' colours. Used by 86-metrics in the
VM (TLSI_BROWSER_TEST=1) and by tests/host/86-metrics.sh on the host.
"""
import re
import struct
import sys
import zlib


def check_dom(dom_path, totals):
    dom = open(dom_path).read()
    assert "<title>tlsi traffic (ready)</title>" in dom, "the page did not draw: " + dom[:2000]
    want = dict(zip(("seen", "decrypted", "not_decrypted", "blocked", "bytes"), map(int, totals.split())))
    got = {s: int(v) for s, v in re.findall(r'<td data-series="(\w+)" data-range="hour">(\d+)</td>', dom)}
    assert got == want, (got, want)
    assert dom.count("<canvas") == 2, "two charts"
    print("ok: the page plotted", got)


def check_png(png_path):
    d = open(png_path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(d):
        n, t = struct.unpack(">I4s", d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif t == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and not interlace, hdr
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for y in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    # The hour chart's plotting area (below its heading, above its legend, at
    # this window size): axes, grid and lines, or nothing when the chart has no
    # data.
    colors, dark, plot = set(), 0, 0
    for y in range(0, h, 3):
        r = rows[y]
        for x in range(0, stride, bpp * 3):
            px = r[x:x + 3]
            colors.add(px)
            dark += sum(px) < 600
            plot += 120 <= y <= 340 and x < 940 * bpp and sum(px) < 600
    # The series' colours (seen #555, decrypted #2a7, bytes #36c) drawn somewhere.
    want = {bytes([0x55, 0x55, 0x55]), bytes([0x22, 0xaa, 0x77]), bytes([0x33, 0x66, 0xcc])}
    found = want & colors
    assert len(colors) > 20 and dark > 500, (len(colors), dark)
    assert plot > 200, "the hour chart is blank (%d drawn samples)" % plot
    assert len(found) >= 2, "series colours not drawn: %s" % found
    print("ok: screenshot %dx%d, %d colours, %d non-white samples (%d in the hour chart), series colours %s" %
          (w, h, len(colors), dark, plot, sorted(c.hex() for c in found)))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    check_dom(sys.argv[1], sys.argv[3])
    check_png(sys.argv[2])
