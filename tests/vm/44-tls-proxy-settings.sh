#!/bin/bash
# Each SSL proxy's TLS settings (the guide's Cipher Suites tab), observed
# from both sides with real openssl clients and `openssl s_server -trace':
#   - the default proxy: TLS 1.2 and 1.3 only (a TLS 1.1 client is refused
#     before the server hears of it), forward-secret AEAD suites only on
#     both sides (an AES128-SHA client is refused; the upstream offer of a
#     client offering everything holds no CBC, no RSA key exchange, and TLS
#     1.2-1.3 only);
#   - a proxy with min-version tls1.0 max-version tls1.2, CBC suites added
#     and etm on: a TLS 1.0 client is served over TLS 1.0 both ways, a TLS
#     1.3-only client is refused, Encrypt-then-MAC is offered upstream and
#     granted to the client;
#   - client-ciphers and server-ciphers apart: the client meets only the
#     client-side list, the server only the server-side one (narrowed to
#     what the client offered);
#   - min-dh-bits / min-ec-bits: a 2048-bit DHE server is refused under
#     min-dh-bits 3072 and served under the default 2048, a 1024-bit DH
#     server refused by default; a P-256 key exchange refused under
#     min-ec-bits 384 (counted, the reason logged), P-384 served, and with
#     `unsupported bypass' the client meets the P-256 server itself;
#   - bad settings refused with a message naming the culprit, nothing
#     changed, by tlsictl and by the kernel (raw netlink);
#   - show and save print every setting;
#   - with TLSI_TESTSSL=1 (minutes under TCG): testssl.sh from the client
#     namespace against the default proxy finds TLS 1.2 and 1.3 only, no CBC,
#     forward secrecy;
#   - a signing certificate or trust store in use cannot be deleted (the
#     message names the proxy or policy), unknown ones are refused when a
#     proxy or policy names them.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

W=/tmp/tls-proxy-settings.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsid_setup "$W" 4401-4403
CBC="default,kx:ecdhe+enc:aes128-cbc/aes256-cbc+mac:sha1"
ctl_ok ssl-proxy add old ports 4411 logging min-version tls1.0 max-version tls1.2 \
	client-ciphers "$CBC" server-ciphers "$CBC" etm on
ctl_ok ssl-proxy add narrow ports 4421 logging \
	client-ciphers TLS_AES_128_GCM_SHA256,ECDHE-RSA-AES256-GCM-SHA384 \
	server-ciphers kx:ecdhe+enc:aes128-gcm,-TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256
ctl_ok ssl-proxy add keys ports 4431-4433 logging min-dh-bits 3072 min-ec-bits 384
ctl_ok ssl-proxy add keysb ports 4434 logging min-ec-bits 384 unsupported bypass
for p in old narrow keys keysb; do
	ctl_ok ssl-policy add "pol-$p" profile p1 proxy "$p"
done

# 1024-bit DH parameters (a fixed group, generated in no time).
openssl genpkey -genparam -algorithm DH -pkeyopt group:dh_1024_160 -out "$W/dh1024.pem" 2>/dev/null ||
	openssl dhparam -dsaparam -out "$W/dh1024.pem" 1024 2>/dev/null

# srv PORT ARGS: s_server -www tracing every message to $W/PORT.trace.
srv() {
	spawn s openssl s_server -quiet -accept "$1" -cert "$W/site.crt" -key "$W/site.key" \
		-trace -msgfile "$W/$1.trace" "${@:2}" -www
}
srv 4401
srv 4402 -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
srv 4403 -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' -dhparam "$W/dh1024.pem"
srv 4411 -cipher 'ALL:@SECLEVEL=0'
srv 4421
srv 4431 -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
srv 4432 -groups P-256
srv 4433 -groups P-384
srv 4434 -groups P-256
for p in 4401 4402 4403 4411 4421 4431 4432 4433 4434; do
	wait_port s $p tcp 120
done
start_tlsid

# get PORT ARGS: an HTTP request through s_client -trace, its output.
get() {
	printf 'GET / HTTP/1.0\r\n\r\n' | in_c timeout 120 openssl s_client -connect "10.9.0.2:$1" \
		-servername site.test -ign_eof -trace "${@:2}" 2>&1 || true
}
served() { grep -q "HTTP/1.0 200 ok" <<<"$1"; }
# hello PORT: the last ClientHello the server at PORT received, as
# "suites S1,S2 versions V1,V2 etm yes|no".
hello() {
	python3 - "$W/$1.trace" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
m = t.rindex("ClientHello")
h = t[m:t.index("ServerHello", m) if "ServerHello" in t[m:] else len(t)]
suites = re.findall(r"\{0x[0-9A-F]{2}, 0x[0-9A-F]{2}\} (\S+)", h.split("compression_methods")[0])
vers = []
if "supported_versions(43)" in h:
    sv = h.split("supported_versions(43)")[1].split("extension_type=")[0]
    vers = re.findall(r"(TLS 1\.\d) \(\d+\)", sv)
print("suites %s versions %s etm %s" % (",".join(suites), ",".join(vers).replace(" ", "") or "none",
      "yes" if "encrypt_then_mac" in h else "no"))
EOF
}
# server_hello_etm OUT: did tlsid's ServerHello to the client grant
# Encrypt-then-MAC?
server_hello_etm() {
	awk '/ServerHello/ { s = 1 } /Certificate/ { s = 0 } s && /encrypt_then_mac/ { f = 1 } END { exit !f }' <<<"$1"
}
trace_size() { stat -c %s "$W/$1.trace" 2>/dev/null || echo 0; }

# ---- the default proxy ----
tlsictl ssl-proxy show | grep -q "^web .*min-dh-bits 2048 min-ec-bits 224 min-version tls1.2 max-version tls1.3 client-ciphers default server-ciphers default etm off" ||
	fail "ssl-proxy show (defaults): $(tlsictl ssl-proxy show | grep '^web')"
pass "the defaults are shown"

out=$(get 4401 -CAfile "$W/signca.crt")
served "$out" || fail "default client: $(tail -20 <<<"$out")"
h=$(hello 4401)
grep -q "versions TLS1.3,TLS1.2 " <<<"$h" || fail "upstream versions: $h"
grep -Eq "CBC|TLS_RSA_WITH|_SHA," <<<"${h/TLS_EMPTY_RENEGOTIATION_INFO_SCSV/}" &&
	fail "a CBC, SHA-1 or RSA key exchange suite offered upstream: $h"
grep -q "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" <<<"$h" || fail "no AEAD suite upstream: $h"
pass "a client offering everything: forward-secret AEAD and TLS 1.2-1.3 upstream ($h)"

before=$(trace_size 4401)
out=$(get 4401 -tls1_1 -cipher 'ALL:@SECLEVEL=0' -CAfile "$W/signca.crt")
served "$out" && fail "a TLS 1.1 client was served by the default proxy"
last_log | grep -q "^reason=the client offers no version and cipher suite" ||
	fail "TLS 1.1: $(last_log | tr '\n' ' ')"
assert_eq "$(trace_size 4401)" "$before" "the server's trace after a TLS 1.1 client (it heard nothing)"
out=$(get 4401 -tls1_2 -cipher AES128-SHA -CAfile "$W/signca.crt")
served "$out" && fail "an AES128-SHA client was served by the default proxy"
out=$(get 4401 -tls1_2 -cipher ECDHE-RSA-AES128-SHA -CAfile "$W/signca.crt")
served "$out" && fail "an ECDHE-RSA-AES128-SHA (CBC) client was served by the default proxy"
pass "default proxy: TLS 1.1 and CBC clients refused"
for v in -tls1_2 -tls1_3; do
	out=$(get 4401 $v -CAfile "$W/signca.crt")
	served "$out" || fail "$v client: $(tail -20 <<<"$out")"
done
log_has "client_tls.version=TLSv1.3"
pass "default proxy: TLS 1.2 and 1.3 clients served"

# ---- testssl.sh, as an auditor would (opt-in: minutes under TCG) ----
if [ "${TLSI_TESTSSL:-0}" = 1 ]; then
	command -v testssl >/dev/null || fail "TLSI_TESTSSL=1 but no testssl (Debian package testssl.sh)"
	ts=$(in_c timeout $((1800 * TLSI_TIMEOUT_SCALE)) testssl --quiet --color 0 --warnings off \
		--openssl-timeout 60 -p -s -f 10.9.0.2:4401 2>&1) || true
	echo "$ts" >"$W/testssl.out"
	for want in "TLS 1 +not offered" "TLS 1\.1 +not offered" "TLS 1\.2 +offered" \
		"TLS 1\.3 +offered" "SSLv3 +not offered" "Obsolete CBC ciphers.* not offered" \
		"Strong encryption \(AEAD ciphers\) +offered" "PFS is offered"; do
		grep -Eq "$want" <<<"$ts" || fail "testssl: no '$want' in: $ts"
	done
	# The suites testssl found: none CBC (no GCM, ChaCha20 or TLS 1.3 name).
	weak=$(sed -n '/PFS is offered/,/Elliptic/p' <<<"$ts" | grep -oE '[A-Z][A-Z0-9_-]+-SHA[0-9]*' |
		grep -vE 'GCM|CHACHA|POLY' || true)
	[ -z "$weak" ] || fail "testssl: CBC suites offered: $weak"
	pass "testssl.sh: TLS 1.2-1.3 only, AEAD only, forward secrecy"
fi

# ---- old: TLS 1.0 to 1.2, CBC, Encrypt-then-MAC ----
out=$(get 4411 -tls1 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -CAfile "$W/signca.crt")
served "$out" || fail "TLS 1.0 client on old: $(tail -30 <<<"$out")"
log_has "client_tls.version=TLSv1"
log_has "server_tls.version=TLSv1"
server_hello_etm "$out" || fail "old (etm on): no encrypt_then_mac in the ServerHello to the client"
grep -q "etm yes" <<<"$(hello 4411)" || fail "old (etm on): upstream hello $(hello 4411)"
pass "min-version tls1.0: a TLS 1.0 CBC client served both ways, Encrypt-then-MAC on both sides"
out=$(get 4411 -tls1_3 -CAfile "$W/signca.crt")
served "$out" && fail "a TLS 1.3-only client was served by max-version tls1.2"
pass "max-version tls1.2: a TLS 1.3-only client refused"
out=$(get 4401 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -CAfile "$W/signca.crt")
served "$out" || fail "TLS 1.2 AEAD on web"
server_hello_etm "$out" && fail "web (etm off): encrypt_then_mac granted to the client"

# ---- narrow: the two sides apart ----
out=$(get 4421 -tls1_3 -CAfile "$W/signca.crt")
served "$out" || fail "narrow, TLS 1.3: $(tail -20 <<<"$out")"
grep -q "Cipher is TLS_AES_128_GCM_SHA256" <<<"$out" || fail "narrow: client side $(grep 'Cipher is' <<<"$out")"
log_has "server_tls.cipher=TLS_CHACHA20_POLY1305_SHA256"
assert_eq "$(hello 4421)" "suites TLS_CHACHA20_POLY1305_SHA256,TLS_EMPTY_RENEGOTIATION_INFO_SCSV versions TLS1.3 etm no" \
	"narrow: the upstream offer of a TLS 1.3 client"
out=$(get 4421 -tls1_2 -CAfile "$W/signca.crt")
served "$out" || fail "narrow, TLS 1.2: $(tail -20 <<<"$out")"
grep -q "Cipher is ECDHE-RSA-AES256-GCM-SHA384" <<<"$out" || fail "narrow: client side $(grep 'Cipher is' <<<"$out")"
log_has "server_tls.cipher=ECDHE-RSA-AES128-GCM-SHA256"
assert_eq "$(hello 4421)" \
	"suites TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_EMPTY_RENEGOTIATION_INFO_SCSV versions none etm no" \
	"narrow: the upstream offer of a TLS 1.2 client"
pass "client-ciphers and server-ciphers apply to their side each"

# ---- minimum key sizes ----
out=$(get 4402 -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 -CAfile "$W/signca.crt")
served "$out" || fail "2048-bit DHE under the default min-dh-bits: $(tail -20 <<<"$out")"
stats_snapshot
out=$(get 4431 -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 -CAfile "$W/signca.crt")
served "$out" && fail "2048-bit DHE served under min-dh-bits 3072"
log_has "outcome=Blocked"
log_has "reason=server DH key exchange of 2048 bits is below the minimum of 3072 (min-dh-bits)"
out=$(get 4432 -CAfile "$W/signca.crt")
served "$out" && fail "P-256 served under min-ec-bits 384"
log_has "reason=server EC key exchange of 256 bits is below the minimum of 384 (min-ec-bits)"
assert_delta ssl_fail_server_unsupported_cipher 2
[ "$(tlsid_stat blocked_weak_kx)" -ge 2 ] || fail "blocked_weak_kx"
out=$(get 4433 -CAfile "$W/signca.crt")
served "$out" || fail "P-384 under min-ec-bits 384: $(tail -20 <<<"$out")"
out=$(get 4403 -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' -CAfile "$W/signca.crt")
served "$out" && fail "a 1024-bit DH server was served by the default proxy"
pass "min-dh-bits and min-ec-bits: weak key exchanges refused and logged"
out=$(get 4434 -CAfile "$W/testca.crt" -verify_return_error)
served "$out" || fail "keysb: the bypassed client did not reach the server: $(tail -20 <<<"$out")"
log_has "outcome=Bypassed"
pass "a weak key exchange with unsupported bypass: the client meets the server itself"

# ---- bad settings: refused, nothing changed ----
ctl_fail 2 "SSL 3.0" ssl-proxy add bad ports 4499 min-version ssl3
ctl_fail 2 "SSL 3.0" ssl-proxy add bad ports 4499 min-version sslv3
ctl_fail 2 "must be tls1.0, tls1.1, tls1.2 or tls1.3" ssl-proxy add bad ports 4499 max-version tls2
ctl_fail 2 "min-version tls1.3 is above max-version tls1.2" ssl-proxy add bad ports 4499 \
	min-version tls1.3 max-version tls1.2
ctl_fail 2 "unknown cipher suite .NOPE-SUITE." ssl-proxy add bad ports 4499 client-ciphers default,NOPE-SUITE
ctl_fail 2 "unknown encryption class .rc4." ssl-proxy add bad ports 4499 server-ciphers enc:rc4
ctl_fail 2 "selects no cipher suite" ssl-proxy add bad ports 4499 client-ciphers default,-all
ctl_fail 2 "no selected suite works in tls1.0" ssl-proxy add bad ports 4499 min-version tls1.0
ctl_fail 2 "no selected suite works in tls1.3" ssl-proxy add bad ports 4499 \
	server-ciphers ECDHE-RSA-AES128-GCM-SHA256
ctl_fail 2 "must be on or off" ssl-proxy add bad ports 4499 etm yes
ctl_fail 2 "min-dh-bits" ssl-proxy add bad ports 4499 min-dh-bits 512
NL="python3 $TLSI_REPO/tests/vm/tools/nlraw.py"
nl_fail() {
	local pat=$1 out
	shift
	out=$(ip netns exec "$NS_A" $NL "$@") && fail "accepted: $*"
	echo "$out" | grep -Eq -- "$pat" || fail "nlraw $*: '$out' does not match '$pat'"
	pass "kernel refused: $out"
}
nl_fail "above the highest" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:a311a311 \
	TLSI_A_MIN_VERSION:u16:0x0304 TLSI_A_MAX_VERSION:u16:0x0303
nl_fail "out of range|MIN_VERSION" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:a311a311 \
	TLSI_A_MIN_VERSION:u16:0x0300
nl_fail "outside letters" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:a311a311 \
	"TLSI_A_CLIENT_CIPHERS:str:a b"
nl_fail "empty cipher" TLSI_CMD_SSL_PROXY_NEW TLSI_A_NAME:str:bad TLSI_A_PORTS:hex:a311a311 \
	"TLSI_A_SERVER_CIPHERS:str:"
tlsictl ssl-proxy show | grep -q "^bad " && fail "a refused proxy exists: $(tlsictl ssl-proxy show)"
pass "bad settings refused, no proxy made"

# ---- show and save ----
tlsictl ssl-proxy show | grep -q "^old .*min-version tls1.0 max-version tls1.2 client-ciphers $CBC server-ciphers $CBC etm on" ||
	fail "ssl-proxy show: $(tlsictl ssl-proxy show | grep '^old')"
tlsictl save | grep -q "^ssl-proxy add old .*min-version tls1.0 .*max-version tls1.2 .*etm on" ||
	fail "save: $(tlsictl save | grep 'ssl-proxy add old')"
tlsictl save | grep "^ssl-proxy add narrow" | grep -q "server-ciphers kx:ecdhe+enc:aes128-gcm,-TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256" ||
	fail "save: $(tlsictl save | grep 'ssl-proxy add narrow')"
tlsictl -j ssl-proxy show | python3 -c '
import json, sys
p = {x["name"]: x for x in json.load(sys.stdin)}
k = p["keys"]
assert k["min_dh_bits"] == 3072 and k["min_ec_bits"] == 384, k
assert p["old"]["etm"] == "on" and p["web"]["etm"] == "off", p
' || fail "ssl-proxy show -j"
pass "show and save print the settings"

# ---- certificates and trust stores by name ----
export TLSI_CERT_REPO=$W/repo
ctl_ok cert import sign44 cert "$W/signca.crt" key "$W/signca.key" signing
ctl_ok cert import-ca ca44 file "$W/testca.crt"
ctl_ok truststore add ts44 default-ca off ca ca44
ctl_fail 1 "cert .nosuch'" ssl-proxy add usecert ports 4490 cert nosuch
ctl_fail 1 "cert .ca44': not a signing certificate" ssl-proxy add usecert ports 4490 cert ca44
ctl_ok ssl-proxy add usecert ports 4490 cert sign44
ctl_fail 1 "trust-store .nosuch'" ssl-policy add usepol profile p1 proxy usecert trust-store nosuch
tlsictl ssl-policy show | grep -q "^usepol " && fail "a policy with an unknown trust store was made"
ctl_ok ssl-policy add usepol profile p1 proxy usecert trust-store ts44
ctl_fail 1 "trust-store .nosuch'" ssl-policy set usepol profile p1 trust-store nosuch
tlsictl ssl-policy show | grep -q "^usepol .*trust-store ts44" || fail "trust store changed: $(tlsictl ssl-policy show)"
ctl_fail 1 "certificate .sign44' is used by SSL proxy .usecert'" cert del sign44
ctl_fail 1 "trust store .ts44' is used by SSL policy .usepol' of profile .p1'" truststore del ts44
tlsictl cert show | grep -q "^sign44 " || fail "sign44 deleted"
ctl_ok ssl-policy del usepol profile p1
ctl_ok truststore del ts44
ctl_ok ssl-proxy del usecert
ctl_ok cert del sign44
pass "certificates and trust stores in use are kept, unknown names refused"
