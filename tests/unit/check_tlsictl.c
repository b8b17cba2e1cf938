// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the built tlsictl binary: usage errors (exit 2, message on stderr,
 * before any netlink traffic), help texts, reputation file errors, and the
 * "module not loaded" error where the tlsi family does not exist.
 *
 * The binary is $TLSICTL, else userspace/tlsictl/tlsictl from the current
 * directory or from the test binary's ../../ (build it with make userspace).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "cli_harness.h"
#include "nl.h"

static struct cli_result r;

/* Run tlsictl with args (NULL-terminated), stdin from in_path or /dev/null. */
static int run_in(const char *in_path, const char *const *args)
{
	return cli_tlsictl_run(NULL, in_path, args, &r);
}

#define RUN(...) run_in(NULL, (const char *const[]){ __VA_ARGS__, NULL })

#define ERR_HAS(s) ck_assert_msg(strstr(r.err, (s)) != NULL, \
				 "stderr lacks `%s':\n%s", (s), r.err)
#define OUT_HAS(s) ck_assert_msg(strstr(r.out, (s)) != NULL, \
				 "stdout lacks `%s':\n%s", (s), r.out)

/* Is the tlsi family registered here? */
static bool family_present(void)
{
	char err[TLSI_ERR_MAX];
	struct tlsi_nl nl;

	if (tlsi_nl_open(&nl, err, sizeof(err)) == 0) {
		tlsi_nl_close(&nl);
		return true;
	}
	return false;
}

/* ---- usage errors ---------------------------------------------------- */

static const struct usage_case {
	const char *args[16];
	const char *msg;
} usage_cases[] = {
	{ { "bogus" }, "tlsictl: unknown object `bogus'" },
	{ { "--frobnicate" }, "tlsictl: unknown option `--frobnicate'" },
	{ { "tm", "frob" }, "tlsictl: tm: unknown command `frob'" },
	{ { "tm", "add", "web", "action", "block", "color", "red" },
	  "tlsictl: tm add: unknown keyword `color'" },
	{ { "tm", "add" }, "tlsictl: tm add: missing name" },
	{ { "tm", "add", "web" }, "tm add: missing `action block|permit|trust|rate-limit'" },
	{ { "tm", "add", "web", "action", "drop" }, "tm add: action `drop': unknown action" },
	{ { "tm", "add", "web", "action", "rate-limit" }, "tm add: action rate-limit needs `rate PPS'" },
	{ { "tm", "add", "web", "action", "block", "rate", "5" },
	  "tm add: `rate' is only valid with action rate-limit" },
	{ { "tm", "add", "web", "action", "trust", "reset" },
	  "tm add: `reset' is only valid with action block" },
	{ { "tm", "add", "web", "action", "rate-limit", "rate", "0" }, "rate `0': out of range" },
	{ { "tm", "add", "web", "action", "block", "src", "10.0.0.1/8" },
	  "tlsictl: tm add: src `10.0.0.1/8': host bits set" },
	{ { "tm", "add", "web", "action", "block", "dst", "10.0.0.256" }, "dst `10.0.0.256': not an IPv4" },
	{ { "tm", "add", "web", "action", "block", "proto", "tcp", "dport", "10-5" },
	  "dport `10-5': empty range" },
	{ { "tm", "add", "web", "action", "block", "dport", "80" },
	  "tm add: dport needs `proto tcp|udp|sctp|udplite'" },
	{ { "bypass", "add", "b", "proto", "icmp", "sport", "1" },
	  "bypass add: sport needs `proto tcp|udp|sctp|udplite'" },
	{ { "tm", "add", "web", "action", "block", "sport", "65536" }, "sport `65536': port out of range" },
	{ { "tm", "add", "web", "action", "block", "proto", "gre" }, "proto `gre': unknown protocol" },
	{ { "tm", "add", "web", "action", "block", "src" }, "keyword `src' needs a value" },
	{ { "tm", "add", "web", "action", "block", "action", "permit" }, "keyword `action' given twice" },
	{ { "tm", "add", "web", "action", "block", "position", "-1" }, "position `-1': not a number" },
	{ { "tm", "add", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "action", "block" }, "name too long" },
	{ { "tm", "add", "we b", "action", "block" }, "bad character" },
	{ { "tm", "del" }, "tm del: missing name" },
	{ { "tm", "del", "a", "b" }, "tm del: unexpected argument `b'" },
	{ { "tm", "show", "x" }, "tm show: unexpected argument `x'" },
	{ { "profile", "add", "p", "rep-block", "101" }, "rep-block `101': out of range (0..100 or off)" },
	{ { "profile", "set", "p" }, "profile set: nothing to set" },
	{ { "profile", "add", "p/1" }, "name `p/1': bad character `/'" },
	{ { "segment", "add", "s", "ports", "eth0", "eth1" }, "segment add: missing `profile PROFILE'" },
	{ { "segment", "add", "s", "profile", "p" }, "segment add: missing `ports PORT_A PORT_B'" },
	{ { "segment", "add", "s", "profile", "p", "ports", "eth0" }, "needs two values" },
	{ { "segment", "add", "s", "profile", "p", "ports", "eth0", "eth1", "vlan", "0" },
	  "vlan `0': VLAN ID 0 out of range (1..4094)" },
	{ { "segment", "add", "s", "profile", "p", "ports", "eth0", "eth1", "vlan", "4095" },
	  "VLAN ID 4095 out of range" },
	{ { "segment", "add", "s", "profile", "p", "ports", "eth0", "eth1", "vlan", "1-100" },
	  "too many VLANs (max 64)" },
	{ { "segment", "add", "s", "profile", "p", "ports", "averyveryverylongifname", "eth1" },
	  "interface name too long" },
	{ { "bypass", "add", "b", "vlan", "5000" }, "vlan `5000': out of range (1..4094)" },
	{ { "bypass", "add", "b", "dport", "1-2-3" }, "dport `1-2-3'" },
	{ { "bypass", "flush", "now" }, "bypass flush: unexpected argument `now'" },
	{ { "reputation", "add", "10.0.0.0/8" }, "reputation add: missing `score SCORE'" },
	{ { "reputation", "add", "10.0.0.0/8", "score", "101" }, "score `101': out of range (0..100)" },
	{ { "reputation", "add", "10.0.0.1/8", "score", "1" }, "cidr `10.0.0.1/8': host bits set" },
	{ { "reputation", "add", "10.0.0.0/8", "score", "1", "category", "a b" }, "category `a b'" },
	{ { "reputation", "show", "10.0.0.0/8" }, "address `10.0.0.0/8': must be a single host" },
	{ { "reputation", "load" }, "reputation load: missing FILE" },
	{ { "reputation", "load", "/dev/null", "merge" }, "unknown keyword `merge'" },
	{ { "quarantine", "add", "10.0.0.1/24" }, "host `10.0.0.1/24': host bits set" },
	{ { "quarantine", "del", "10.0.0" }, "host `10.0.0': not an IPv4 address" },
	{ { "quarantine", "add", "10.0.0.1", "timeout", "5y" }, "timeout `5y': not a duration" },
	{ { "quarantine", "add", "10.0.0.1", "reason",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
	  "too long (max 127 bytes)" },
	{ { "config", "set" }, "config set: nothing to set" },
	{ { "config", "set", "max-flows", "0" }, "max-flows `0': out of range (1..4000000)" },
	{ { "config", "set", "max-flows", "4000001" }, "out of range (1..4000000)" },
	{ { "config", "set", "flow-full", "accept" }, "flow-full `accept': must be drop or bypass" },
	{ { "config", "set", "timeout-udp", "2d" }, "timeout-udp `2d': out of range (1..86400 seconds)" },
	{ { "config", "set", "timeout-tcp-established", "11d" }, "out of range (1..864000 seconds)" },
	{ { "config", "set", "timeout-udp", "1", "timeout-udp", "2" }, "keyword `timeout-udp' given twice" },
	{ { "stats", "clear" }, "stats: unknown command `clear'" },
	{ { "monitor", "now" }, "monitor: unexpected argument `now'" },
	{ { "monitor", "--eve" }, "keyword `--eve' needs a value" },
	{ { "monitor", "--eve", "/tmp/x", "--eve", "/tmp/y" }, "unexpected argument `--eve'" },
	{ { "rules", "load" }, "rules load: no rule FILE given" },
	{ { "rules", "load", "--image", "a.img", "b.rules" }, "give one or the other" },
	{ { "rules", "load", "-o", "x" }, "unknown option `-o'" },
	{ { "rules", "show", "all", "now" }, "rules show: unexpected `now'" },
	{ { "rules", "show", "sid", "x" }, "sid `x': not a number" },
	{ { "rules", "stats", "now" }, "rules stats: unexpected `now'" },
	{ { "rules", "flush", "now" }, "rules flush: unexpected `now'" },
	{ { "rules", "var", "HOME_NET" }, "rules var: expected NAME VALUE pairs" },
	{ { "rules", "config", "quarantine", "maybe" }, "quarantine `maybe': expected on or off" },
	{ { "rules", "config", "timeout", "1x" }, "timeout `1x'" },
	{ { "rules", "config", "depth", "-1" }, "depth `-1': not a number" },
	{ { "rules", "config", "frob", "1" }, "rules config: unknown keyword `frob'" },
	{ { "rules", "config", "depth", "1", "depth", "2" }, "keyword `depth' given twice" },
	{ { "rules", "config", "set" }, "rules config: nothing to set" },
	{ { "rules", "config", "trace", "sometimes" }, "trace `sometimes': expected off or alerts" },
	{ { "rules", "config", "trace-buffer", "0" }, "trace-buffer `0': out of range (65536..67108864 bytes)" },
	{ { "rules", "config", "trace-buffer", "65M" }, "trace-buffer `65M': out of range" },
	{ { "rules", "config", "trace-buffer", "4G" }, "trace-buffer `4G': not a size" },
	{ { "rules", "config", "trace-bytes", "0" }, "trace-bytes `0': out of range (1..67108864 bytes)" },
	{ { "rules", "config", "trace-bytes", "1x" }, "trace-bytes `1x': not a size" },
	{ { "rules", "config", "trace-bytes", "99999999999999999999" }, "trace-bytes `99999999999999999999': out of range" },
	{ { "trace", "save" }, "trace save: missing FILE" },
	{ { "trace", "save", "f.pcap", "--flow" }, "--flow needs a flow id" },
	{ { "trace", "save", "f.pcap", "--flow", "0" }, "flow `0': expected a flow id (1..18446744073709551615)" },
	{ { "trace", "save", "f.pcap", "--flow", "18446744073709551616" }, "flow `18446744073709551616'" },
	{ { "trace", "save", "f.pcap", "--flow", "-1" }, "flow `-1': expected a flow id" },
	{ { "trace", "save", "f.pcap", "g.pcap" }, "trace save: unexpected `g.pcap'" },
	{ { "trace", "save", "f.pcap", "--bogus" }, "unknown option `--bogus'" },
	{ { "trace", "show", "x" }, "trace show: unexpected `x'" },
	{ { "trace", "clear", "--flow", "x1" }, "flow `x1': expected a flow id" },
	{ { "trace", "frob" }, "trace: unknown command `frob'" },
	{ { "profile", "set", "p", "locked", "yes" }, "locked: `yes' is neither `on' nor `off'" },
	{ { "profile", "add", "p", "locked" }, "keyword `locked' needs a value" },
	{ { "profile", "set", "p", "locked", "on", "locked", "off" }, "keyword `locked' given twice" },
	{ { "ssl-policy", "set", "x", "profile", "p", "locked", "1" },
	  "locked: `1' is neither `on' nor `off'" },
	{ { "ssl-policy", "del", "x", "profile", "p", "locked", "off" },
	  "del takes only NAME profile PROFILE" },
	{ { "--unlock", "profile", "del" }, "profile del: missing name" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "min-version", "ssl3" },
	  "min-version `ssl3': SSL 3.0 is broken (RFC 7568) and never offered; the lowest is tls1.0" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "max-version", "sslv3" }, "SSL 3.0 is broken" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "min-version", "tls1.4" },
	  "min-version `tls1.4': must be tls1.0, tls1.1, tls1.2 or tls1.3" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "min-version", "tls1.3", "max-version", "tls1.1" },
	  "min-version tls1.3 is above max-version tls1.1" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "client-ciphers", "default,BOGUS" },
	  "client-ciphers: unknown cipher suite `BOGUS'" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "server-ciphers", "kx:psk" },
	  "server-ciphers: unknown key exchange class `psk' (ecdhe, dhe, rsa)" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "server-ciphers", "all,-all" },
	  "server-ciphers `all,-all': selects no cipher suite" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "min-version", "tls1.1" },
	  "client-ciphers: no selected suite works in tls1.1" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "client-ciphers", "TLS_AES_128_GCM_SHA256" },
	  "client-ciphers: no selected suite works in tls1.2" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "etm", "1" }, "etm `1': must be on or off" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "service", "ftp" },
	  "service `ftp': must be auto, http, imap, pop3, smtp or other" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "min-dh-bits", "1023" },
	  "min-dh-bits `1023': 0 (no minimum) or 1024..16384" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "min-ec-bits", "2048" }, "min-ec-bits `2048'" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "etm", "on", "etm", "off" },
	  "keyword `etm' given twice" },
	/* server proxies: what is refused before the repository is read */
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "servers" },
	  "role `servers': must be client or server" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "certs", "a" },
	  "missing `destination LIST' (a server proxy's servers)" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "destination", "10.0.0.1" },
	  "missing `certs LIST' (a server proxy's certificates)" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "destination", "none" },
	  "destination `none': a server proxy needs destinations" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "destination", "10.0.0.999" },
	  "destination" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "destination", "10.0.0.1",
	    "certs", "a", "cert", "b" }, "cert: a server proxy has no signing certificate" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "certs", "a,b" },
	  "settings of server proxies (role server)" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "acme-http01" },
	  "settings of server proxies (role server)" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "certs", "a", "certs-file", "f" },
	  "keyword `certs' given twice" },
	{ { "ssl-proxy", "add", "w", "ports", "443", "role", "server", "certs", ",," },
	  "certs `,,': no certificate names" },
	{ { "config", "set", "ssl-server", "yes" }, "ssl-server `yes': must be on or off" },
};

START_TEST(test_usage_errors)
{
	const struct usage_case *c = &usage_cases[_i];

	ck_assert_msg(run_in(NULL, c->args) == 2, "`%s %s ...' exited %d, stderr:\n%s",
		      c->args[0], c->args[1] ? c->args[1] : "", r.code, r.err);
	ERR_HAS(c->msg);
	ck_assert_msg(!strncmp(r.err, "tlsictl: ", 9), "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "");
}
END_TEST

START_TEST(test_no_arguments)
{
	ck_assert_int_eq(RUN("-j"), 2);
	ERR_HAS("Usage: tlsictl");
}
END_TEST

/* ---- help ------------------------------------------------------------ */

static const char *const objects[] = {
	"profile", "segment", "bypass", "tm", "reputation", "quarantine",
	"config", "stats", "monitor", "trace",
};

START_TEST(test_object_help)
{
	const char *obj = objects[_i];

	ck_assert_int_eq(RUN(obj, "help"), 0);
	OUT_HAS("Usage: tlsictl");
	OUT_HAS("Example");
	ck_assert_str_eq(r.err, "");
	ck_assert_int_eq(RUN(obj, "--help"), 0);
	OUT_HAS("Usage: tlsictl");
	ck_assert_int_eq(RUN("help", obj), 0);
	OUT_HAS("Usage: tlsictl");
}
END_TEST

START_TEST(test_global_help)
{
	size_t i;

	ck_assert_int_eq(RUN("--help"), 0);
	OUT_HAS("Usage: tlsictl");
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		OUT_HAS(objects[i]);
	ck_assert_int_eq(RUN("-h"), 0);
	ck_assert_int_eq(RUN("help"), 0);
	ck_assert_int_eq(RUN("tm", "add", "--help"), 0);
	OUT_HAS("rate-limit");
	ck_assert_int_eq(RUN("-V"), 0);
	OUT_HAS("tlsictl ");
	ck_assert_int_eq(RUN("--version"), 0);
}
END_TEST

/* ---- reputation files ------------------------------------------------ */

static char tmpfile_path[64];

static const char *write_tmp(const char *content)
{
	int fd;

	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/check_tlsictl.XXXXXX");
	fd = mkstemp(tmpfile_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return tmpfile_path;
}

START_TEST(test_rep_file_errors)
{
	static const struct {
		const char *content;
		const char *msg;	/* after "FILE:" */
	} cases[] = {
		{ "# list\n10.0.0.0/8 50 spam\n10.1.0.0/16 101\n", ":3: score `101'" },
		{ "10.0.0.0/8 50\n\n\n1.2.3.4/24 5\n", ":4: cidr `1.2.3.4/24': host bits set" },
		{ "1.2.3.4\n", ":1: missing score after `1.2.3.4'" },
		{ "1.2.3.4 5 cat extra\n", ":1: field `extra'" },
		{ "1.2.3.4 5 c/d\n", ":1: category `c/d'" },
		{ "1.2.3.400 5\n", ":1: cidr `1.2.3.400'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_tmp(cases[i].content);
		char want[256];

		ck_assert_int_eq(RUN("reputation", "load", path), 2);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].msg);
		ck_assert_msg(!strncmp(r.err, want, strlen(want)),
			      "stderr `%s' does not start with `%s'", r.err, want);
		ck_assert_str_eq(r.out, "");
		unlink(path);
	}

	/* From standard input. */
	write_tmp("1.2.3.0/24 5\n1.2.3.4 x\n");
	ck_assert_int_eq(run_in(tmpfile_path,
				(const char *const[]){ "reputation", "load", "-", NULL }), 2);
	ERR_HAS("-:2: score `x'");
	unlink(tmpfile_path);

	ck_assert_int_eq(RUN("reputation", "load", "/nonexistent/file"), 1);
	ERR_HAS("reputation load: cannot open `/nonexistent/file'");
}
END_TEST

/* ---- rules test: the engine's session driver on a conversation ------------ */

/* path gets len bytes of a, then len2 of b (binary payloads: NULs too). */
static void write_bytes(const char *path, const void *a, size_t len, const void *b, size_t len2)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(a, 1, len, f), len);
	ck_assert_uint_eq(fwrite(b, 1, len2, f), len2);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_file(const char *path, const char *content)
{
	write_bytes(path, content, strlen(content), "", 0);
}

START_TEST(test_rules_test)
{
	char dir[] = "/tmp/check_tlsictl.XXXXXX", rules[96], img[96], c[96], s[96];
	const char *raw, *uri;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(rules, sizeof(rules), "%s/t.rules", dir);
	snprintf(img, sizeof(img), "%s/t.img", dir);
	snprintf(c, sizeof(c), "%s/client", dir);
	snprintf(s, sizeof(s), "%s/server", dir);
	write_file(rules,
		   "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/evil\"; sid:1;)\n"
		   "alert tcp any any -> any any (msg:\"raw\"; content:\"attack\"; sid:2;)\n"
		   "alert http any any -> any any (msg:\"status\"; http.stat_code; content:\"404\"; sid:3;)\n");
	ck_assert_int_eq(RUN("rules", "compile", rules, "-o", img), 0);
	write_file(c, "GET /evil?attack HTTP/1.1\r\nHost: a.test\r\n\r\n");
	write_file(s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(RUN("rules", "test", img, c, s), 0);
	ERR_HAS("3 alerts, verdict continue");
	/* the raw-stream alert after the decoded one, with the request's URL */
	uri = strstr(r.out, "\"signature_id\":1,");
	raw = strstr(r.out, "\"signature_id\":2,");
	ck_assert_msg(uri && raw && uri < raw, "alerts: %s", r.out);
	ck_assert_msg(strstr(raw, "\"url\":\"/evil?attack\""), "alerts: %s", r.out);
	ck_assert_msg(strstr(r.out, "\"status\":404"), "alerts: %s", r.out);
	ck_assert_msg(strstr(r.out, "\"app_proto\":\"http\""), "alerts: %s", r.out);

	/* a drop: what the relay would do, nothing after the block */
	write_file(rules,
		   "drop tcp any any -> any any (msg:\"raw drop\"; content:\"attack\"; sid:2;)\n"
		   "alert http any any -> any any (msg:\"status\"; http.stat_code; content:\"404\"; sid:3;)\n");
	ck_assert_int_eq(RUN("rules", "compile", rules, "-o", img), 0);
	ck_assert_int_eq(RUN("rules", "test", img, c, s), 0);
	ERR_HAS("1 alert, verdict drop");
	ck_assert_msg(strstr(r.out, "\"action\":\"blocked\""), "alerts: %s", r.out);
	ck_assert_ptr_null(strstr(r.out, "\"signature_id\":3,"));

	/* a rule waiting for its second content beyond the stream window:
	 * given up, and said so */
	write_file(rules,
		   "alert tcp any any -> any any (msg:\"far\"; content:\"START\"; "
		   "content:\"STOP\"; distance:0; sid:4;)\n");
	ck_assert_int_eq(RUN("rules", "compile", rules, "-o", img), 0);
	{
		static char far[40000];

		memset(far, '.', sizeof(far) - 1);
		memcpy(far, "START", 5);
		memcpy(far + sizeof(far) - 5, "STOP", 4);
		write_file(c, far);
	}
	ck_assert_int_eq(RUN("rules", "test", img, c), 0);
	ERR_HAS("0 alerts, verdict continue, rules given up beyond the 2048-byte stream window");

	/* an image that is not one */
	write_file(img, "not an image at all, just text padding it out....");
	ck_assert_int_eq(RUN("rules", "test", img, c), 1);
	ERR_HAS("image refused");
	ck_assert_str_eq(r.out, "");
	ck_assert_int_eq(RUN("rules", "test", img, "/nonexistent/client"), 1);

	unlink(rules);
	unlink(img);
	unlink(c);
	unlink(s);
	rmdir(dir);
}
END_TEST

/* The ET Open snapshot (make et-open; make sets TLSI_ET_OPEN). */
static const char *et_open(void)
{
	const char *env = getenv("TLSI_ET_OPEN");

	return env && env[0] ? env : "build/et-open";
}

/* byte_extract and app-layer-event rules of ET, checked and compiled by
 * the CLI and driven through `rules test' with their attacks */
START_TEST(test_rules_test_et)
{
	char dir[] = "/tmp/check_tlsictl.XXXXXX", img[96], c[96], exploit[4096], web[4096];
	static const char hb[] = "\x18\x03\x02\x00\x03\x01\x40\x00" "AAAAAAAAAAAAAAAA";
	static const char hb_ok[] = "\x18\x03\x02\x00\x13\x01\x00\x10" "AAAAAAAAAAAAAAAA";
	static const char f5_head[] = "POST /tmui/login.jsp HTTP/1.0\r\nHost: bigip\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n20\r\n";
	static const char f5_ajp[] = "\x00\x08HTTP/1.1\x00\x00\x12/tmui/Control/form\x00\r\n0\r\n\r\n";

	snprintf(exploit, sizeof(exploit), "%s/emerging-exploit.rules", et_open());
	snprintf(web, sizeof(web), "%s/emerging-web_specific_apps.rules", et_open());
	ck_assert_msg(access(exploit, R_OK) == 0, "%s: make et-open", exploit);
	/* every rule of theirs loads: none skipped for these keywords */
	ck_assert_int_eq(RUN("rules", "check", "-v", exploit, web), 0);
	ck_assert_msg(!strstr(r.err, "byte_extract") && !strstr(r.err, "app-layer-event"),
		      "skipped: %s", r.err);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(img, sizeof(img), "%s/et.img", dir);
	snprintf(c, sizeof(c), "%s/client", dir);
	/* rules test's server is 192.0.2.1:80: make it a home server on a
	 * port that is not HTTP's (the Heartbleed rule wants both) */
	ck_assert_int_eq(RUN("rules", "compile", "--var", "HOME_NET=[192.0.2.0/24]", "--var",
			     "HTTP_PORTS=[8080]", exploit, "-o", img), 0);

	write_bytes(c, hb, sizeof(hb) - 1, "", 0);
	ck_assert_int_eq(RUN("rules", "test", img, c), 0);
	OUT_HAS("\"signature_id\":2018372,");
	ERR_HAS("1 alert, verdict continue");

	write_bytes(c, hb_ok, sizeof(hb_ok) - 1, "", 0);
	ck_assert_int_eq(RUN("rules", "test", img, c), 0);
	ERR_HAS("0 alerts, verdict continue");

	write_bytes(c, f5_head, sizeof(f5_head) - 1, f5_ajp, sizeof(f5_ajp) - 1);
	ck_assert_int_eq(RUN("rules", "test", img, c), 0);
	OUT_HAS("\"signature_id\":2049057,");
	OUT_HAS("\"app_proto\":\"http\"");

	unlink(img);
	unlink(c);
	rmdir(dir);
}
END_TEST

/* ---- without the module ---------------------------------------------- */

#define NOT_LOADED "tlsi module not loaded (generic netlink family tlsi not found)"

START_TEST(test_module_not_loaded)
{
	const char *path;

	if (family_present())
		return;		/* the module is loaded here: nothing to check */

	ck_assert_int_eq(RUN("tm", "show"), 1);
	ck_assert_str_eq(r.err, "tlsictl: tm show: " NOT_LOADED "\n");
	ck_assert_int_eq(RUN("-j", "profile", "list"), 1);
	ck_assert_str_eq(r.err, "tlsictl: profile list: " NOT_LOADED "\n");
	ck_assert_int_eq(RUN("tm", "add", "web", "action", "block", "reset", "src",
			     "10.9.0.1/32", "proto", "tcp", "dport", "80"), 1);
	ck_assert_str_eq(r.err, "tlsictl: tm add: " NOT_LOADED "\n");
	ck_assert_int_eq(RUN("stats"), 1);
	ERR_HAS(NOT_LOADED);
	ck_assert_int_eq(RUN("monitor"), 1);
	ck_assert_str_eq(r.err, "tlsictl: monitor: " NOT_LOADED "\n");
	ck_assert_int_eq(RUN("reputation", "show", "1.2.3.4"), 1);
	ERR_HAS(NOT_LOADED);

	/* A good file is read whole, then netlink fails. */
	path = write_tmp("# ok\n10.0.0.0/8 50 spam\n\n192.0.2.1 100\n");
	ck_assert_int_eq(RUN("reputation", "load", path, "replace"), 1);
	ck_assert_str_eq(r.err, "tlsictl: reputation load: " NOT_LOADED "\n");
	unlink(path);

	/* A configuration file: checked whole, then taking the running one fails. */
	path = write_tmp("profile add p\n");
	ck_assert_int_eq(RUN("-f", path), 1);
	ERR_HAS(NOT_LOADED);
	ck_assert_str_eq(r.out, "");
	unlink(path);
}
END_TEST

/* ---- configuration files: -c -f checks without the module ---------------- */

START_TEST(test_config_file)
{
	char want[256];
	const char *path;

	ck_assert_int_eq(RUN("-c"), 2);
	ERR_HAS("-c needs -f FILE");
	ck_assert_int_eq(RUN("-f"), 2);
	ERR_HAS("option `-f' needs a FILE");
	ck_assert_int_eq(RUN("-f", "x.conf", "tm", "show"), 2);
	ERR_HAS("-f FILE takes no OBJECT (`tm')");

	path = write_tmp("# good\nprofile add p rep-block 80\n"
			 "segment add s profile p ports eth0 eth1 \\\n  vlan 10,20\n"
			 "tm add t action block reset proto tcp dport 80\n"
			 "ssl-proxy add web ports 443 description \"a b # c\"\n"
			 "config set timeout-udp 5m\n");
	ck_assert_int_eq(RUN("-c", "-f", path), 0);
	snprintf(want, sizeof(want), "%s: 5 lines, no errors\n", path);
	ck_assert_str_eq(r.out, want);
	ck_assert_str_eq(r.err, "");
	unlink(path);

	/* the first bad line, by its number; nothing printed on stdout */
	path = write_tmp("profile add p\n\n# x\ntm add t action block proto tcp dport 99999\n"
			 "tm add u action nope\n");
	ck_assert_int_eq(RUN("-c", "-f", path), 2);
	snprintf(want, sizeof(want), "tlsictl: %s:4: tm add: dport `99999'", path);
	ck_assert_msg(!strncmp(r.err, want, strlen(want)), "stderr `%s' does not start with `%s'",
		      r.err, want);
	ck_assert_str_eq(r.out, "");
	unlink(path);

	path = write_tmp("profile add p\nprofile add q\nprofile add p rep-block 1\n");
	ck_assert_int_eq(RUN("-c", "-f", path), 2);
	ERR_HAS(":3: profile p: already on line 1");
	unlink(path);
	path = write_tmp("profile add p\nprofile del p\n");
	ck_assert_int_eq(RUN("-c", "-f", path), 2);
	ERR_HAS(":2: `profile del' is not a configuration command");
	unlink(path);
	path = write_tmp("profile add p\nssl-proxy add w ports 443 description \"open\n");
	ck_assert_int_eq(RUN("-c", "-f", path), 2);
	ERR_HAS(":2: unterminated quote");
	unlink(path);

	/* standard input */
	write_tmp("profile add p\nprofile add q rep-alert 101\n");
	ck_assert_int_eq(run_in(tmpfile_path, (const char *const[]){ "-c", "-f", "-", NULL }), 2);
	ERR_HAS("-:2: profile add: rep-alert `101'");
	unlink(tmpfile_path);
	/* `locked' is a setting of profiles and SSL policies */
	path = write_tmp("profile add p locked on\nssl-proxy add w ports 443\n"
			 "ssl-policy add s profile p proxy w locked off\n");
	ck_assert_int_eq(RUN("--unlock", "-c", "-f", path), 0);
	unlink(path);
	ck_assert_int_eq(RUN("-c", "-f", "/nonexistent/x.conf"), 1);
	ERR_HAS("/nonexistent/x.conf: No such file or directory");
}
END_TEST

START_TEST(test_rules_update_errors)
{
	char dir[] = "/tmp/check_tlsictl.XXXXXX", conf[96], cache[96], out[96], f[128];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	ck_assert_int_eq(mkdir(conf, 0700), 0);

	ck_assert_int_eq(RUN("rules", "update", "--bogus"), 2);
	ERR_HAS("rules update: unknown argument `--bogus'");
	ck_assert_int_eq(RUN("rules", "update", "--url", "ftp://example.org/x.tar.gz"), 2);
	ERR_HAS("must be http:// or https://");
	ck_assert_int_eq(RUN("rules", "update", "--suricata-version", "7;rm"), 2);
	ck_assert_int_eq(RUN("rules", "update", "help"), 0);
	OUT_HAS("enable.conf");

	/* a bad selection file: named by line, before any download */
	snprintf(f, sizeof(f), "%s/modify.conf", conf);
	write_file(f, "# ok\n2000001 \"a\" \"b\"\n2000002 \"a\"\n");
	ck_assert_int_eq(RUN("rules", "update", "--conf-dir", conf, "--cache", cache,
			     "--output", out, "--url", "http://127.0.0.1:9/x.tar.gz"), 2);
	ERR_HAS("modify.conf:3: expected 2000002 \"FROM\" \"TO\"");
	unlink(f);
	snprintf(f, sizeof(f), "%s/disable.conf", conf);
	write_file(f, "group:emerging-dos.rules\nre:(unclosed\n");
	ck_assert_int_eq(RUN("rules", "update", "--conf-dir", conf, "--cache", cache,
			     "--output", out, "--url", "http://127.0.0.1:9/x.tar.gz"), 2);
	ERR_HAS("disable.conf:2: re: `(unclosed'");
	unlink(f);

	/* offline with nothing cached */
	ck_assert_int_eq(RUN("rules", "update", "--conf-dir", conf, "--cache", cache,
			     "--output", out, "--offline", "--url", "http://127.0.0.1:9/x.tar.gz"), 1);
	ERR_HAS("not in the cache");
	rmdir(cache);
	rmdir(out);
	rmdir(conf);
	rmdir(dir);
}
END_TEST

/* log show --since reads what logrotate kept: <log>.json.2.gz (compressed),
 * .json.1, then the current file, oldest first, each record filtered by
 * its time; a rotated file last written before --since is not read;
 * without --since, only the current file. */
START_TEST(test_log_show_rotated)
{
	char dir[] = "/tmp/check-tlsictl-log.XXXXXX", path[256], cmd[512];
	const char *rec = "{\"timestamp\":\"%s\",\"event_type\":\"drop\",\"src_ip\":\"10.0.0.%d\"}\n";
	struct utimbuf old = { .actime = 1000000000, .modtime = 1000000000 };
	char *a, *b, *c, *d;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* .2.gz: one old record and one from 2026-12-01 */
	snprintf(path, sizeof(path), "%s/block.json.2", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, rec, "2020-01-01T00:00:00.000000+0000", 1);
	fprintf(f, rec, "2026-12-01T10:00:00.000000+0000", 2);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gzip %s", path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/block.json.1", dir);
	f = fopen(path, "w");
	fprintf(f, rec, "2026-12-02T10:00:00.000000+0000", 3);
	fclose(f);
	snprintf(path, sizeof(path), "%s/block.json", dir);
	f = fopen(path, "w");
	fprintf(f, rec, "2026-12-03T10:00:00.000000+0000", 4);
	fclose(f);

	ck_assert_int_eq(RUN("-j", "log", "show", "block", "--dir", dir,
			     "--since", "2026-11-30"), 0);
	a = strstr(r.out, "10.0.0.1");
	b = strstr(r.out, "10.0.0.2");
	c = strstr(r.out, "10.0.0.3");
	d = strstr(r.out, "10.0.0.4");
	ck_assert_msg(!a && b && c && d && b < c && c < d, "rotated, oldest first: %s", r.out);
	ck_assert_str_eq(r.err, "");

	/* without --since: the current file only */
	ck_assert_int_eq(RUN("-j", "log", "show", "block", "--dir", dir), 0);
	ck_assert_msg(!strstr(r.out, "10.0.0.3") && strstr(r.out, "10.0.0.4"), "%s", r.out);

	/* a rotated file last written before --since is skipped whole */
	snprintf(path, sizeof(path), "%s/block.json.1", dir);
	ck_assert_int_eq(utime(path, &old), 0);
	ck_assert_int_eq(RUN("-j", "log", "show", "block", "--dir", dir,
			     "--since", "2026-11-30"), 0);
	ck_assert_msg(!strstr(r.out, "10.0.0.3") && strstr(r.out, "10.0.0.2"), "%s", r.out);

	/* a corrupt .gz: named, the rest still shown */
	snprintf(path, sizeof(path), "%s/block.json.2.gz", dir);
	f = fopen(path, "r+");
	fseek(f, 12, SEEK_SET);
	fputs("garbage garbage garbage", f);
	fclose(f);
	ck_assert_int_eq(RUN("-j", "log", "show", "block", "--dir", dir,
			     "--since", "2026-11-30"), 0);
	ck_assert_msg(strstr(r.out, "10.0.0.4") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.err, "block.json.2.gz") != NULL, "no error naming the file: %s", r.err);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *tlsictl_suite(void)
{
	Suite *s = suite_create("tlsictl");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_usage_errors, 0,
			    sizeof(usage_cases) / sizeof(usage_cases[0]));
	tcase_add_test(tc, test_no_arguments);
	tcase_add_loop_test(tc, test_object_help, 0, sizeof(objects) / sizeof(objects[0]));
	tcase_add_test(tc, test_global_help);
	tcase_add_test(tc, test_rep_file_errors);
	tcase_add_test(tc, test_rules_test);
	tcase_add_test(tc, test_rules_test_et);
	tcase_add_test(tc, test_module_not_loaded);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_rules_update_errors);
	tcase_add_test(tc, test_log_show_rotated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	cli_find_tlsictl();
	sr = srunner_create(tlsictl_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
