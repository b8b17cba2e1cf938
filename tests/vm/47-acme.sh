#!/bin/bash
# ACME certificates for a protected server, from pebble (Debian's ACME
# test server), answered by tlsi in front of the server:
#   - pebble on the client side of the bridge validates http-01 over port
#     80 of the protected server's address (its own DNS,
#     pebble-challtestsrv, resolves the domains to it); a server proxy with
#     acme-http01 on has tlsi.ko divert that port to tlsid, which answers
#     the challenges `tlsictl cert acme request' published;
#   - the certificate lands in the repository, issued by pebble's CA, and
#     a server proxy serves it (curl through the bridge sees it; the proxy
#     answering ACME is another one, for port 8443 with a placeholder:
#     proxies name existing certificates);
#   - every other request to port 80 reaches the real server byte for byte
#     (a file, a token tlsi did not publish, a traversal attempt);
#   - renew and renew-due (a day count that makes it due) replace it with a
#     new serial under the same name: the proxy serves the new one;
#   - a failed validation (a domain that resolves elsewhere, a challenge
#     directory tlsi cannot write) is reported by `status' with the CA's
#     words, and the certificate in place is untouched;
#   - wildcards and bad input refused, nothing made.
#
#   client 10.9.0.1 [pebble :14000, DNS :8053] -- br0 [10.9.0.254, tlsid]
#     -- server 10.9.0.2 [http :80, https :443]
# Proxies: `acme' (10.9.0.2 port 8443, acme-http01: port 80 too), `wwwsrv'
# (10.9.0.2 port 443, certificate www).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

command -v pebble >/dev/null || fail "no pebble: scripts/install-deps.sh"
command -v uacme >/dev/null || fail "no uacme: scripts/install-deps.sh"

W=/tmp/acme.$$
mkdir -p "$W"
on_exit "rm -rf $W"
export TLSI_ACME_DIR=$W/acme TLSI_CERT_REPO=$W/repo
export TLSI_ACME_HOOK=$TLSI_REPO/scripts/tlsi-acme-hook
DIR_URL=https://10.9.0.1:14000/dir

tlsid_setup "$W" 443

# ---- pebble, its DNS and its TLS certificate -------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=pebble listener root" -keyout "$W/pl-ca.key" -out "$W/pl-ca.crt" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=pebble" \
	-keyout "$W/pebble.key" -out "$W/pebble.csr" 2>/dev/null
printf 'subjectAltName=IP:10.9.0.1\nextendedKeyUsage=serverAuth\n' >"$W/pebble.ext"
openssl x509 -req -in "$W/pebble.csr" -CA "$W/pl-ca.crt" -CAkey "$W/pl-ca.key" \
	-CAcreateserial -days 30 -extfile "$W/pebble.ext" -out "$W/pebble.crt" 2>/dev/null
cat >"$W/pebble.json" <<EOF
{"pebble": {"listenAddress": "10.9.0.1:14000", "managementListenAddress": "10.9.0.1:15000",
 "certificate": "$W/pebble.crt", "privateKey": "$W/pebble.key",
 "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "",
 "externalAccountBindingRequired": false}}
EOF
# Every name resolves to the protected server, unless told otherwise.
spawn c pebble-challtestsrv -defaultIPv4 10.9.0.2 -defaultIPv6 "" -dns01 10.9.0.1:8053 \
	-http01 "" -https01 "" -tlsalpn01 "" -management 10.9.0.1:8055 \
	>"$W/challtestsrv.log" 2>&1
spawn c env PEBBLE_VA_NOSLEEP=1 PEBBLE_VA_ALWAYS_VALID=0 PEBBLE_AUTHZREUSE=0 \
	PEBBLE_WFE_NONCEREJECT=0 pebble -config "$W/pebble.json" -dnsserver 10.9.0.1:8053 \
	>"$W/pebble.log" 2>&1
wait_port c 8053 udp
wait_port c 8055
wait_port c 14000
wait_port c 15000
# pebble's issuing chain, for the checks below.
in_c curl -sS --cacert "$W/pl-ca.crt" https://10.9.0.1:15000/roots/0 >"$W/pebble-root.pem"
in_c curl -sS --cacert "$W/pl-ca.crt" https://10.9.0.1:15000/intermediates/0 >"$W/pebble-int.pem"
PEBBLE_ISSUER=$(openssl x509 -in "$W/pebble-int.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
[ -n "$PEBBLE_ISSUER" ] || fail "pebble's intermediate: $(cat "$W/pebble-int.pem")"

# ---- the protected server ------------------------------------------------
mkdir -p "$W/site/.well-known/acme-challenge"
head -c 300K /dev/urandom >"$W/site/blob.bin"
BLOB_SHA=$(sha256sum <"$W/site/blob.bin" | cut -d' ' -f1)
echo "the server's own" >"$W/site/.well-known/acme-challenge/servertoken"
echo "server index" >"$W/site/index.html"
spawn s python3 -m http.server 80 --bind 10.9.0.2 --directory "$W/site" >"$W/http.log" 2>&1
wait_port s 80

# ---- bad input: refused, nothing made --------------------------------------
ctl_fail 2 "wildcard certificates need the dns-01 challenge" \
	cert acme request w domains '*.example.test' directory "$DIR_URL"
ctl_fail 2 "domain \`bad_name.example.test'" cert acme request w domains bad_name.example.test
ctl_fail 2 "key \`rsa:1024'" cert acme request w domains www.example.test key rsa:1024
ctl_fail 2 "unknown keyword \`port'" cert acme request w domains www.example.test port 80
ctl_ok cert new-signing corp cn "Corp CA" key p256
ctl_fail 1 "not managed by ACME" cert acme request corp domains www.example.test
[ ! -e "$TLSI_ACME_DIR" ] || fail "refused requests made $TLSI_ACME_DIR"
pass "bad input refused, nothing made"

# ---- tlsid, a server proxy answering ACME on the server's port 80 ----------
# The certificate does not exist yet, and a server proxy names existing
# ones: a proxy for another port (8443) with a placeholder takes port 80
# for ACME; the certificate's own proxy comes once it is issued.
start_tlsid --cert-repo "$TLSI_CERT_REPO" --acme-challenges "$TLSI_ACME_DIR/challenges"
ctl_ok cert import placeholder cert "$W/site.crt" key "$W/site.key"
ctl_ok ssl-proxy add acme role server destination 10.9.0.2 ports 8443 certs placeholder \
	acme-http01 logging
ctl_ok ssl-policy add inbound-acme profile p1 proxy acme
ctl_ok config set ssl-server on

# ---- a failed validation: the domain resolves elsewhere --------------------
in_c curl -sS -d '{"host":"elsewhere.example.test","addresses":["10.9.0.99"]}' \
	http://10.9.0.1:8055/add-a >/dev/null
ctl_fail 1 "request failed: the CA: .*10\.9\.0\.99" cert acme request gone \
	domains elsewhere.example.test directory "$DIR_URL" ca-bundle "$W/pl-ca.crt"
tlsictl cert acme status gone | grep -q "^gone state failed domains elsewhere.example.test" ||
	fail "status after a failed request: $(tlsictl cert acme status gone)"
tlsictl cert acme status gone | grep -q "last-error .*10\.9\.0\.99" ||
	fail "status does not say why: $(tlsictl cert acme status gone)"
tlsictl cert list | grep -q "^gone " && fail "a failed request left a certificate"
pass "failed validation reported: $(tlsictl cert acme status gone | grep -o 'last-error.*')"

# ---- the request ------------------------------------------------------------
# pebble's root in the repository: the issued chain reaches it.
ctl_ok cert import-ca pebble-root file "$W/pebble-root.pem"
ctl_ok cert acme request www domains www.example.test,example.test key ec:256 \
	directory "$DIR_URL" email admin@example.test ca-bundle "$W/pl-ca.crt"
tlsictl cert list | grep -q "^www kind certificate .* key p256 cn www.example.test" ||
	fail "not in the repository: $(tlsictl cert list)"
tlsictl cert show www | grep -qF "issuer       $PEBBLE_ISSUER" ||
	fail "not issued by pebble ($PEBBLE_ISSUER): $(tlsictl cert show www)"
tlsictl cert show www | grep -q "san .*DNS:www.example.test, DNS:example.test" ||
	fail "SANs: $(tlsictl cert show www)"
tlsictl cert acme status www |
	grep -q "^www state valid domains www.example.test,example.test key ec:256 .* cert-status valid " ||
	fail "status: $(tlsictl cert acme status www)"
ls -A "$TLSI_ACME_DIR/challenges" | grep -q . && fail "challenges left published"
pass "issued by pebble: $(tlsictl cert acme status www)"
grep -q '"acme-http01: answered the challenge' "$W/inspect.log" ||
	grep -q 'acme-http01: answered the challenge' "$W/tlsid.log" ||
	fail "tlsid did not say it answered the challenges"
[ "$(tlsid_stat acme_answered)" -ge 2 ] || fail "acme_answered: $(tlsid_stat acme_answered)"
[ "$(counter ssl_acme_http_diverted)" -ge 2 ] ||
	fail "ssl_acme_http_diverted: $(counter ssl_acme_http_diverted)"

# ---- served by a server proxy -------------------------------------------------
serial_of() { tlsictl cert show www | awk '$1 == "serial" { print $2 }'; }
# served_serial: the serial curl sees through the bridge, trusting pebble.
served_serial() {
	in_c curl -sS --max-time 120 -o /dev/null -w '%{certs}' --cacert "$W/pebble-root.pem" \
		--resolve www.example.test:443:10.9.0.2 https://www.example.test/ 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//'
}
_served_is() { [ "$(served_serial)" = "$1" ]; }
spawn s openssl s_server -quiet -accept 443 -cert "$W/site.crt" -key "$W/site.key" -www
wait_port s 443
ctl_ok ssl-proxy add wwwsrv role server destination 10.9.0.2 ports 443 certs www logging
ctl_ok ssl-policy add inbound profile p1 proxy wwwsrv
S1=$(serial_of)
wait_until $T_REACT _served_is "$S1" || fail "served: '$(served_serial)', expected $S1"
pass "the ACME certificate served through the bridge (serial $S1)"
ctl_fail 1 "certificate \`www' is used by SSL server proxy \`wwwsrv'" cert acme del www

# ---- every other request reaches the server untouched -----------------------
in_c curl -sS --max-time 120 -o "$W/got.bin" http://10.9.0.2/blob.bin
assert_eq "$(sha256sum <"$W/got.bin" | cut -d' ' -f1)" "$BLOB_SHA" "blob through port 80"
assert_eq "$(in_c curl -sS --max-time 120 http://www.example.test/.well-known/acme-challenge/servertoken \
	--resolve www.example.test:80:10.9.0.2)" "the server's own" "the server's own token"
got=$(in_c curl -sS --max-time 120 -o /dev/null -w '%{http_code}' --path-as-is \
	"http://10.9.0.2/.well-known/acme-challenge/..%2f..%2fetc%2fpasswd")
assert_eq "$got" 404 "a traversal attempt goes to the server"
in_c curl -sS --max-time 120 -o /dev/null -X POST -d x http://10.9.0.2/ || true
grep -q '"POST / HTTP/1.1" 501' "$W/http.log" || fail "the POST did not reach the server: $(tail -3 "$W/http.log")"
grep -q 'GET /.well-known/acme-challenge/..%2f..%2fetc%2fpasswd' "$W/http.log" ||
	fail "the traversal attempt did not reach the server"
[ "$(tlsid_stat acme_passed)" -ge 4 ] || fail "acme_passed: $(tlsid_stat acme_passed)"
pass "every other request on port 80 reached the server untouched"

# ---- renewals: the same name, a new serial, still served ---------------------
ctl_ok cert acme renew www
S2=$(serial_of)
[ "$S2" != "$S1" ] || fail "renew: the serial stayed $S1"
tlsictl cert show www_REPLACED | grep -q "serial .*$S1" || fail "the old one is not www_REPLACED"
wait_until $T_REACT _served_is "$S2" || fail "served after renew: '$(served_serial)', expected $S2"
out=$(tlsictl cert acme renew-due)
echo "$out" | grep -q "^www result not-due" || fail "renew-due (30 days): $out"
assert_eq "$(serial_of)" "$S2" "serial after a renew-due with nothing due"
out=$(tlsictl cert acme renew-due days 36500)
echo "$out" | grep -q "^www result renewed" || fail "renew-due days 36500: $out"
S3=$(serial_of)
[ "$S3" != "$S2" ] || fail "renew-due: the serial stayed $S2"
wait_until $T_REACT _served_is "$S3" || fail "served after renew-due: '$(served_serial)', expected $S3"

# ---- a failed renewal leaves the certificate alone ---------------------------
# Read-only for root too: a read-only bind mount (ip netns exec copies
# this namespace's mounts).
mount --bind "$TLSI_ACME_DIR/challenges" "$TLSI_ACME_DIR/challenges"
on_exit "umount $TLSI_ACME_DIR/challenges 2>/dev/null || true"
mount -o remount,bind,ro "$TLSI_ACME_DIR/challenges"
ctl_fail 1 "renewal failed: tlsi-acme-hook: (www\.)?example\.test: cannot publish the http-01 challenge" \
	cert acme renew www
umount "$TLSI_ACME_DIR/challenges"
tlsictl cert acme status www | grep -q "^www state failed .*last-error .*Read-only file system" ||
	fail "status after a failed renewal: $(tlsictl cert acme status www)"
assert_eq "$(serial_of)" "$S3" "serial after a failed renewal"
assert_eq "$(served_serial)" "$S3" "served after a failed renewal"
pass "failed renewal reported: $(tlsictl cert acme status www | grep -o 'last-error.*')"
