#!/bin/bash
# SSL client inspection through the kernel relay: tlsid does both
# handshakes, installs the keys into kTLS on both sockets and hands them to
# tlsi.ko, which relays and inspects the plaintext. Real clients (curl,
# Python ssl) and servers (openssl s_server, Python ssl): every cipher kTLS
# carries, TLS 1.2 and 1.3, both sides; a CBC suite relayed by tlsid in
# userspace; 50 MB down and up, byte for byte. (18-ktls-sessions.sh: many
# sessions, tlsid killed, exceptions, rmmod.)
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#        :4431..4437 openssl s_server (one cipher each), :4440 s_server (any),
#        :9000 blob.py over TLS (site.test)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

[ -e /dev/tlsi ] || fail "no /dev/tlsi: the module has no kernel relay"
on_exit "rm -rf /tmp/ktls-test.$$"
tlsid_setup /tmp/ktls-test.$$ 4430-4450,9000
head -c 50M /dev/urandom >"$W/www/big.bin"
BIG_SHA=$(sha256sum <"$W/www/big.bin" | cut -d' ' -f1)
# -v -v: tlsid reads back every kTLS key it installs and compares.
start_tlsid -v -v

# ---- every cipher kTLS carries, TLS 1.2 and 1.3, both sides ---------------
port=4431
for spec in "1.2 ECDHE-RSA-AES128-GCM-SHA256 aes128_gcm" \
	    "1.2 ECDHE-RSA-AES256-GCM-SHA384 aes256_gcm" \
	    "1.2 ECDHE-RSA-CHACHA20-POLY1305 chacha20_poly1305" \
	    "1.3 TLS_AES_128_GCM_SHA256 aes128_gcm" \
	    "1.3 TLS_AES_256_GCM_SHA384 aes256_gcm" \
	    "1.3 TLS_CHACHA20_POLY1305_SHA256 chacha20_poly1305"; do
	read -r ver cipher counter <<<"$spec"
	if [ "$ver" = 1.2 ]; then
		s_server $port -tls1_2 -cipher "$cipher"
		copts=(--tlsv1.2 --tls-max 1.2 --ciphers "$cipher")
	else
		s_server $port -tls1_3 -ciphersuites "$cipher"
		copts=(--tlsv1.3 --tls13-ciphers "$cipher")
	fi
	stats_snapshot
	got=$(curl_site $port "${copts[@]}" --cacert "$W/signca.crt" "https://site.test:$port/m.bin" |
		sha256sum | cut -d' ' -f1)
	assert_eq "$got" "$M_SHA" "TLS $ver $cipher: 1 MB through the kernel relay"
	log_has "result=decrypted"
	log_has "relay=kernel"
	log_has "client_tls.cipher=$cipher"
	log_has "server_tls.cipher=$cipher"
	assert_delta relay_ktls_sessions 1
	assert_delta ssl_decrypted 1
	assert_delta "ssl_client_$counter" 1
	assert_delta "ssl_server_$counter" 1
	assert_delta "ssl_client_tls${ver/./_}" 1
	[ "$(delta inspect_bytes_server_to_client)" -ge $((1024 * 1024)) ] ||
		fail "the inspection hook saw $(delta inspect_bytes_server_to_client) bytes"
	port=$((port + 1))
done
pass "6 cipher suites over kTLS, both versions, both sides"

# A CBC suite: kTLS cannot carry it, tlsid relays it itself.
s_server $port -tls1_2 -cipher ECDHE-RSA-AES128-SHA256
stats_snapshot
got=$(curl_site $port --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA256 --cacert "$W/signca.crt" \
	"https://site.test:$port/m.bin" | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$M_SHA" "CBC suite through tlsid's userspace relay"
log_has "relay=userspace"
assert_delta relay_ktls_sessions 0
assert_delta ssl_relay_userspace 1
assert_delta ssl_client_cbc 1
pass "CBC: userspace relay, counted"

# ---- bulk: 50 MB down (curl, s_server) and up (Python ssl) ----------------
s_server 4440
spawn s env BLOB_CERT="$W/site.crt" BLOB_KEY="$W/site.key" python3 "$TOOLS/blob.py" server 9000
wait_port s 9000
stats_snapshot
t0=$(date +%s)
got=$(curl_site 4440 --cacert "$W/signca.crt" https://site.test:4440/big.bin | sha256sum | cut -d' ' -f1)
assert_eq "$got" "$BIG_SHA" "50 MB download, byte for byte"
t1=$(date +%s)
assert_eq "$(blob_c put 10.9.0.2 9000 $((50 * 1024 * 1024)))" same "50 MB upload, byte for byte"
echo "info: 50 MB down in $((t1 - t0)) s, up in $(($(date +%s) - t1)) s (TCG)"
assert_delta relay_ktls_sessions 2
[ "$(delta relay_bytes_server_to_client)" -ge $((50 * 1024 * 1024)) ] || fail "download not relayed by the kernel"
[ "$(delta relay_bytes_client_to_server)" -ge $((50 * 1024 * 1024)) ] || fail "upload not relayed by the kernel"
pass "50 MB each way through kTLS"

