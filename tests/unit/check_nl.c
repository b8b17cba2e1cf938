// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink ABI's tables in the uapi header (TLSI_ATTRS, TLSI_CMD_ATTRS,
 * TLSI_ITEM_ATTRS) and lib/nl.c's use of them: attribute numbers never
 * change, every command has its row, no command takes an attribute that
 * only the kernel sends, and every attribute has a name.
 */
#include <check.h>
#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

/* The numbers of release 1, pinned: appending is fine, moving is not. */
static const struct {
	unsigned int attr, number;
} pinned[] = {
	{ TLSI_A_NAME,                   1 },
	{ TLSI_A_PROFILE,                2 },
	{ TLSI_A_SEGMENT,                3 },
	{ TLSI_A_PORT_A,                 4 },
	{ TLSI_A_PORT_B,                 5 },
	{ TLSI_A_VLANS,                  6 },
	{ TLSI_A_VLAN,                   7 },
	{ TLSI_A_SRC,                    8 },
	{ TLSI_A_DST,                    9 },
	{ TLSI_A_PROTO,                 10 },
	{ TLSI_A_SPORT_MIN,             11 },
	{ TLSI_A_SPORT_MAX,             12 },
	{ TLSI_A_DPORT_MIN,             13 },
	{ TLSI_A_DPORT_MAX,             14 },
	{ TLSI_A_ACTION,                15 },
	{ TLSI_A_RATE,                  16 },
	{ TLSI_A_FLAGS,                 17 },
	{ TLSI_A_POSITION,              18 },
	{ TLSI_A_HITS,                  19 },
	{ TLSI_A_SCORE,                 20 },
	{ TLSI_A_CATEGORY,              21 },
	{ TLSI_A_REP_BLOCK_THRESHOLD,   22 },
	{ TLSI_A_REP_ALERT_THRESHOLD,   23 },
	{ TLSI_A_REP_ENTRIES,           24 },
	{ TLSI_A_REP_ENTRY,             25 },
	{ TLSI_A_BATCH,                 26 },
	{ TLSI_A_TIMEOUT,               27 },
	{ TLSI_A_REASON,                28 },
	{ TLSI_A_REFCNT,                29 },
	{ TLSI_A_PACKETS,               30 },
	{ TLSI_A_BYTES,                 31 },
	{ TLSI_A_STATS,                 32 },
	{ TLSI_A_FLOWS_CURRENT,         33 },
	{ TLSI_A_FLOWS_PEAK,            34 },
	{ TLSI_A_MAX_FLOWS,             35 },
	{ TLSI_A_FLOW_FULL_ACTION,      36 },
	{ TLSI_A_TIMEOUT_TCP_SYN,       37 },
	{ TLSI_A_TIMEOUT_TCP_EST,       38 },
	{ TLSI_A_TIMEOUT_TCP_CLOSE,     39 },
	{ TLSI_A_TIMEOUT_UDP,           40 },
	{ TLSI_A_TIMEOUT_ICMP,          41 },
	{ TLSI_A_TIMEOUT_OTHER,         42 },
	{ TLSI_A_EVENT_TYPE,            43 },
	{ TLSI_A_TABLE,                 44 },
	{ TLSI_A_SPORT,                 45 },
	{ TLSI_A_DPORT,                 46 },
	{ TLSI_A_PAD,                   47 },
	{ TLSI_A_COUNT,                 48 },
	{ TLSI_A_DESCRIPTION,           49 },
	{ TLSI_A_PROXY,                 50 },
	{ TLSI_A_CERT,                  51 },
	{ TLSI_A_PORTS,                 52 },
	{ TLSI_A_SERVICE,               53 },
	{ TLSI_A_SSL_FLAGS,             54 },
	{ TLSI_A_MIN_RSA_BITS,          55 },
	{ TLSI_A_ENABLED,               56 },
	{ TLSI_A_TRUST_STORE,           57 },
	{ TLSI_A_NEVER_DECRYPT,         58 },
	{ TLSI_A_ALWAYS_DECRYPT,        59 },
	{ TLSI_A_SSL_CLIENT,            60 },
	{ TLSI_A_MAX_SSL_SESSIONS,      61 },
	{ TLSI_A_DIVERT_PORT,           62 },
	{ TLSI_A_DIVERT_MARK,           63 },
	{ TLSI_A_ID,                    64 },
	{ TLSI_A_RULES_OFFSET,          65 },
	{ TLSI_A_RULES_DATA,            66 },
	{ TLSI_A_RULES_SIZE,            67 },
	{ TLSI_A_RULES_BUILD_ID,        68 },
	{ TLSI_A_RULES_LOADED,          69 },
	{ TLSI_A_RULES_IMG_FLAGS,       70 },
	{ TLSI_A_SID,                   71 },
	{ TLSI_A_GID,                   72 },
	{ TLSI_A_REV,                   73 },
	{ TLSI_A_MSG,                   74 },
	{ TLSI_A_CLASSTYPE,             75 },
	{ TLSI_A_PRIORITY,              76 },
	{ TLSI_A_IPS_ACTION,            77 },
	{ TLSI_A_ALERTS,                78 },
	{ TLSI_A_DROPS,                 79 },
	{ TLSI_A_BLOCKED,               80 },
	{ TLSI_A_DIRECTION,             81 },
	{ TLSI_A_APP_PROTO,             82 },
	{ TLSI_A_HTTP_HOST,             83 },
	{ TLSI_A_HTTP_URL,              84 },
	{ TLSI_A_HTTP_METHOD,           85 },
	{ TLSI_A_HTTP_USER_AGENT,       86 },
	{ TLSI_A_HTTP_STATUS,           87 },
	{ TLSI_A_TLS_SNI,               88 },
	{ TLSI_A_SSL_INSPECTED,         89 },
	{ TLSI_A_FLOW_ID,               90 },
	{ TLSI_A_TIMESTAMP,             91 },
	{ TLSI_A_RULES_VARS,            92 },
	{ TLSI_A_RULES_VAR,             93 },
	{ TLSI_A_VAR_KIND,              94 },
	{ TLSI_A_VAR_ITEMS,             95 },
	{ TLSI_A_VARS_CHANGED,          96 },
	{ TLSI_A_IPS_QUARANTINE,        97 },
	{ TLSI_A_IPS_DEPTH,             98 },
	{ TLSI_A_IPS_BODY_DEPTH,        99 },
	{ TLSI_A_IPS_SESSIONS,         100 },
	{ TLSI_A_IPS_SESSION_BYTES,    101 },
	{ TLSI_A_IPS_SCRATCH_BYTES,    102 },
	{ TLSI_A_IPS_MEMORY,           103 },
	{ TLSI_A_QUARANTINED,          104 },
	{ TLSI_A_SSL_ACTIVE,           105 },
	{ TLSI_A_RELAY_ACTIVE,         106 },
	{ TLSI_A_INSPECT_DEPTH,        107 },
	{ TLSI_A_IPS_TRACE,            108 },
	{ TLSI_A_IPS_TRACE_BYTES,      109 },
	{ TLSI_A_IPS_TRACE_BUFFER,     110 },
	{ TLSI_A_TRACE_OFFSET,         111 },
	{ TLSI_A_TRACE_DATA,           112 },
	{ TLSI_A_TRACE_FLAGS,          113 },
	{ TLSI_A_TRACE_USED,           114 },
	{ TLSI_A_TRACE_RECORDS,        115 },
	{ TLSI_A_TRACE_ID,             116 },
};

START_TEST(test_attr_numbers_stable)
{
	size_t i;

	for (i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++)
		ck_assert_msg(pinned[i].attr == pinned[i].number,
			      "attribute %s is %u, was %u", tlsi_attr_name((uint16_t)pinned[i].attr),
			      pinned[i].attr, pinned[i].number);
	ck_assert_uint_ge(TLSI_A_MAX, pinned[sizeof(pinned) / sizeof(pinned[0]) - 1].number);
	ck_assert_uint_eq(TLSI_CMD_TRACE_CLEAR, 49);
	ck_assert_uint_eq(TLSI_CMD_EVENT, 31);
}
END_TEST

START_TEST(test_attr_names)
{
	unsigned int a;

	ck_assert_ptr_null(tlsi_attr_name(TLSI_A_UNSPEC));
	ck_assert_str_eq(tlsi_attr_name(TLSI_A_NAME), "NAME");
	ck_assert_str_eq(tlsi_attr_name(TLSI_A_DIVERT_MARK), "DIVERT_MARK");
	ck_assert_str_eq(tlsi_attr_name(TLSI_A_TRACE_ID), "TRACE_ID");
	for (a = 1; a <= TLSI_A_MAX; a++)
		ck_assert_msg(tlsi_attr_name((uint16_t)a) != NULL, "attribute %u has no name", a);
	ck_assert_ptr_null(tlsi_attr_name(TLSI_A_MAX + 1));
}
END_TEST

/* Which attributes a request may carry at all (the check column). */
enum { NEVER, TAKEABLE };
#define CHECK_ANY	TAKEABLE
#define CHECK_RANGE	TAKEABLE
#define CHECK_LEN	TAKEABLE
#define CHECK_NEST	TAKEABLE
#define CHECK_NESTS	TAKEABLE
#define CHECK_ITEM	NEVER
#define CHECK_OUT	NEVER
#define TAKEABLE_OF(attr, t, check, ...) [TLSI_A_##attr] = CHECK_##check,
static const int takeable[TLSI_A_MAX + 1] = { TLSI_ATTRS(TAKEABLE_OF) };

#define ROW(c, ...) { #c, TLSI_CMD_##c, (const uint16_t[]){ 0, ##__VA_ARGS__ },	\
	sizeof((const uint16_t[]){ 0, ##__VA_ARGS__ }) / sizeof(uint16_t) },
#define ITEM_ROW(i, ...) { #i, 0, (const uint16_t[]){ 0, ##__VA_ARGS__ },		\
	sizeof((const uint16_t[]){ 0, ##__VA_ARGS__ }) / sizeof(uint16_t) },
static const struct {
	const char *name;
	unsigned int cmd;
	const uint16_t *attrs;
	size_t n;
} rows[] = { TLSI_CMD_ATTRS(ROW) }, items[] = { TLSI_ITEM_ATTRS(ITEM_ROW) };

START_TEST(test_cmd_rows)
{
	bool seen[TLSI_CMD_MAX + 1] = { false };
	size_t i, j, k;
	unsigned int c;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ck_assert_msg(!seen[rows[i].cmd], "%s has two rows", rows[i].name);
		seen[rows[i].cmd] = true;
		for (j = 1; j < rows[i].n; j++) {
			uint16_t a = rows[i].attrs[j];

			ck_assert_msg(a > 0 && a <= TLSI_A_MAX && takeable[a] == TAKEABLE,
				      "%s takes %s, which only the kernel sends",
				      rows[i].name, tlsi_attr_name(a));
			for (k = 1; k < j; k++)
				ck_assert_msg(rows[i].attrs[k] != a, "%s lists %s twice",
					      rows[i].name, tlsi_attr_name(a));
		}
	}
	/* Every command has a row, except the kernel's event. */
	for (c = 1; c <= TLSI_CMD_MAX; c++)
		ck_assert_msg(seen[c] == (c != TLSI_CMD_EVENT), "command %u: row %s", c,
			      seen[c] ? "for an event" : "missing");
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		for (j = 1; j < items[i].n; j++)
			ck_assert_msg(takeable[items[i].attrs[j]] == TAKEABLE, "%s takes %s",
				      items[i].name, tlsi_attr_name(items[i].attrs[j]));
}
END_TEST

/*
 * A server proxy's certificate names come split over several messages of a
 * dump; tlsictl and tlsid append each piece with tlsi_nl_append_payload().
 */
START_TEST(test_append_payload)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *first, *empty, *second;
	char *names = NULL;
	size_t len = 0;

	first = mnl_attr_nest_start(nlh, TLSI_A_CERT_NAMES);
	mnl_attr_put_strz(nlh, TLSI_A_NAME, "www");
	mnl_attr_nest_end(nlh, first);
	empty = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, TLSI_A_CERT_NAMES, 0, NULL);
	second = mnl_attr_nest_start(nlh, TLSI_A_CERT_NAMES);
	mnl_attr_put_strz(nlh, TLSI_A_NAME, "mail");
	mnl_attr_nest_end(nlh, second);

	ck_assert_int_eq(tlsi_nl_append_payload(&names, &len, first), 0);
	ck_assert_uint_eq(len, mnl_attr_get_payload_len(first));
	ck_assert_int_eq(tlsi_nl_append_payload(&names, &len, empty), 0);
	ck_assert_uint_eq(len, mnl_attr_get_payload_len(first));
	ck_assert_int_eq(tlsi_nl_append_payload(&names, &len, second), 0);
	ck_assert_uint_eq(len, mnl_attr_get_payload_len(first) +
				  mnl_attr_get_payload_len(second));
	ck_assert_mem_eq(names, mnl_attr_get_payload(first), mnl_attr_get_payload_len(first));
	ck_assert_mem_eq(names + mnl_attr_get_payload_len(first),
			 mnl_attr_get_payload(second), mnl_attr_get_payload_len(second));
	free(names);
}
END_TEST

static Suite *nl_suite(void)
{
	Suite *s = suite_create("nl");
	TCase *tc = tcase_create("abi");

	tcase_add_test(tc, test_attr_numbers_stable);
	tcase_add_test(tc, test_attr_names);
	tcase_add_test(tc, test_cmd_rows);
	tcase_add_test(tc, test_append_payload);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(nl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
