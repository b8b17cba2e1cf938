#!/bin/bash
# TLS fingerprints on TLS the appliance does not decrypt: connections on a
# port no SSL proxy intercepts are relayed by tlsi.ko as cleartext and the
# engine reads their ClientHello and ServerHello as Suricata does (ja3.hash,
# ja3.string, ja3s.hash, ja4.hash, tls.sni).
#   - curl's real ClientHello is captured at a plain listener and its JA3
#     computed here in Python (an implementation independent of the
#     engine's); a rule with that ja3.hash alerts on curl through the
#     appliance, and does not alert on openssl s_client's hello; likewise
#     a ja4.hash rule with curl's JA4 computed in Python from FoxIO's
#     JA4.md (with Suricata 7's choices).
#   - ET 2025487 (tls.sni endswith) alerts on curl's SNI.
#   - ET 2037959 (ja3s.hash of DeimosC2's server, "771,4865,43-51", which is
#     OpenSSL's TLS 1.3 ServerHello with TLS_AES_128_GCM_SHA256) alerts on
#     openssl s_server, behind its flowbit (set here by a local rule: ET's
#     own setter needs DeimosC2's client fingerprint).
#   - the same ja3.hash and ja4.hash rules match curl through tlsid (decrypted: tlsid
#     hands the ClientHello over with the session).
#   - the same ja3.hash as a drop rule blocks curl (reset).
#   - xbits across connections: curl's JA3 sets a bit on its host (track
#     ip_src) that a rule on s_client's later connection tests; a
#     stream_size rule matches the ClientHello (the server sent nothing).
#   - a malformed ClientHello is counted in ips_tls_anomalies.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid's divert routing] eth1 -- server 10.9.0.2
#                                                 openssl s_server :8443, capture :9443
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

ET=${TLSI_ET_OPEN:-build/et-open}
[ -d "$ET" ] || fail "no ET Open rules at $ET"
W=/tmp/ips-tlskw.$$
mkdir -p "$W"
on_exit "rm -rf $W"

# tlsid with an SSL proxy on 443 only: 8443 and 9443 are cleartext-inspected
tlsid_setup "$W" 443
chmod 755 "$W" "$W/www"
printf "fingerprinted" >"$W/www/index.html"
s_server 8443 -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
s_server 443

# ---- curl's ClientHello, and its JA3 computed in Python ---------------------------------
cat >"$W/capture.py" <<'EOF'
import socket, sys
# Accept one connection, keep its first handshake message (records
# removed), print it as hex and close.
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("10.9.0.2", 9443))
ls.listen(1)
c, _ = ls.accept()
c.settimeout(60)
buf, msg = b"", b""
while True:
    d = c.recv(65536)
    if not d:
        break
    buf += d
    while len(buf) >= 5 and len(buf) >= 5 + int.from_bytes(buf[3:5], "big"):
        n = int.from_bytes(buf[3:5], "big")
        msg += buf[5:5 + n]
        buf = buf[5 + n:]
    if len(msg) >= 4 and len(msg) >= 4 + int.from_bytes(msg[1:4], "big"):
        break
c.close()
open(sys.argv[1], "w").write(msg.hex())
EOF
cat >"$W/ja3.py" <<'EOF'
import hashlib, sys
# JA3 of a ClientHello handshake message (hex in argv[1]): salesforce/ja3.
m = bytes.fromhex(open(sys.argv[1]).read())
grease = lambda v: (v & 0x0f0f) == 0x0a0a and v >> 8 == v & 0xff
u16 = lambda b, i: int.from_bytes(b[i:i + 2], "big")
assert m[0] == 1
ver = u16(m, 4)
i = 4 + 2 + 32
i += 1 + m[i]
cl = u16(m, i)
ciphers = [u16(m, i + 2 + k) for k in range(0, cl, 2)]
i += 2 + cl
i += 1 + m[i]
exts, groups, fmts = [], [], []
end = i + 2 + u16(m, i)
i += 2
while i < end:
    t, l = u16(m, i), u16(m, i + 2)
    body = m[i + 4:i + 4 + l]
    exts.append(t)
    if t == 10:
        groups = [u16(body, 2 + k) for k in range(0, u16(body, 0), 2)]
    if t == 11:
        fmts = list(body[1:1 + body[0]])
    i += 4 + l
j = lambda xs: "-".join(str(x) for x in xs if not grease(x))
s = "%d,%s,%s,%s,%s" % (ver, j(ciphers), j(exts), j(groups), "-".join(map(str, fmts)))
print(s)
print(hashlib.md5(s.encode()).hexdigest())
EOF
cat >"$W/ja4.py" <<'EOF'
import hashlib, sys
# JA4 of a ClientHello handshake message (hex in argv[1]): FoxIO's
# technical_details/JA4.md with Suricata 7's choices (an empty list hashes
# as "", the "_" between extensions and signature algorithms always there).
m = bytes.fromhex(open(sys.argv[1]).read())
grease = lambda v: (v & 0x0f0f) == 0x0a0a and v >> 8 == v & 0xff
u16 = lambda b, i: int.from_bytes(b[i:i + 2], "big")
known = lambda v: 0x300 <= v <= 0x304 or v == 0x7f01 or 0x7f10 <= v <= 0x7f1c or 0xfb14 <= v <= 0xfb17 or v == 0xfb1a
assert m[0] == 1
ver = u16(m, 4)
i = 4 + 2 + 32
i += 1 + m[i]
cl = u16(m, i)
ciphers = [c for c in (u16(m, i + 2 + k) for k in range(0, cl, 2)) if not grease(c)]
i += 2 + cl
i += 1 + m[i]
exts, sigs, sni, alpn = [], [], "i", "00"
end = i + 2 + u16(m, i) if i < len(m) else i
i += 2
while i < end:
    t, l = u16(m, i), u16(m, i + 2)
    body = m[i + 4:i + 4 + l]
    i += 4 + l
    if grease(t):
        continue
    exts.append(t)
    if t == 0:
        sni = "d"
    elif t == 16 and len(body) >= 3 and 0 < body[2] <= u16(body, 0) - 1:
        a = body[3:3 + body[2]]
        if len(a) == 2 and grease(u16(a, 0)):
            continue
        isal = lambda c: chr(c).isascii() and chr(c).isalnum()
        alpn = chr(a[0]) + chr(a[-1]) if isal(a[0]) and isal(a[-1]) else "%x%x" % (a[0] >> 4, a[-1] & 15)
    elif t == 13:
        sigs += [s for s in (u16(body, 2 + k) for k in range(0, u16(body, 0), 2)) if not grease(s)]
    elif t == 43 and body:
        sv = [v for v in (u16(body, 1 + k) for k in range(0, body[0], 2)) if known(v)]
        if sv and sv[0] > ver:
            ver = sv[0]
code = {0x304: "13", 0x303: "12", 0x302: "11", 0x301: "10", 0x300: "s3"}.get(ver, "00")
h = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12]
x = lambda xs: ",".join("%04x" % v for v in xs)
a = "t%s%s%02d%02d%s" % (code, sni, min(len(ciphers), 99), min(len(exts), 99), alpn)
print("%s_%s_%s" % (a, h(x(sorted(ciphers))), h(x(sorted(e for e in exts if e not in (0, 16))) + "_" + x(sigs))))
EOF
spawn s python3 "$W/capture.py" "$W/curl.hello"
wait_port s 9443
curl_tls() { in_c curl -sS -k --max-time 60 --resolve "cdn.maraukog.info:$1:10.9.0.2" "https://cdn.maraukog.info:$1/${2:-}"; }
curl_tls 9443 >/dev/null 2>&1 || true
wait_until $T_REACT test -s "$W/curl.hello" || fail "no ClientHello captured"
python3 "$W/ja3.py" "$W/curl.hello" >"$W/curl.ja3"
JA3S=$(sed -n 1p "$W/curl.ja3")
JA3=$(sed -n 2p "$W/curl.ja3")
[[ $JA3 =~ ^[0-9a-f]{32}$ ]] || fail "ja3 of curl: $(cat "$W/curl.ja3")"
pass "curl's JA3 (Python): $JA3 ($JA3S)"
JA4=$(python3 "$W/ja4.py" "$W/curl.hello")
[[ $JA4 =~ ^t1[23]d[0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$ ]] || fail "ja4 of curl: $JA4"
pass "curl's JA4 (Python): $JA4"

# ---- rules ----------------------------------------------------------------------------
for sid in 2025487 2037959; do
	grep -h "sid:$sid;" "$ET"/*.rules | grep -q '^alert tls' || fail "ET has no enabled rule $sid"
done
grep -h -e "sid:2025487;" -e "sid:2037959;" "$ET"/*.rules >"$W/tls.rules"
cat >>"$W/tls.rules" <<EOF
alert tls \$HOME_NET any -> \$EXTERNAL_NET any (msg:"curl JA3"; flow:established,to_server; ja3.hash; content:"$JA3"; sid:1037001; rev:1;)
alert tls \$HOME_NET any -> \$EXTERNAL_NET any (msg:"TLS 1.2 legacy version client (sets ET.deimosc2.ja3)"; flow:established,to_server; ja3.string; content:"771,"; startswith; flowbits:set,ET.deimosc2.ja3; flowbits:noalert; sid:1037002; rev:1;)
alert tls \$HOME_NET any -> \$EXTERNAL_NET any (msg:"curl seen from this host"; flow:established,to_server; ja3.hash; content:"$JA3"; xbits:set,curl.seen,track ip_src,expire 300; noalert; sid:1037003; rev:1;)
alert tls \$HOME_NET any -> \$EXTERNAL_NET any (msg:"another client from a host that ran curl"; flow:established,to_server; xbits:isset,curl.seen,track ip_src; tls.sni; content:"other.example"; sid:1037004; rev:1;)
alert tls \$HOME_NET any -> \$EXTERNAL_NET any (msg:"curl JA4"; flow:established,to_server; ja4.hash; content:"$JA4"; sid:1037006; rev:1;)
alert tls \$HOME_NET any -> \$EXTERNAL_NET any (msg:"ClientHello before the server spoke"; flow:established,to_server; stream_size:server,=,1; tls.sni; content:"cdn.maraukog.info"; sid:1037005; rev:1;)
EOF
load_rules_home "$W/tls.rules" 8 10.9.0.1/32
pass "ET 2025487, ET 2037959 and 6 local ja3/ja4/xbits/stream_size rules loaded"

start_tlsid
monitor_start "$W/monitor.out" --eve "$W/eve.json"

# ---- curl: ja3.hash and tls.sni ---------------------------------------------------------
stats_snapshot
assert_eq "$(curl_tls 8443 index.html)" "fingerprinted" "curl over cleartext-inspected TLS"
assert_delta cleartext_diverted 1
wait_until $T_REACT _eve_has 1037001 || fail "no EVE record of the ja3.hash rule: $(cat "$W/monitor.out")"
wait_until $T_REACT _eve_has 2025487 || fail "no EVE record of ET 2025487"
eve_has 1037001 "app_proto=tls"
eve_has 1037001 "ssl_inspected=False"
eve_has 1037001 "dest_port=8443"
eve_has 2025487 "app_proto=tls"
wait_until $T_REACT _eve_has 1037005 || fail "no EVE record of the stream_size rule"
wait_until $T_REACT _eve_has 1037006 || fail "no EVE record of the ja4.hash rule"
eve_has 1037006 "dest_port=8443"
pass "curl's JA3, JA4 and SNI matched on TLS that is not decrypted; stream_size:server,=,1 at its ClientHello"

# ---- openssl s_server's ServerHello: ja3s.hash --------------------------------------------
wait_until $T_REACT _eve_has 2037959 || fail "no EVE record of ET 2037959 (ja3s)"
eve_has 2037959 "src_port=8443"
pass "ET 2037959 (ja3s.hash 771,4865,43-51) matched openssl s_server's TLS 1.3 ServerHello"

# ---- another client: another fingerprint ----------------------------------------------------
n=$(eve_count 1037001)
n4=$(eve_count 1037006)
echo | in_c timeout 120 openssl s_client -connect 10.9.0.2:8443 -servername other.example \
	>"$W/s_client.out" 2>&1 || true
grep -q "TLS_AES_128_GCM_SHA256" "$W/s_client.out" || fail "s_client: $(cat "$W/s_client.out")"
wait_until $T_REACT _eve_has 1037004 || fail "no EVE record of the xbits rule (curl.seen on 10.9.0.1)"
eve_has 1037004 "src_ip=10.9.0.1"
# a TLS 1.2-only client: the server refuses with an alert (not an anomaly)
echo | in_c timeout 120 openssl s_client -connect 10.9.0.2:8443 -tls1_2 >/dev/null 2>&1 || true
[ "$(eve_count 1037001)" = "$n" ] || fail "the ja3.hash rule matched openssl s_client"
[ "$(eve_count 1037006)" = "$n4" ] || fail "the ja4.hash rule matched openssl s_client"
assert_delta ips_tls_anomalies 0
pass "openssl s_client's ClientHello does not match curl's JA3 or JA4, the xbit curl set on its host does; no TLS anomaly counted"

# ---- an intercepted session: tlsid hands the ClientHello to the kernel -------------------
n=$(eve_count 1037001)
n4=$(eve_count 1037006)
assert_eq "$(curl_site 443 --cacert "$W/signca.crt" https://site.test/index.html)" "fingerprinted" \
	"curl through tlsid (decrypted)"
_more_1037001() { [ "$(eve_count 1037001)" -gt "$n" ] && [ "$(eve_count 1037006)" -gt "$n4" ]; }
wait_until $T_REACT _more_1037001 || fail "the ja3.hash/ja4.hash rules did not match the intercepted session"
eve_has 1037001 "ssl_inspected=True"
eve_has 1037001 "dest_port=443"
pass "curl's JA3 and JA4 matched on a decrypted session too (tlsid passed its ClientHello)"

# ---- drop: block the client fingerprint ---------------------------------------------------
sed "s/^alert \(.*sid:1037001;\)/drop \1/" "$W/tls.rules" >"$W/drop.rules"
load_rules_home "$W/drop.rules" 8 10.9.0.1/32
stats_snapshot
rc=0
out=$(curl_tls 8443 index.html 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "curl with a dropped JA3 got through: $out"
assert_delta ips_blocks 1
wait_until $T_REACT _eve_has 1037001 || true
eve_has 1037001 "alert.action=blocked"
pass "drop on ja3.hash: curl blocked (curl $rc)"

# ---- a malformed ClientHello: counted, the connection otherwise relayed --------------------
stats_snapshot
in_c python3 - <<'EOF' || true
import socket
s = socket.create_connection(("10.9.0.2", 8443), timeout=30)
s.sendall(bytes.fromhex("160301000a") + bytes.fromhex("0100000600") + b"xxxxx")
s.settimeout(5)
try:
    s.recv(100)
except OSError:
    pass
EOF
_tls_anomaly() { [ "$(delta ips_tls_anomalies)" -ge 1 ]; }
wait_until $T_REACT _tls_anomaly || fail "ips_tls_anomalies: $(delta ips_tls_anomalies)"
pass "a malformed ClientHello is counted in ips_tls_anomalies"
