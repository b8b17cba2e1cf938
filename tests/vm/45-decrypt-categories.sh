#!/bin/bash
# Decryption policy categories and the default policy: a small UT1-style
# category directory (finance, health, news) is loaded; decryption policy
# "private" is the default list shipped with tlsi (import default) plus the
# categories finance,health with the override trade.bank.example. Real
# curl and openssl s_client clients through tlsid:
#   - www.bank.example (finance, by its parent bank.example) and
#     clinic.example (health) see the real certificate; the SSL log says
#     Not decrypted with the category and the listed domain;
#   - trade.bank.example (the override) and news.example (a category the
#     policy does not name) see the forged one; the log names the override;
#   - names of the default list (fe2.update.microsoft.com, swscan.apple.com,
#     client.dropbox.com) are not decrypted;
#   - decide-by cert: an SNI the server has no certificate for, answered
#     with a finance certificate, is not decrypted (a second connection
#     passes through); by SNI it is;
#   - a newer database reaches tlsid without a restart; a database that is
#     gone bypasses the policy's sessions (passed untouched, outcome
#     Bypassed with the reason);
#   - tlsictl save prints `category load' and `decrypt-policy define'
#     lines that tlsictl -f turns back into the same files;
#   - skip-invalid loads a list with a bad name without it, counted;
#   - bad input refused, the culprit named, nothing changed: a malformed
#     domains file (file:line), an unknown category in a policy, a database
#     lacking a category a policy names, clearing one in use.
#
#   client 10.9.0.1 -- eth0 [br0 10.9.0.254, tlsid :15443] eth1 -- server 10.9.0.2:443
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsi.sh"
. "$(dirname "$0")/tlsid.sh"

W=/tmp/decrypt-categories.$$
mkdir -p "$W"
chmod 755 "$W"
on_exit "rm -rf $W"
export TLSI_DECRYPT_DIR=$W/decrypt
export TLSI_DECRYPT_DEFAULT_LIST=$TLSI_REPO/data/decrypt/default-policy.txt

tlsid_setup "$W" 443
NAMES="www.bank.example trade.bank.example clinic.example news.example
	fe2.update.microsoft.com swscan.apple.com client.dropbox.com"
specs=()
for n in $NAMES; do
	mkleaf "$n" "$n" testca "ec -pkeyopt ec_paramgen_curve:P-256"
	specs+=("$n=$W/$n.crt,$W/$n.key")
done
spawn s python3 "$TOOLS/https_server.py" 443 "$W/www/m.bin" "${specs[@]}"
wait_port s 443 tcp 120

# ---- the category database, UT1 layout ----
mkdir -p "$W/ut1/finance" "$W/ut1/health" "$W/ut1/news" "$W/ut1/press"
printf 'bank.example\nBroker.Example\nbank.example\n' >"$W/ut1/finance/domains"
printf '# health\nclinic.example\n' >"$W/ut1/health/domains"
printf 'news.example\n' >"$W/ut1/news/domains"
printf 'news.example/sport\n' >"$W/ut1/press/urls"	# no domains: not a category
echo "UT1 blacklists" >"$W/ut1/README"
ctl_ok category load "$W/ut1"
show=$(tlsictl category show)
echo "$show" | grep -q "entries 4 categories 3 duplicates 1" || fail "category show: $show"
echo "$show" | grep -qx "category finance entries 2" || fail "category show: $show"
echo "$show" | grep -q "^loaded 20[0-9-]*T" || fail "category show: no load time: $show"
assert_eq "a.b.bank.example listed bank.example categories finance" \
	"$(tlsictl category lookup a.b.bank.example)" "lookup walks the parents"
ctl_fail 1 "none" category lookup other.example

ctl_ok decrypt-policy add private description "Default list and private categories" \
	import default category finance,health override trade.bank.example
tlsictl decrypt-policy show private | grep -q "category finance category health" ||
	fail "decrypt-policy show: $(tlsictl decrypt-policy show private)"
ctl_ok ssl-policy set outbound profile p1 decrypt-policy private
start_tlsid --decrypt-dir "$W/decrypt"

# fetch NAME CA: curl to NAME through the bridge trusting only CA.
fetch() {
	in_c curl -sS --max-time 120 --resolve "$1:443:10.9.0.2" --cacert "$W/$2.crt" \
		"https://$1/"
}
issuer() {
	in_c openssl s_client -connect 10.9.0.2:443 -servername "$1" </dev/null 2>/dev/null |
		openssl x509 -noout -issuer
}

stats_snapshot
forged0=$(tlsid_stat forged)
# ---- names in a do-not-decrypt category: the real certificate ----
assert_eq "www.bank.example says hello" "$(fetch www.bank.example testca)" \
	"www.bank.example (finance): real certificate"
log_has "outcome=Not decrypted"
log_has "decrypt_policy=private"
log_has "decrypt_category=finance"
log_has "category_match=bank.example"
log_has "reason=decryption policy \`private': category finance (bank.example)"
assert_eq "clinic.example says hello" "$(fetch clinic.example testca)" \
	"clinic.example (health): real certificate"
log_has "outcome=Not decrypted"
log_has "decrypt_category=health"
case "$(issuer WWW.Bank.Example)" in
*"tlsi test CA"*) pass "openssl s_client sees the real issuer for WWW.Bank.Example" ;;
*) fail "WWW.Bank.Example: $(issuer WWW.Bank.Example)" ;;
esac
log_has "decrypt_category=finance"

# ---- the default list's names: not decrypted ----
for n in fe2.update.microsoft.com swscan.apple.com client.dropbox.com; do
	assert_eq "$n says hello" "$(fetch "$n" testca)" "$n (default list): real certificate"
	log_has "outcome=Not decrypted"
	log_has "sni=$n"
done
log_has "decrypt_match=*.dropbox.com"
assert_eq "$forged0" "$(tlsid_stat forged)" "no certificate forged for names not decrypted"
[ "$(tlsid_stat not_decrypted_category)" -ge 3 ] || fail "tlsid's not_decrypted_category"
[ "$(delta ssl_not_decrypted)" -ge 6 ] || fail "the kernel's ssl_not_decrypted"

# ---- the override, and a category the policy does not name: decrypted ----
assert_eq "trade.bank.example says hello" "$(fetch trade.bank.example signca)" \
	"trade.bank.example (override): forged certificate"
log_has "outcome=Decrypted"
log_has "decrypt_override=trade.bank.example"
log_has "decrypt_category=finance"
case "$(issuer trade.bank.example)" in
*"tlsi test signing CA"*) pass "openssl s_client sees the forged issuer for the override" ;;
*) fail "trade.bank.example: $(issuer trade.bank.example)" ;;
esac
[ "$(tlsid_stat decrypted_override)" -ge 2 ] || fail "tlsid's decrypted_override"
assert_eq "news.example says hello" "$(fetch news.example signca)" \
	"news.example (news: not in the policy): forged certificate"
log_has "outcome=Decrypted"
in_c curl -sS --max-time 60 --resolve "news.example:443:10.9.0.2" --cacert "$W/testca.crt" \
	https://news.example/ >/dev/null 2>&1 && fail "news.example: the real CA accepted a forged leaf?"
pass "categories and overrides decide what is decrypted"

# ---- decide-by cert: the server certificate's names, not the SNI ----
# The server answers an SNI it has no certificate for with its first one,
# www.bank.example's (finance).
ctl_ok decrypt-policy add bycert category finance decide-by cert
tlsictl decrypt-policy show bycert | grep -q "decide-by cert" ||
	fail "show: $(tlsictl decrypt-policy show bycert)"
ctl_ok ssl-policy set outbound profile p1 decrypt-policy bycert
_alias_real() { issuer alias.example | grep -q "tlsi test CA"; }
wait_until $T_REACT _alias_real || fail "alias.example (a finance certificate): $(issuer alias.example)"
log_has "outcome=Not decrypted"
log_has "sni=alias.example"
log_has "decrypt_category=finance"
log_has "category_match=bank.example"
log_has "reason=decryption policy \`bycert': server certificate: category finance (bank.example)"
assert_eq "www.bank.example says hello" "$(fetch www.bank.example testca)" \
	"www.bank.example by its certificate: real certificate, through a second connection"
log_has "outcome=Not decrypted"
assert_eq "news.example says hello" "$(fetch news.example signca)" \
	"news.example (a news certificate): forged"
log_has "outcome=Decrypted"
ctl_ok decrypt-policy set bycert decide-by sni
# Decrypted: a forged leaf (by the untrusted CA: the server's certificate
# does not name alias.example).
_alias_forged() {
	local i
	i=$(issuer alias.example)
	[ -n "$i" ] && ! echo "$i" | grep -q "= tlsi test CA$"
}
wait_until $T_REACT _alias_forged || fail "decide-by sni: alias.example not decrypted: $(issuer alias.example)"
log_has "outcome=Decrypted"
log_has "sni=alias.example"
ctl_ok ssl-policy set outbound profile p1 decrypt-policy private
ctl_ok decrypt-policy del bycert
pass "decide-by cert decides by the server certificate's names"

# ---- bad input: refused, the culprit named, nothing changed ----
db_sum=$(sha256sum <"$W/decrypt/categories.db")
pol_sum=$(sha256sum <"$W/decrypt/private")
mkdir -p "$W/bad/finance"
printf 'ok.example\nbad_name.example\n' >"$W/bad/finance/domains"
ctl_fail 1 "bad/finance/domains:2: domain .bad_name.example.: byte 0x5f" category load "$W/bad"
long=$(printf 'a%.0s' $(seq 64))
printf 'x.example finance\n%s.example finance\n' "$long" >"$W/long.txt"
ctl_fail 1 "long.txt:2: domain .*label .*longer than 63" category load "$W/long.txt"
printf 'x.example finance\n*.y.example finance\n' >"$W/wild.txt"
ctl_fail 1 "wild.txt:2: .*no wildcards" category load "$W/wild.txt"
printf 'x.example\n' >"$W/onefield.txt"
ctl_fail 1 "onefield.txt:1: .x.example.: not DOMAIN CATEGORY" category load "$W/onefield.txt"
printf 'x.example health\n' >"$W/nofinance.txt"
ctl_fail 1 "category .finance. is not in the new database, and decryption policy .private." \
	category load "$W/nofinance.txt"
ctl_fail 1 "category .gambling.: not in the category database" \
	decrypt-policy set private category gambling
ctl_fail 1 "category .gambling.: not in the category database" \
	decrypt-policy add other category finance,gambling
tlsictl decrypt-policy show | grep -q '^other' && fail "a refused policy was created"
ctl_fail 1 "override .a_b.example.: .*byte 0x5f|domain .a_b.example.: byte 0x5f" \
	decrypt-policy set private override a_b.example
ctl_fail 1 "decryption policy .private. names category .finance." category clear
assert_eq "$db_sum" "$(sha256sum <"$W/decrypt/categories.db")" "the database is unchanged"
# skip-invalid: a published list with a few bad names loads without them.
mkdir -p "$W/ut1s/finance" "$W/ut1s/health"
printf 'bank.example\nbad_name.example\n' >"$W/ut1s/finance/domains"
printf 'clinic.example\n' >"$W/ut1s/health/domains"
ctl_fail 1 "ut1s/finance/domains:2: domain .bad_name.example." category load "$W/ut1s"
out=$(tlsictl category load "$W/ut1s" skip-invalid 2>&1) || fail "skip-invalid: $out"
echo "$out" | grep -q "warning: skipped 1 invalid lines; the first: .*ut1s/finance/domains:2:" ||
	fail "skip-invalid: $out"
tlsictl category show | grep -q "entries 2 categories 2 duplicates 0 skipped 1" ||
	fail "show after skip-invalid: $(tlsictl category show)"
tlsictl save | grep -qxF "category load $W/ut1s skip-invalid" || fail "save: $(tlsictl save | grep category)"
ctl_ok category load "$W/ut1"
db_sum=$(sha256sum <"$W/decrypt/categories.db")
assert_eq "$pol_sum" "$(sha256sum <"$W/decrypt/private")" "the policy is unchanged"
assert_eq "www.bank.example says hello" "$(fetch www.bank.example testca)" "and still applies"
log_has "decrypt_category=finance"
pass "bad input refused, nothing changed"

# ---- a newer database reaches tlsid without a restart ----
printf 'bank.example finance\nclinic.example health\nnews.example finance\n' >"$W/newer.txt"
ctl_ok category load "$W/newer.txt"
tlsictl category show | grep -q "source $W/newer.txt" || fail "show: $(tlsictl category show)"
_news_real() { fetch news.example testca >/dev/null 2>&1; }
wait_until $T_REACT _news_real || fail "news.example still decrypted after it moved to finance"
log_has "decrypt_category=finance"
log_has "category_match=news.example"
pass "a newer category database applies to new sessions"

# ---- no database: the policy's sessions are not decrypted, said why ----
rm "$W/decrypt/categories.db"
_unavailable() {
	fetch news.example testca >/dev/null 2>&1 &&
		last_log | grep -q "^reason=decryption policy \`private': category database unavailable"
}
wait_until $T_REACT _unavailable || fail "no database: $(last_log | tr '\n' ' ')"
log_has "outcome=Bypassed"
pass "a missing category database bypasses, with the reason"
ctl_ok category load "$W/ut1"

# ---- tlsictl save: the database's source and the policy, recreated ----
tlsictl save >"$W/saved.conf"
grep -qxF "category load $W/ut1" "$W/saved.conf" || fail "save: no category line: $(cat "$W/saved.conf")"
grep -qE '^decrypt-policy define private description "Default list and private categories" domain [^ ]*,\*\.dropbox\.com,[^ ]* category finance,health override trade\.bank\.example$' \
	"$W/saved.conf" || fail "save: no decrypt-policy line: $(grep decrypt-policy "$W/saved.conf")"
[ "$(grep -n '^category load' "$W/saved.conf" | cut -d: -f1)" -lt \
  "$(grep -n '^decrypt-policy define' "$W/saved.conf" | cut -d: -f1)" ] &&
[ "$(grep -n '^decrypt-policy define' "$W/saved.conf" | cut -d: -f1)" -lt \
  "$(grep -n '^ssl-policy add' "$W/saved.conf" | cut -d: -f1)" ] || fail "save: order: $(cat "$W/saved.conf")"
out=$(tlsictl save | tlsictl -f - 2>&1) || fail "save | -f -: $out"
echo "$out" | grep -q 'applied: 0 added, 0 changed, 0 removed' || fail "save | -f -: $out"
pol_sum=$(sha256sum <"$W/decrypt/private")
ctl_ok ssl-policy set outbound profile p1 decrypt-policy none
ctl_ok decrypt-policy del private
ctl_ok category clear
out=$(tlsictl -f "$W/saved.conf" 2>&1) || fail "-f saved.conf: $out"
assert_eq "$pol_sum" "$(sha256sum <"$W/decrypt/private")" "the policy recreated from the saved file"
tlsictl save | diff -u "$W/saved.conf" - || fail "save after -f saved.conf differs"
_bank_real() { fetch www.bank.example testca >/dev/null 2>&1; }
wait_until $T_REACT _bank_real || fail "www.bank.example decrypted after the configuration was applied"
log_has "decrypt_category=finance"
# A file without decrypt-policy lines (written before they were saved)
# leaves the policy files alone.
grep -v '^decrypt-policy define' "$W/saved.conf" >"$W/older.conf"
out=$(tlsictl -f "$W/older.conf" 2>&1) || fail "-f older.conf: $out"
[ -f "$W/decrypt/private" ] || fail "-f older.conf deleted the decryption policy"
pass "save prints the category source and the policy; -f recreates them"

ctl_ok ssl-policy set outbound profile p1 decrypt-policy none
ctl_ok decrypt-policy del private
ctl_ok category clear
[ -e "$W/decrypt/categories.db" ] && fail "category clear left the database"
pass "clear once no policy names a category"
