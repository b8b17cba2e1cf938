// SPDX-License-Identifier: GPL-2.0
/*
 * The rule parser and compiler: header syntax, option syntax, buffers,
 * skip reasons with file:line, classification, ordering in the image.
 */
#include "engine_harness.h"

static struct rp_set S;
static char last_reason[256], last_detail[256], last_file[256];
static unsigned int last_line, nskipped;

static void on_skip(void *arg, const char *file, unsigned int line,
		    const char *reason, const char *detail)
{
	snprintf(last_reason, sizeof(last_reason), "%s", reason);
	snprintf(last_detail, sizeof(last_detail), "%s", detail);
	snprintf(last_file, sizeof(last_file), "%s", file);
	last_line = line;
	nskipped++;
}

static void setup(void)
{
	rp_set_init(&S);
	S.on_skip = on_skip;
	nskipped = 0;
}

static void teardown(void)
{
	rp_set_free(&S);
}

static struct rp_rule *ok(const char *text)
{
	unsigned int before = nskipped;

	ck_assert_msg(rp_parse_rule(&S, "t.rules", 7, text) == 1, "`%s' skipped: %s (%s)", text,
		      last_reason, last_detail);
	ck_assert_uint_eq(nskipped, before);
	return &S.rules[S.nrules - 1];
}

static void skipped(const char *text, const char *reason)
{
	ck_assert_msg(rp_parse_rule(&S, "t.rules", 42, text) == 0, "`%s' loaded", text);
	ck_assert_msg(strstr(last_reason, reason) || strstr(last_detail, reason),
		      "`%s': reason `%s' (%s) lacks `%s'", text, last_reason, last_detail, reason);
	ck_assert_uint_eq(last_line, 42);
	ck_assert_str_eq(last_file, "t.rules");
}

START_TEST(test_header)
{
	struct rp_rule *r;

	r = ok("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"x\"; sid:1;)");
	ck_assert_uint_eq(r->action, TLSI_ACT_ALERT);
	ck_assert_uint_eq(r->app, TLSI_APP_ANY);
	ck_assert_uint_eq(r->src.n, 1);
	ck_assert(r->src.v[0].flags & TLSI_ADDR_F_VAR);
	ck_assert_str_eq(r->src.v[0].var, "HOME_NET");
	ck_assert_uint_eq(r->sport.n, 1);	/* any */
	r = ok("drop http [1.2.3.4,!5.6.7.0/24,$HOME_NET] [80,8000:8080] <> !10.0.0.0/8 ![22,23] (sid:2;)");
	ck_assert_uint_eq(r->action, TLSI_ACT_DROP);
	ck_assert(r->flags & TLSI_RULE_F_BIDIR);
	ck_assert_uint_eq(r->src.n, 3);
	ck_assert_uint_eq(r->src.v[0].plen, 128);
	ck_assert(r->src.v[1].flags & TLSI_ADDR_F_NEG);
	ck_assert_uint_eq(r->src.v[1].plen, 96 + 24);
	ck_assert_uint_eq(r->sport.v[1].lo, 8000);
	ck_assert_uint_eq(r->sport.v[1].hi, 8080);
	ck_assert(r->dst.v[0].flags & TLSI_ADDR_F_NEG);
	ck_assert(r->dport.v[0].flags & TLSI_ADDR_F_NEG);
	ck_assert(r->dport.v[1].flags & TLSI_ADDR_F_NEG);
	r = ok("pass tls 2001:db8::/32 1024: -> any :1023 (sid:3;)");
	ck_assert_uint_eq(r->src.v[0].plen, 32);
	ck_assert_uint_eq(r->sport.v[0].lo, 1024);
	ck_assert_uint_eq(r->sport.v[0].hi, 65535);
	ck_assert_uint_eq(r->dport.v[0].hi, 1023);
	r = ok("reject smtp any any -> any 25 (sid:4;)");
	ck_assert_uint_eq(r->action, TLSI_ACT_REJECT);
	ck_assert_uint_eq(r->app, TLSI_APP_SMTP);
	r = ok("alert ftp any any -> any 21 (content:\"USER\"; sid:5;)");
	ck_assert(r->flags & TLSI_RULE_F_PROTO_APPROX);

	skipped("alert sctp any any -> any 53 (sid:10;)", "unsupported protocol `sctp'");
	r = ok("alert dns any any -> any any (dns.query; dotprefix; content:\".example\"; endswith; sid:6;)");
	ck_assert_uint_eq(r->app, TLSI_APP_DNS);
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_DNS_QUERY_DOT);
	ck_assert(r->flow & TLSI_FLOW_TO_SERVER);
	r = ok("alert tcp any any -> any any (content:\"x\"; dns_query; content:\"evil\"; sid:7;)");
	ck_assert_uint_eq(r->app, TLSI_APP_DNS);
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_RAW);
	ck_assert_uint_eq(r->items[1].buf, TLSI_BUF_DNS_QUERY);
	skipped("alert http any any -> any any (dns.query; content:\"x\"; sid:8;)", "non-DNS");
	skipped("alert dns any any -> any any (dns.query; content:\"x\"; http.uri; content:\"y\"; sid:9;)",
		"mixes");
	skipped("alert dns any any -> any any (flow:to_client; dns.query; content:\"x\"; sid:11;)",
		"direction");
	skipped("alert tcp $NOPE any -> any any (sid:12;)", "unknown variable");
	skipped("alert tcp 1.2.3.300 any -> any any (sid:13;)", "bad address");
	skipped("alert tcp any 70000 -> any any (sid:14;)", "bad port");
	skipped("alert tcp any any => any any (sid:15;)", "direction");
	skipped("alert tcp any any -> any (sid:16;)", "header");
	skipped("log tcp any any -> any any (sid:17;)", "unsupported action");
	skipped("alert tcp [1.2.3.4 any -> any any (sid:18;)", "header");
	skipped("alert tcp [1.2.3.4,any,] any -> any any (sid:18;)", "empty address");
	skipped("alert tcp ![1.2.3.4,!5.6.7.8] any -> any any (sid:19;)", "negat");
}
END_TEST

START_TEST(test_options)
{
	struct rp_rule *r;

	r = ok("alert tcp any any -> any any (msg:\"semi\\; colon\\: quote\\\" ok\"; "
	       "content:\"a\\;b|3a 3A|c\\\\\"; nocase; offset:1; depth:9; "
	       "reference:url,example.com/a?b=c; metadata:created_at 2020_01_01, tag X; "
	       "classtype:trojan-activity; priority:2; gid:3; sid:100; rev:7;)");
	ck_assert_str_eq(r->msg, "semi; colon: quote\" ok");
	ck_assert_uint_eq(r->nitems, 1);
	ck_assert_uint_eq(r->items[0].len, 7);
	ck_assert(!memcmp(r->items[0].pat, "a;b::c\\", 7));
	ck_assert(r->items[0].flags & TLSI_IF_NOCASE);
	ck_assert_int_eq(r->items[0].offset, 1);
	ck_assert_uint_eq(r->items[0].depth, 9);
	ck_assert_ptr_nonnull(strstr(r->meta, "reference:url,example.com/a?b=c"));
	ck_assert_ptr_nonnull(strstr(r->meta, "metadata:created_at 2020_01_01, tag X"));
	ck_assert_str_eq(r->classtype, "trojan-activity");
	ck_assert_uint_eq(r->priority, 2);
	ck_assert_uint_eq(r->gid, 3);
	ck_assert_uint_eq(r->sid, 100);
	ck_assert_uint_eq(r->rev, 7);
	/* pcre's own quotes do not end the option */
	S.pcre = RP_PCRE_PREFILTER;
	r = ok("alert http any any -> any any (file.data; content:\"method=\"; pcre:\"/^[\"']?post/Ri\"; sid:101;)");
	ck_assert(r->flags & TLSI_RULE_F_PCRE_DROPPED);
	S.pcre = RP_PCRE_SKIP;
	/* multiple spaces, no space, trailing spaces */
	ok("alert tcp any any -> any any (  msg : \"x\" ;content:\"y\";sid:102 ;  )  ");
}
END_TEST

START_TEST(test_buffers)
{
	struct rp_rule *r;

	r = ok("alert http any any -> any any (flow:established,to_server; content:\"GET\"; http_method; "
	       "content:\"/x\"; http_uri; content:\"a\"; http.header; content:\"b\"; sid:200;)");
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_HTTP_METHOD);
	ck_assert_uint_eq(r->items[1].buf, TLSI_BUF_HTTP_URI);
	ck_assert_uint_eq(r->items[2].buf, TLSI_BUF_RAW);	/* sticky: not for "a" */
	ck_assert_uint_eq(r->items[3].buf, TLSI_BUF_HTTP_HEADER);	/* sticky after */
	ck_assert_uint_eq(r->flow, TLSI_FLOW_ESTABLISHED | TLSI_FLOW_TO_SERVER);
	r = ok("alert http any any -> any any (http.uri; content:\"/a\"; http.user_agent; content:\"ua\"; "
	       "file.data; content:\"body\"; sid:201;)");
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_HTTP_URI);
	ck_assert_uint_eq(r->items[1].buf, TLSI_BUF_HTTP_USER_AGENT);
	ck_assert_uint_eq(r->items[2].buf, TLSI_BUF_BODY);
	ck_assert_uint_eq(r->flow & TLSI_FLOW_TO_SERVER, TLSI_FLOW_TO_SERVER);	/* from http.uri */
	r = ok("alert tcp any any -> any any (uricontent:\"/cgi\"; sid:202;)");
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_HTTP_URI);
	ck_assert_uint_eq(r->app, TLSI_APP_HTTP);
	r = ok("alert tls any any -> any any (tls.sni; dotprefix; content:\".evil.com\"; endswith; sid:203;)");
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_TLS_SNI_DOT);
	ck_assert_uint_eq(r->flow, TLSI_FLOW_TO_SERVER);
	r = ok("alert http any any -> any any (http.stat_code; content:\"200\"; file_data; content:\"x\"; sid:204;)");
	ck_assert_uint_eq(r->flow, TLSI_FLOW_TO_CLIENT);
	r = ok("alert http any any -> any any (content:\"|0d 0a|x=\"; http.method; content:\"POST\"; sid:205;)");
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_RAW);
	r = ok("alert http any any -> any any (urilen:>100,raw; sid:206;)");
	ck_assert_uint_eq(r->items[0].buf, TLSI_BUF_HTTP_URI_RAW);
	ck_assert_uint_eq(r->items[0].kind, RP_BSIZE);
	ck_assert_uint_eq(r->items[0].cmp, TLSI_CMP_GT);

	skipped("alert http any any -> any any (flow:to_client; http.uri; content:\"x\"; sid:210;)",
		"not in this direction");
	skipped("alert http any any -> any any (http.uri; content:\"x\"; http.stat_code; content:\"200\"; sid:211;)",
		"mixes request and response");
	skipped("alert tls any any -> any any (tls.sni; content:\"a\"; http.uri; content:\"b\"; sid:212;)",
		"TLS");
	skipped("alert smtp any any -> any any (http.uri; content:\"b\"; sid:213;)", "non-HTTP");
	skipped("alert tls any any -> any any (content:\"|16 03|\"; sid:214;)", "TLS records");
	skipped("alert http any any -> any any (http.uri; to_lowercase; content:\"b\"; sid:215;)",
		"unsupported transform");
	skipped("alert http any any -> any any (http.uri; dotprefix; content:\"b\"; sid:216;)",
		"dotprefix");
}
END_TEST

START_TEST(test_skip_reasons)
{
	/* by default pcre is compiled; what the matcher cannot do exactly
	 * is skipped with the construct named */
	ok("alert tcp any any -> any any (content:\"x\"; pcre:\"/x/\"; sid:300;)");
	skipped("alert tcp any any -> any any (content:\"x\"; pcre:\"/(a)\\1/\"; sid:320;)",
		"pcre: backreference");
	skipped("alert tcp any any -> any any (content:\"x\"; pcre:\"/(?>a)/\"; sid:321;)",
		"pcre: atomic group");
	skipped("alert tcp any any -> any any (content:\"x\"; pcre:\"/a/K\"; sid:322;)",
		"pcre: syntax error");
	S.pcre = RP_PCRE_SKIP;
	skipped("alert tcp any any -> any any (content:\"x\"; pcre:\"/x/\"; sid:323;)", "pcre");
	S.pcre = RP_PCRE_EXACT;
	skipped("alert tcp any any -> any any (content:\"x\"; asn1:oversize_length 10; sid:301;)",
		"unsupported keyword `asn1'");
	skipped("alert tls any any -> any any (ja3.hash; content:\"y\"; sid:324;)",
		"not a 32-character MD5");
	skipped("alert tcp any any -> any any (flow:sideways; sid:302;)", "unsupported flow option");
	ok("alert tcp any any -> any any (flow:stateless; content:\"a\"; sid:325;)");
	ok("alert tcp any any -> any any (flow:to_server,no_stream; content:\"a\"; sid:326;)");
	ok("alert tcp any any -> any any (flags:S,12; sid:327;)");
	skipped("alert tcp any any -> any any (content:\"abcdef\"; within:3; sid:303;)", "within 3 shorter");
	skipped("alert tcp any any -> any any (content:\"abcdef\"; depth:3; sid:304;)", "depth 3 shorter");
	skipped("alert tcp any any -> any any (msg:\"no sid\";)", "no sid");
	skipped("alert tcp any any -> any any (msg:\"x\"; sid:305;", "not closed");
	skipped("alert tcp any any -> any any (content:x; sid:306;)", "not quoted");
	skipped("alert tcp any any -> any any (content:\"|4g|\"; sid:307;)", "bad hex");
	skipped("alert tcp any any -> any any (nocase; content:\"a\"; sid:308;)", "without a preceding content");
	skipped("alert tcp any any -> any any (content:\"a\"; byte_test:4,~,1,0; sid:309;)", "operator");
	skipped("alert tcp any any -> any any (content:\"a\"; byte_jump:4,0,dce; sid:310;)", "dce");
	skipped("alert tcp any any -> any any (content:\"a\"; threshold:type limit, track by_rule, count 1, seconds 1; sid:311;)",
		"by_rule");
	skipped("alert tcp any any -> any any (content:\"a\"; distance:x; sid:312;)", "variable");
	skipped("alert tcp any any -> any any (content:\"a\"; within:-3; sid:317;)", "within");
	ok("alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:-1; sid:318;)");
	skipped("alert tcp any any -> any any (content:\"a\"; flowbits:isset,a|b&c; sid:313;)", "mixing");
	ok("alert tcp any any -> any any (pcre:\"/x/\"; sid:314;)");	/* pcre alone */
	S.pcre = RP_PCRE_PREFILTER;
	skipped("alert tcp any any -> any any (pcre:\"/x/\"; sid:315;)", "pcre without content");
	S.pcre = RP_PCRE_SKIP;
	ok("alert tcp any any -> any any (content:\"a\"; sid:316;)");
	skipped("alert tcp any any -> any any (content:\"b\"; sid:316;)", "duplicate sid");
	ok("alert tcp any any -> any any (content:\"b\"; gid:2; sid:316;)");	/* other gid */
	/* reasons are counted */
	ck_assert_uint_eq(S.enabled, S.nrules + S.skipped);
	ck_assert_uint_ge(S.nskips, 8);
	/* comments and commented-out rules */
	ck_assert_int_eq(rp_parse_rule(&S, "t", 1, "# alert tcp any any -> any any (sid:1;)"), 0);
	ck_assert_int_eq(rp_parse_rule(&S, "t", 2, "   "), 0);
	ck_assert_uint_eq(S.commented, 1);
}
END_TEST

START_TEST(test_keywords)
{
	struct rp_rule *r;

	r = ok("alert tcp any any -> any any (content:\"a\"; byte_test:4,!&,0x80,-2,relative,little; "
	       "byte_jump:2,1,relative,multiplier 4,post_offset -3,align,big; "
	       "byte_test:3,>=,100,0,string,dec; isdataat:!10,relative; bsize:5<>9; dsize:>=3; sid:400;)");
	ck_assert_uint_eq(r->nitems, 6);
	ck_assert_uint_eq(r->items[1].cmp, TLSI_CMP_AND);
	ck_assert(r->items[1].flags & TLSI_IF_NEGATE);
	ck_assert(r->items[1].flags & TLSI_IF_LITTLE);
	ck_assert_int_eq(r->items[1].boff, -2);
	ck_assert_uint_eq(r->items[1].value, 0x80);
	ck_assert_uint_eq(r->items[2].mult, 4);
	ck_assert_int_eq(r->items[2].post, -3);
	ck_assert(r->items[2].flags & TLSI_IF_ALIGN);
	ck_assert(r->items[3].flags & TLSI_IF_STRING);
	ck_assert_uint_eq(r->items[3].base, 10);
	ck_assert(r->items[4].flags & TLSI_IF_NEGATE);
	ck_assert_uint_eq(r->items[5].cmp, TLSI_CMP_RANGE);
	ck_assert(r->has_dsize);
	ck_assert_uint_eq(r->dsize_cmp, TLSI_CMP_GE);
	r = ok("alert tcp any any -> any any (content:\"a\"; threshold: type both, track by_dst, count 10, seconds 60; sid:401;)");
	ck_assert_uint_eq(r->thresh_type, TLSI_THRESH_BOTH);
	ck_assert_uint_eq(r->thresh_track, TLSI_TRACK_DST);
	ck_assert_uint_eq(r->thresh_count, 10);
	r = ok("alert tcp any any -> any any (content:\"a\"; flowbits:set,x; flowbits:isset,a|b; "
	       "flowbits:isnotset,c&d; flowbits:noalert; fast_pattern:only; sid:402;)");
	ck_assert_uint_eq(r->nfb, 3);
	ck_assert_uint_eq(r->fb[1].op, TLSI_FB_ISSET_ANY);
	ck_assert_uint_eq(r->fb[2].op, TLSI_FB_ISNOTSET);
	ck_assert_uint_eq(r->fb[2].n, 2);
	ck_assert(r->flags & TLSI_RULE_F_NOALERT);
	ck_assert(r->items[0].fast_only);
}
END_TEST

START_TEST(test_classification_and_file)
{
	char path[] = "/tmp/tlsi-rules-XXXXXX", cpath[] = "/tmp/tlsi-class-XXXXXX", err[256];
	int fd = mkstemp(path), cfd = mkstemp(cpath);
	FILE *f = fdopen(fd, "w"), *cf = fdopen(cfd, "w");

	fputs("config classification: trojan-activity,A Network Trojan was detected,1\n"
	      "config classification: misc-activity,Misc activity,3\n", cf);
	fclose(cf);
	fputs("# a comment\n"
	      "alert tcp any any -> any any (msg:\"one\"; \\\n"
	      "    content:\"x\"; classtype:trojan-activity; sid:1;)\n"
	      "\n"
	      "alert tcp any any -> any any (msg:\"two\"; content:\"y\"; classtype:misc-activity; priority:2; sid:2;)\n"
	      "alert sctp any any -> any any (msg:\"three\"; sid:3;)\n", f);
	fclose(f);
	ck_assert_int_eq(rp_load_classification(&S, cpath, err, sizeof(err)), 0);
	ck_assert_int_eq(rp_parse_file(&S, path, err, sizeof(err)), 0);
	ck_assert_uint_eq(S.nrules, 2);
	ck_assert_uint_eq(S.rules[0].line, 2);	/* the continued rule starts on line 2 */
	ck_assert_uint_eq(rp_rule_priority(&S, &S.rules[0]), 1);
	ck_assert_uint_eq(rp_rule_priority(&S, &S.rules[1]), 2);
	ck_assert_uint_eq(last_line, 6);
	ck_assert_str_eq(last_file, path);
	ck_assert_int_eq(rp_parse_file(&S, "/nonexistent/x.rules", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.rules"));
	unlink(path);
	unlink(cpath);
}
END_TEST

START_TEST(test_image_order)
{
	struct et t;

	et_load(&t, "alert tcp any any -> any any (msg:\"a\"; content:\"x\"; flowbits:isset,f; sid:1;)\n"
		    "alert tcp any any -> any any (msg:\"b\"; content:\"x\"; flowbits:set,f; sid:2;)\n"
		    "drop tcp any any -> any any (msg:\"c\"; content:\"x\"; sid:3;)\n"
		    "pass tcp any any -> any any (msg:\"d\"; content:\"x\"; sid:4;)\n"
		    "reject tcp any any -> any any (msg:\"e\"; content:\"x\"; sid:5;)\n"
		    "alert tcp any any -> any any (msg:\"f\"; content:\"x\"; priority:1; sid:6;)\n");
	ck_assert_uint_eq(t.eng.rules[0].sid, 4);
	ck_assert_uint_eq(t.eng.rules[1].sid, 3);
	ck_assert_uint_eq(t.eng.rules[2].sid, 5);
	ck_assert_uint_eq(t.eng.rules[3].sid, 2);	/* setter first */
	ck_assert_uint_eq(t.eng.rules[4].sid, 6);	/* then by priority */
	ck_assert_uint_eq(t.eng.rules[5].sid, 1);
	/* identical input, identical image */
	{
		uint8_t *img2;
		size_t len2;
		char err[256];

		ck_assert_int_eq(rc_compile(&t.set, &img2, &len2, NULL, err, sizeof(err)), 0);
		ck_assert_uint_eq(len2, t.len);
		ck_assert(!memcmp(img2, t.img, len2));
		free(img2);
	}
	et_free(&t);
}
END_TEST

Suite *engine_rules_suite(void)
{
	Suite *s = suite_create("engine-rules");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_buffers);
	tcase_add_test(tc, test_skip_reasons);
	tcase_add_test(tc, test_keywords);
	tcase_add_test(tc, test_classification_and_file);
	tcase_add_test(tc, test_image_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_rules_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
