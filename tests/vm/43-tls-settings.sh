#!/bin/bash
# The upstream offer is never weaker than the client's, observed from both
# sides with real openssl clients and `openssl s_server -trace':
#   - a client offering only TLS 1.3 with TLS_AES_256_GCM_SHA384: tlsid's
#     ClientHello to the server carries that suite (and the renegotiation
#     SCSV, a signal OpenSSL always sends) and TLS 1.3 only, no
#     Encrypt-then-MAC;
#   - a TLS 1.2 client offering one AEAD suite: tlsid offers the server
#     that suite (and the renegotiation SCSV), nothing weaker, and no
#     supported_versions (TLS 1.2 at most: legacy_version says it);
#   - a server that would go below the client's floor (TLS 1.2 for a TLS
#     1.3-only client; AES128-SHA for a client offering only
#     ECDHE-RSA-AES128-GCM-SHA256): refused, not downgraded, the reason
#     logged and counted; with `unsupported bypass' the client meets the
#     server itself;
#   - a client offering nothing tlsid offers: refused before the server
#     hears of it.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

W=/tmp/tls-settings.$$
mkdir -p "$W"
on_exit "rm -rf $W"

tlsid_setup "$W" 4441-4444
ctl_ok ssl-proxy add lenient ports 4451 logging unsupported bypass
ctl_ok ssl-policy add lenientpol profile p1 proxy lenient

# srv PORT ARGS: s_server -www tracing every message to $W/PORT.trace.
srv() {
	spawn s openssl s_server -quiet -accept "$1" -cert "$W/site.crt" -key "$W/site.key" \
		-trace -msgfile "$W/$1.trace" "${@:2}" -www
}
srv 4441
srv 4442
srv 4443 -tls1_2
srv 4444 -tls1_2 -cipher AES128-SHA
srv 4451 -tls1_2
for p in 4441 4442 4443 4444 4451; do
	wait_port s $p tcp 120
done
start_tlsid

get() {
	printf 'GET / HTTP/1.0\r\n\r\n' | in_c timeout 120 openssl s_client -connect "10.9.0.2:$1" \
		-servername site.test -ign_eof "${@:2}" 2>&1 || true
}
# hello PORT: the first ClientHello the server at PORT received, as
# "suites S1,S2 versions V1,V2 etm yes|no".
hello() {
	python3 - "$W/$1.trace" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
m = t.index("ClientHello")
h = t[m:t.index("ServerHello") if "ServerHello" in t[m:] else len(t)]
suites = re.findall(r"\{0x[0-9A-F]{2}, 0x[0-9A-F]{2}\} (\S+)", h.split("compression_methods")[0])
vers = []
if "supported_versions(43)" in h:
    sv = h.split("supported_versions(43)")[1].split("extension_type=")[0]
    vers = re.findall(r"(TLS 1\.\d) \(\d+\)", sv)
print("suites %s versions %s etm %s" % (",".join(suites), ",".join(vers).replace(" ", "") or "none",
      "yes" if "encrypt_then_mac" in h else "no"))
EOF
}

# ---- the offer follows the client's ----
out=$(get 4441 -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384 -CAfile "$W/signca.crt")
grep -q "HTTP/1.0 200 ok" <<<"$out" || fail "TLS 1.3 client: $(tail -20 <<<"$out")"
log_has "outcome=Decrypted"
log_has "server_tls.version=TLSv1.3"
assert_eq "$(hello 4441)" "suites TLS_AES_256_GCM_SHA384,TLS_EMPTY_RENEGOTIATION_INFO_SCSV versions TLS1.3 etm no" \
	"a TLS 1.3-only client's one suite: tlsid offers the server just that"
out=$(get 4442 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -CAfile "$W/signca.crt")
grep -q "HTTP/1.0 200 ok" <<<"$out" || fail "TLS 1.2 client: $(tail -20 <<<"$out")"
log_has "server_tls.cipher=ECDHE-RSA-AES128-GCM-SHA256"
assert_eq "$(hello 4442)" \
	"suites TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_EMPTY_RENEGOTIATION_INFO_SCSV versions none etm no" \
	"a TLS 1.2 client's one suite: tlsid offers the server just that"

# ---- no downgrade below the client's floor ----
stats_snapshot
out=$(get 4443 -tls1_3 -CAfile "$W/signca.crt")
grep -q "HTTP/1.0 200 ok" <<<"$out" && fail "a TLS 1.3-only client was served over a TLS 1.2 upstream"
log_has "outcome=Blocked"
last_log | grep -q "^reason=server handshake failed: .*protocol version" ||
	fail "log: $(last_log | tr '\n' ' ')"
out=$(get 4444 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -CAfile "$W/signca.crt")
grep -q "HTTP/1.0 200 ok" <<<"$out" && fail "an AES128-SHA upstream for an AEAD-only client"
log_has "outcome=Blocked"
hello 4444 | grep -q "AES_128_CBC" && fail "a CBC suite offered upstream: $(hello 4444)"
assert_delta ssl_fail_server_unsupported_cipher 2
pass "a server below the client's floor is refused, not downgraded"

out=$(get 4451 -tls1_3 -CAfile "$W/testca.crt")
log_has "outcome=Bypassed"
grep -q "alert protocol version" <<<"$out" ||
	fail "bypassed: the client did not meet the TLS 1.2 server itself: $(tail -20 <<<"$out")"
pass "unsupported bypass: the client meets the server itself (which refuses it, as without tlsi)"

# ---- a client offering nothing tlsid offers ----
rm -f "$W/4442.trace.before"
cp "$W/4442.trace" "$W/4442.trace.before"
out=$(get 4442 -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0' -CAfile "$W/signca.crt")
grep -q "HTTP/1.0 200 ok" <<<"$out" && fail "a NULL-cipher client was served"
log_has "outcome=Blocked"
last_log | grep -q "^reason=the client offers no version and cipher suite tlsid would offer" ||
	fail "log: $(last_log | tr '\n' ' ')"
cmp -s "$W/4442.trace" "$W/4442.trace.before" || fail "the server heard from tlsid anyway"
[ "$(tlsid_stat client_offer_refused)" -ge 1 ] || fail "client_offer_refused"
pass "a client offering nothing acceptable is refused before the server hears of it"
