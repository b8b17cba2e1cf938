#!/bin/bash
# tlsid applies each session's own SSL policy and proxy, and takes their
# certificates from the repository by name:
#   - a repository made with tlsictl: two signing certificates, imported CA
#     certificates, two trust stores;
#   - proxy alpha (443, 8443): signing certificate signA, block-invalid,
#     reset, logging; policy pol-alpha trusts store-a (testca);
#   - proxy beta (9443): signing certificate signB (expires in 10 days),
#     min-rsa-bits 3072, no logging; policy pol-beta trusts store-b (testca2);
#   - proxy gamma (12443): a signing certificate the repository lacks;
#   - the leaf's issuer per proxy, trust per policy, refusals (a reset for
#     alpha, a TLS alert for beta), the kernel's reasons, the inspection
#     log per the logging flag with the policy's name;
#   - `tlsictl cert replace signA': new sessions get leaves from the new
#     certificate without restarting tlsid;
#   - expiry warnings in tlsid's log.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2
#     :443   site.test (RSA 2048, testca), ec.test (ECDSA, testca)
#     :8443  bad.test (unknownca)
#     :9443  weak.test (RSA 2048, testca2), two.test (ECDSA, testca2), ec.test
#     :12443 site.test
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"

TLSID=$TLSI_REPO/userspace/tlsid/tlsid
[ -x "$TLSID" ] || fail "no $TLSID: make userspace first"
W=/tmp/tlsid-policy.$$
mkdir -p "$W"
on_exit "rm -rf $W"
export TLSI_CERT_REPO=$W/repo

# ---- certificates (openssl) and the repository (tlsictl) ------------------
CERTS=$W
mkca testca "tlsi test CA"
mkca testca2 "tlsi second test CA"
mkca unknownca "Unknown CA"
mkleaf site site.test testca rsa:2048
mkleaf ec ec.test testca "ec -pkeyopt ec_paramgen_curve:P-256"
mkleaf_expired expired expired.test testca
mkleaf bad bad.test unknownca "ec -pkeyopt ec_paramgen_curve:P-256"
mkleaf weak weak.test testca2 rsa:2048
mkleaf two two.test testca2 "ec -pkeyopt ec_paramgen_curve:P-256"
echo big >"$W/big.bin"

tlsi_basic
add_addr a br0 10.9.0.254/24
in_a sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.br0.rp_filter=0

ctl_ok cert new-signing signA cn "Sign A" key p256
ctl_ok cert new-signing signB cn "Sign B" key p256 days 10
ctl_ok cert import-ca testca file "$W/testca.crt"
ctl_ok cert import-ca testca2 file "$W/testca2.crt"
ctl_ok truststore add store-a default-ca off ca testca
ctl_ok truststore add store-b default-ca off ca testca2
ctl_ok cert export signA out "$W/signA.pem"
ctl_ok cert export signB out "$W/signB.pem"

srv() {
	local port=$1
	shift
	spawn s python3 "$TLSI_REPO/tests/vm/tools/https_server.py" "$port" "$W/big.bin" "$@"
	wait_port s "$port"
}
srv 443 "site.test=$W/site.crt,$W/site.key" "ec.test=$W/ec.crt,$W/ec.key"
srv 8443 "bad.test=$W/bad.crt,$W/bad.key"
srv 9443 "weak.test=$W/weak.crt,$W/weak.key" "two.test=$W/two.crt,$W/two.key" \
	"ec.test=$W/ec.crt,$W/ec.key"
srv 12443 "site.test=$W/site.crt,$W/site.key"
srv 7443 "expired.test=$W/expired.crt,$W/expired.key"
srv 6443 "expired.test=$W/expired.crt,$W/expired.key"

ctl_ok ssl-proxy add alpha ports 443,8443 cert signA block-invalid reset logging
ctl_ok ssl-proxy add beta ports 9443 cert signB min-rsa-bits 3072
# tlsictl refuses a name the repository lacks; the kernel is told directly,
# as when the repository changed behind tlsictl's back.
ctl_fail 1 "cert .nosuch': .*no such" ssl-proxy add gamma ports 12443 cert nosuch logging
out=$(ip netns exec "$NS_A" python3 "$TLSI_REPO/tests/vm/tools/nlraw.py" TLSI_CMD_SSL_PROXY_NEW \
	TLSI_A_NAME:str:gamma TLSI_A_PORTS:hex:9b309b30 TLSI_A_CERT:str:nosuch TLSI_A_SSL_FLAGS:u32:8) ||
	fail "gamma over raw netlink: $out"
ctl_ok ssl-policy add pol-alpha profile p1 proxy alpha trust-store store-a
ctl_ok ssl-policy add pol-beta profile p1 proxy beta trust-store store-b
ctl_ok ssl-policy add pol-gamma profile p1 proxy gamma
# An expired server certificate, refused (delta) or served from the untrusted CA (eps).
ctl_ok ssl-proxy add delta ports 7443 cert signA block-expired logging
ctl_ok ssl-proxy add eps ports 6443 cert signA logging
ctl_ok ssl-policy add pol-delta profile p1 proxy delta trust-store store-a
ctl_ok ssl-policy add pol-eps profile p1 proxy eps trust-store store-a
ctl_ok config set ssl-client on

# ---- helpers --------------------------------------------------------------
RESOLVE=()
for h in site ec bad weak two expired; do
	for p in 443 8443 9443 12443 7443 6443; do RESOLVE+=(--resolve "$h.test:$p:10.9.0.2"); done
done
curl_c() { in_c curl -sS --max-time 120 "${RESOLVE[@]}" "$@"; }
# leaf HOST PORT: the certificate the client is shown, PEM.
leaf() {
	in_c timeout 60 openssl s_client -connect "10.9.0.2:$2" -servername "$1" </dev/null 2>/dev/null |
		sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p'
}
issuer_of() { leaf "$1" "$2" | openssl x509 -noout -issuer 2>/dev/null || echo "no certificate"; }
# hs HOST PORT: how the client's handshake ends: handshake, reset, alert:REASON.
hs() {
	in_c python3 -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = socket.create_connection(("10.9.0.2", int(sys.argv[2])), timeout=15)
try:
    ctx.wrap_socket(s, server_hostname=sys.argv[1])
    print("handshake")
except ConnectionResetError:
    print("reset")
except ssl.SSLError as e:
    print("alert:%s" % e.reason)
' "$1" "$2"
}
nlines() { grep -c '"type":"session"' "$W/inspect.log" 2>/dev/null || true; }
# log_of SNI: the inspection log's last session for SNI, "key=value" lines.
log_of() {
	python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = [x for x in s if x["type"] == "session" and x.get("sni") == sys.argv[2]]
for k, v in (s[-1] if s else {}).items():
    if not isinstance(v, dict):
        print("%s=%s" % (k, v))
' "$W/inspect.log" "$1"
}
log_has() {
	log_of "$1" | grep -qxF -- "$2" || fail "inspection log, $1: no '$2' in: $(log_of "$1" | tr '\n' ' ')"
}
tlsid_log_has() {
	grep -qF -- "$1" "$W/tlsid.log" || fail "tlsid's log: no '$1' in: $(cat "$W/tlsid.log")"
}

# ---- tlsid from the repository --------------------------------------------
# Ready (--ready-fd): listening, and tlsi.ko diverts to it.
spawn_ready a $T_START "$W/tlsid.log" "$TLSID" --foreground --ready-fd 3 --cert-repo "$W/repo" --signing-cert signA --keystore "$W/ks" \
	--trust "$W/testca.crt" --no-system-trust --log "$W/inspect.log"
TLSID_PID=$SPAWN_PID
tlsid_log_has "certificate repository \`$W/repo': "
tlsid_log_has "persist-keys off"
[ ! -e "$W/ks" ] || fail "persist-keys off, and a keystore was written: $(find "$W/ks")"
stats_snapshot

# ---- alpha: signA, store-a, logged ------------------------------------------
assert_eq "$(curl_c --cacert "$W/signA.pem" https://site.test/)" "site.test says hello" "alpha: site.test"
log_has site.test "policy=pol-alpha"
log_has site.test "proxy=alpha"
log_has site.test "issuer=CN=Sign A"
log_has site.test "chain_valid=True"
assert_eq "$(issuer_of site.test 443)" "issuer=CN = Sign A" "alpha: leaf issuer"
assert_eq "$(issuer_of ec.test 443)" "issuer=CN = Sign A" "alpha: ec.test (testca in store-a)"

# block-invalid + reset: an unknown CA is refused with a TCP reset.
assert_eq "$(hs bad.test 8443)" "reset" "alpha: invalid chain, reset"
log_has bad.test "result=blocked"
log_has bad.test "policy=pol-alpha"
log_of bad.test | grep -q "^reason=server certificate invalid: " ||
	fail "bad.test reason: $(log_of bad.test | tr '\n' ' ')"
assert_delta ssl_blocked 1
assert_delta ssl_fail_server_cert_invalid 1
pass "alpha: leaves from signA, invalid chains reset"

# ---- beta: signB, store-b, min-rsa-bits 3072, not logged -------------------
stats_snapshot
n0=$(nlines)
assert_eq "$(curl_c --cacert "$W/signB.pem" https://two.test:9443/)" "two.test says hello" "beta: two.test"
assert_eq "$(issuer_of two.test 9443)" "issuer=CN = Sign B" "beta: leaf issuer"
# testca is not in store-b: beta does not block, the untrusted CA signs.
issuer_of ec.test 9443 | grep -q "CN = tlsi untrusted CA" ||
	fail "beta: ec.test should get the untrusted CA: $(issuer_of ec.test 9443)"
# RSA 2048 below 3072: refused with an alert (beta has no reset).
got=$(hs weak.test 9443)
case "$got" in
alert:*ACCESS_DENIED*) pass "beta: 2048-bit server refused with an alert ($got)" ;;
*) fail "beta: weak.test: $got" ;;
esac
assert_delta ssl_blocked 1
assert_delta ssl_fail_server_cert_weak_key 1
assert_eq "$(nlines)" "$n0" "beta has no logging: inspection log lines"
tlsid_log_has "server RSA key of 2048 bits is below the minimum of 3072"
# The signing certificate of 10 days, loaded on first use.
grep -qE "warning: certificate \`signB' expires in (9|10) days \(" "$W/tlsid.log" ||
	fail "no expiry warning for signB: $(cat "$W/tlsid.log")"
pass "beta: leaves from signB, its own trust store, weak keys refused, not logged"

# ---- gamma: a signing certificate the repository does not have ----------------
stats_snapshot
got=$(hs site.test 12443)
case "$got" in
alert:*INTERNAL_ERROR*) pass "gamma: refused ($got)" ;;
*) fail "gamma: $got" ;;
esac
log_has site.test "policy=pol-gamma"
log_of site.test | grep -q "^reason=signing certificate \`nosuch' of SSL proxy \`gamma' unavailable" ||
	fail "gamma reason: $(log_of site.test | tr '\n' ' ')"
tlsid_log_has "signing certificate \`nosuch': name \`nosuch': no such"
assert_delta ssl_failed 1
assert_delta ssl_fail_internal 1

# ---- replace signA: new sessions get the new one, no restart ------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/signA2.key" \
	-out "$W/signA2.crt" -days 10 -subj "/CN=Sign A 2" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
ctl_ok cert replace signA cert "$W/signA2.crt" key "$W/signA2.key"
sleep 1.2	# tlsid looks at a name's files at most once a second
assert_eq "$(curl_c --cacert "$W/signA2.crt" https://site.test/)" "site.test says hello" \
	"after replace: the client trusting only the new signA"
log_has site.test "issuer=CN=Sign A 2"
assert_eq "$(issuer_of site.test 443)" "issuer=CN = Sign A 2" "after replace: leaf issuer"
rc=0
out=$(curl_c --cacert "$W/signA.pem" https://site.test/ 2>&1) || rc=$?
assert_eq "$rc" 60 "after replace: the old signA no longer verifies (curl: $(echo "$out" | head -n 1))"
tlsid_log_has "signing certificate \`signA' reloaded: CN=Sign A 2"
grep -qE "warning: certificate \`signA' expires in (9|10) days \(" "$W/tlsid.log" ||
	fail "no expiry warning for the new signA: $(cat "$W/tlsid.log")"
# beta is untouched.
assert_eq "$(issuer_of two.test 9443)" "issuer=CN = Sign B" "beta after replacing signA"
pass "replace: a policy using the name keeps working, with the new certificate"

# ---- an expired server certificate ------------------------------------------
stats_snapshot
assert_eq "$(hs expired.test 7443 | cut -d: -f1)" alert "block-expired: the client's handshake is refused"
log_has expired.test "result=blocked"
assert_delta ssl_fail_server_cert_expired 1
rc=0
out=$(curl_c --cacert "$W/signA2.crt" https://expired.test:6443/ 2>&1) || rc=$?
assert_eq "$rc" 60 "expired, not blocked: the client warns (curl: $(echo "$out" | head -n 1))"
assert_eq "$(curl_c -k https://expired.test:6443/)" "expired.test says hello" "expired, not blocked, -k"
log_has expired.test "result=decrypted"
issuer_of expired.test 6443 | grep -q "CN = tlsi untrusted CA" ||
	fail "expired: not the untrusted CA: $(issuer_of expired.test 6443)"
pass "expired server certificate: refused with block-expired, else the untrusted CA"

kill -USR1 "$TLSID_PID"
wait_until $T_REACT grep -q '"type":"stats"' "$W/inspect.log" || fail "no stats after SIGUSR1"
python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][-1]
assert s["blocked_invalid"] == 1 and s["blocked_weak_key"] == 1, s
assert s["cert_unavailable"] == 1 and s["blocked_expired"] == 1, s
' "$W/inspect.log" || fail "stats: $(grep '"stats"' "$W/inspect.log" | tail -1)"
kill -TERM "$TLSID_PID"
wait "$TLSID_PID" || fail "tlsid exited with $?: $(tail -5 "$W/tlsid.log")"
pass "tlsid applied each policy's settings and certificates"
