#!/bin/bash
# Decryption policies: SSL client policy "outbound" names decryption policy
# "private" (*.company.com, exact.example); tlsid reads each ClientHello's
# SNI and a listed name passes untouched through the kernel relay:
#   - the client sees the real server certificate (curl trusting only the
#     real CA succeeds) for legal.compliance.company.com, any case, and
#     exact.example; a forged one (signed by the signing CA) for
#     company.com, sub.exact.example and other.example;
#   - a 1 MB download through the pass-through, byte for byte;
#   - the SSL inspection log ("Not decrypted", the domain that matched),
#     tlsid's and the kernel's counters, no forged certificate made;
#   - export/import round trip; a change tlsid picks up without restarting;
#   - bad input refused with the culprit named, nothing changed: 4097
#     domains, `*foo.com', `a.*.b', a 64-byte label, a 254-byte name,
#     non-LDH bytes, an unknown decryption policy on an SSL policy, deleting
#     one in use.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2:443
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

W=/tmp/decrypt-policy.$$
mkdir -p "$W"
chmod 755 "$W"
on_exit "rm -rf $W"
export TLSI_DECRYPT_DIR=$W/decrypt

tlsid_setup "$W" 443
NAMES="legal.compliance.company.com company.com exact.example sub.exact.example other.example"
specs=()
for n in $NAMES; do
	mkleaf "$n" "$n" testca "ec -pkeyopt ec_paramgen_curve:P-256"
	specs+=("$n=$W/$n.crt,$W/$n.key")
done
spawn s python3 "$TOOLS/https_server.py" 443 "$W/www/m.bin" "${specs[@]}"
wait_port s 443 tcp 120

ctl_ok decrypt-policy add private description "Never decrypted" domain '*.Company.COM' \
	domain exact.example.
ctl_ok ssl-policy set outbound profile p1 decrypt-policy private
tlsictl ssl-policy show | grep -q "decrypt-policy private" ||
	fail "ssl-policy show: no decrypt-policy: $(tlsictl ssl-policy show)"
start_tlsid --decrypt-dir "$W/decrypt"

# fetch NAME CA [PATH]: curl to NAME through the bridge trusting only CA.
fetch() {
	in_c curl -sS --max-time 120 --resolve "$1:443:10.9.0.2" --cacert "$W/$2.crt" \
		"https://$1/${3:-}"
}
# issuer NAME: the issuer of the certificate the client is shown.
issuer() {
	in_c openssl s_client -connect 10.9.0.2:443 -servername "$1" </dev/null 2>/dev/null |
		openssl x509 -noout -issuer
}

stats_snapshot
forged0=$(tlsid_stat forged)
# ---- excepted names: the real certificate, the real server ----
for n in legal.compliance.company.com exact.example; do
	assert_eq "$n says hello" "$(fetch "$n" testca)" "$n: real certificate (only the real CA trusted)"
	log_has "outcome=Not decrypted"
	log_has "sni=$n"
	log_has "decrypt_policy=private"
done
log_has "decrypt_match=exact.example"
case "$(issuer LEGAL.Compliance.COMPANY.com)" in
*"tlsi test CA"*) pass "an SNI in mixed case matches *.company.com" ;;
*) fail "LEGAL.Compliance.COMPANY.com: $(issuer LEGAL.Compliance.COMPANY.com)" ;;
esac
log_has "decrypt_match=*.company.com"
assert_eq "$M_SHA" "$(fetch exact.example testca big | sha256sum | cut -d' ' -f1)" \
	"1 MB through the pass-through, byte for byte"
assert_delta ssl_not_decrypted_policy 4
assert_delta ssl_not_decrypted 4
[ "$(delta relay_plain_sessions)" -ge 4 ] || fail "not handed off as plain sessions"
assert_eq 0 "$(delta ssl_decrypted)" "nothing decrypted"
assert_eq "$forged0" "$(tlsid_stat forged)" "no certificate forged for the excepted names"
[ "$(tlsid_stat not_decrypted_policy)" -ge 4 ] || fail "tlsid's counter"
pass "excepted names pass untouched, logged and counted"

# ---- other names: forged by the signing CA ----
for n in company.com sub.exact.example other.example; do
	assert_eq "$n says hello" "$(fetch "$n" signca)" "$n: decrypted (forged certificate)"
	log_has "outcome=Decrypted"
	case "$(issuer "$n")" in
	*"tlsi test signing CA"*) ;;
	*) fail "$n: issuer $(issuer "$n")" ;;
	esac
done
in_c curl -sS --max-time 60 --resolve "company.com:443:10.9.0.2" --cacert "$W/testca.crt" \
	https://company.com/ >/dev/null 2>&1 && fail "company.com: the real CA accepted a forged leaf?"
pass "*.company.com does not cover company.com; exact names cover only themselves"

# ---- export / import round trip ----
ctl_ok decrypt-policy export private out "$W/private.txt"
assert_eq "$(printf '*.company.com\nexact.example')" "$(cat "$W/private.txt")" "export"
ctl_ok decrypt-policy add copy import "$W/private.txt"
assert_eq "$(tlsictl decrypt-policy export private)" "$(tlsictl decrypt-policy export copy)" \
	"import of an export gives the same list"
ctl_ok decrypt-policy del copy

# ---- a change reaches tlsid without a restart ----
ctl_ok decrypt-policy set private del-domain exact.example
_forged_now() { fetch exact.example signca >/dev/null 2>&1; }
wait_until $T_REACT _forged_now || fail "exact.example still passed through after its removal"
log_has "outcome=Decrypted"
ctl_ok decrypt-policy set private domain exact.example
_real_now() { fetch exact.example testca >/dev/null 2>&1; }
wait_until $T_REACT _real_now || fail "exact.example not excepted again"
pass "policy changes apply to new sessions"

# ---- bad input: refused, the culprit named, nothing changed ----
before=$(sha256sum <"$W/decrypt/private")
python3 -c 'for i in range(4097): print("h%d.example" % i)' >"$W/4097.txt"
ctl_fail 1 "4097.txt:4097: domain .h4096.example.: more than 4096" \
	decrypt-policy add big import "$W/4097.txt"
tlsictl decrypt-policy show | grep -q '^big' && fail "a refused policy was created"
head -4096 "$W/4097.txt" >"$W/4096.txt"
ctl_ok decrypt-policy add big import "$W/4096.txt"
ctl_fail 1 "more than 4096" decrypt-policy set big domain one-more.example
ctl_ok decrypt-policy del big
ctl_fail 1 "domain .\*foo.com.: a wildcard" decrypt-policy set private domain '*foo.com'
ctl_fail 1 "domain .a.\*.b.: a wildcard" decrypt-policy set private domain 'a.*.b'
long=$(printf 'a%.0s' $(seq 64))
ctl_fail 1 "label .$long. is longer than 63" decrypt-policy set private domain "$long.com"
name254="$(printf 'abcdefghi.%.0s' $(seq 25))abcd"
ctl_fail 1 "longer than 253" decrypt-policy set private domain "$name254"
ctl_fail 1 "byte 0x5f" decrypt-policy set private domain 'under_score.com'
ctl_fail 1 "byte 0xc3 .*IDNA A-labels" decrypt-policy set private domain 'bücher.example'
printf 'ok.example\nbad domain.example\n' >"$W/bad.txt"
ctl_fail 1 "bad.txt:2: .bad domain.example.: one domain a line" \
	decrypt-policy set private import "$W/bad.txt"
ctl_fail 1 "no such decryption policy" ssl-policy set outbound profile p1 decrypt-policy nosuch
ctl_fail 2 "decryption policy name" ssl-policy set outbound profile p1 decrypt-policy '../x'
tlsictl ssl-policy show | grep -q "decrypt-policy private" || fail "the SSL policy changed"
ctl_fail 1 "used by SSL policy \"outbound\"" decrypt-policy del private
assert_eq "$before" "$(sha256sum <"$W/decrypt/private")" "the policy file is unchanged"
assert_eq "exact.example says hello" "$(fetch exact.example testca)" "and still applies"
ctl_ok ssl-policy set outbound profile p1 decrypt-policy none
ctl_ok decrypt-policy del private
pass "bad input refused, nothing changed"
