// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules: stats, config and flush of the kernel's rules (see rules.h for the other parts).
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tlsictl.h"
#include "driver.h"
#include "eve.h"
#include "rules_compile.h"
#include "rules_image.h"
#include "rules_parse.h"
#include "rules.h"

/* ---- stats and settings ---------------------------------------------------- */

#define COUNTER_NAME(name, str) str,
static const char *const counter_names[] = { TLSI_COUNTERS(COUNTER_NAME) };
#undef COUNTER_NAME

struct ips_cfg {
	bool have;
	uint8_t quarantine;
	uint32_t timeout, depth, body_depth;
	uint8_t trace;
	uint32_t trace_bytes, trace_buffer, trace_records;
	uint64_t trace_used;
};

static int cfg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct ips_cfg *c = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	c->have = true;
	if (tb[TLSI_A_IPS_QUARANTINE])
		c->quarantine = mnl_attr_get_u8(tb[TLSI_A_IPS_QUARANTINE]);
	if (tb[TLSI_A_TIMEOUT])
		c->timeout = mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]);
	if (tb[TLSI_A_IPS_DEPTH])
		c->depth = mnl_attr_get_u32(tb[TLSI_A_IPS_DEPTH]);
	if (tb[TLSI_A_IPS_BODY_DEPTH])
		c->body_depth = mnl_attr_get_u32(tb[TLSI_A_IPS_BODY_DEPTH]);
	if (tb[TLSI_A_IPS_TRACE])
		c->trace = mnl_attr_get_u8(tb[TLSI_A_IPS_TRACE]);
	if (tb[TLSI_A_IPS_TRACE_BYTES])
		c->trace_bytes = mnl_attr_get_u32(tb[TLSI_A_IPS_TRACE_BYTES]);
	if (tb[TLSI_A_IPS_TRACE_BUFFER])
		c->trace_buffer = mnl_attr_get_u32(tb[TLSI_A_IPS_TRACE_BUFFER]);
	if (tb[TLSI_A_TRACE_USED])
		c->trace_used = mnl_attr_get_u64(tb[TLSI_A_TRACE_USED]);
	if (tb[TLSI_A_TRACE_RECORDS])
		c->trace_records = mnl_attr_get_u32(tb[TLSI_A_TRACE_RECORDS]);
	return MNL_CB_OK;
}

static int get_cfg(struct tlsi_nl *nl, struct ips_cfg *c)
{
	char buf[TLSI_NL_MSGBUF];

	memset(c, 0, sizeof(*c));
	return ctl_request(nl, tlsi_nl_msg(nl, buf, TLSI_CMD_IPS_GET, 0), cfg_cb, c);
}

static void print_cfg(const struct ips_cfg *c)
{
	out_str("quarantine", c->quarantine ? "on" : "off");
	out_u64("timeout", c->timeout);
	out_u64("depth", c->depth);
	out_u64("body-depth", c->body_depth);
	out_str("trace", c->trace == TLSI_IPS_TRACE_ALERTS ? "alerts" : "off");
	out_u64("trace-bytes", c->trace_bytes);
	out_u64("trace-buffer", c->trace_buffer);
	out_stat("trace-used", c->trace_used);
	out_stat("trace-records", c->trace_records);
}

struct counters {
	uint64_t v[sizeof(counter_names) / sizeof(counter_names[0])];
	bool have[sizeof(counter_names) / sizeof(counter_names[0])];
};

static int counters_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct counters *c = data;
	const struct nlattr *a;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[TLSI_A_STATS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[TLSI_A_STATS]) {
		uint16_t type = mnl_attr_get_type(a);

		if (!type || type > sizeof(counter_names) / sizeof(counter_names[0]) ||
		    mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			continue;
		c->v[type - 1] = mnl_attr_get_u64(a);
		c->have[type - 1] = true;
	}
	return MNL_CB_OK;
}

int rules_cmd_stats(int argc, char **argv)
{
	char buf[TLSI_NL_MSGBUF];
	struct counters c;
	struct summary s;
	struct ips_cfg cfg;
	struct tlsi_nl nl;
	size_t i;
	int rc;

	if (argc > 1)
		usage_error("unexpected `%s'", argv[1]);
	memset(&c, 0, sizeof(c));
	ctl_open(&nl);
	rc = ctl_request(&nl, tlsi_nl_msg(&nl, buf, TLSI_CMD_STATS_GET, 0), counters_cb, &c);
	if (!rc)
		rc = rules_get_summary(&nl, &s);
	if (!rc)
		rc = get_cfg(&nl, &cfg);
	tlsi_nl_close(&nl);
	if (rc)
		return rc;
	out_obj_begin();
	if (!opt_json)
		out_str("rules", s.loaded ? "loaded" : "none");
	else
		out_u64("rules", s.loaded ? s.rules : 0);
	if (!opt_json && s.loaded)
		out_u64("count", s.rules);
	out_u64("sessions", s.sessions);
	out_u64("session-bytes", s.session_bytes);
	out_u64("scratch-bytes-per-cpu", s.scratch_bytes);
	out_u64("memory", s.memory);
	print_cfg(&cfg);
	out_obj_end();
	if (opt_json)
		out_obj_begin();
	for (i = 0; i < sizeof(counter_names) / sizeof(counter_names[0]); i++) {
		if (!c.have[i] || (strncmp(counter_names[i], "ips_", 4) &&
				   strncmp(counter_names[i], "inspect_", 8)))
			continue;
		if (opt_json) {
			out_u64(counter_names[i], c.v[i]);
		} else {
			printf("%s %llu\n", counter_names[i], (unsigned long long)c.v[i]);
		}
	}
	if (opt_json)
		out_obj_end();
	return EXIT_OK;
}

int rules_cmd_config(int argc, char **argv)
{
	char buf[TLSI_NL_MSGBUF], err[TLSI_ERR_MAX];
	uint32_t timeout = 0, depth = 0, body_depth = 0, trace_bytes = 0, trace_buffer = 0;
	uint8_t trace = TLSI_IPS_TRACE_OFF;
	unsigned long seen = 0;
	struct nlmsghdr *nlh;
	struct ips_cfg cfg;
	struct tlsi_nl nl;
	bool quarantine = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i];

		if ((!strcmp(k, "set") || !strcmp(k, "show")) && i == 1)
			continue;
		if (!strcmp(k, "quarantine")) {
			const char *val = kw_value(argc, argv, &i);

			kw_once(&seen, 1, k);
			if (strcmp(val, "on") && strcmp(val, "off"))
				usage_error("quarantine `%s': expected on or off", val);
			quarantine = !strcmp(val, "on");
		} else if (!strcmp(k, "timeout")) {
			kw_once(&seen, 2, k);
			check(parse_duration("timeout", kw_value(argc, argv, &i), 0,
					     TLSI_TIMEOUT_MAX, &timeout, err, sizeof(err)), err);
		} else if (!strcmp(k, "depth")) {
			kw_once(&seen, 4, k);
			check(parse_u32("depth", kw_value(argc, argv, &i), 0, UINT32_MAX, &depth,
					err, sizeof(err)), err);
		} else if (!strcmp(k, "body-depth")) {
			kw_once(&seen, 8, k);
			check(parse_u32("body-depth", kw_value(argc, argv, &i), 0, UINT32_MAX,
					&body_depth, err, sizeof(err)), err);
		} else if (!strcmp(k, "trace")) {
			const char *val = kw_value(argc, argv, &i);

			kw_once(&seen, 16, k);
			if (strcmp(val, "off") && strcmp(val, "alerts"))
				usage_error("trace `%s': expected off or alerts", val);
			trace = !strcmp(val, "alerts") ? TLSI_IPS_TRACE_ALERTS : TLSI_IPS_TRACE_OFF;
		} else if (!strcmp(k, "trace-bytes")) {
			kw_once(&seen, 32, k);
			check(parse_trace_size("trace-bytes", kw_value(argc, argv, &i), 1,
					       TLSI_TRACE_BUFFER_MAX, &trace_bytes, err,
					       sizeof(err)), err);
		} else if (!strcmp(k, "trace-buffer")) {
			kw_once(&seen, 64, k);
			check(parse_trace_size("trace-buffer", kw_value(argc, argv, &i),
					       TLSI_TRACE_BUFFER_MIN, TLSI_TRACE_BUFFER_MAX,
					       &trace_buffer, err, sizeof(err)), err);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (argc > 1 && !strcmp(argv[1], "show") && seen)
		usage_error("show takes no settings");
	if (argc > 1 && !strcmp(argv[1], "set") && !seen)
		usage_error("nothing to set");
	ctl_open(&nl);
	if (!seen) {
		rc = get_cfg(&nl, &cfg);
		tlsi_nl_close(&nl);
		if (rc)
			return rc;
		out_obj_begin();
		print_cfg(&cfg);
		out_obj_end();
		return EXIT_OK;
	}
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_IPS_SET, 0);
	if (seen & 1)
		mnl_attr_put_u8(nlh, TLSI_A_IPS_QUARANTINE, quarantine);
	if (seen & 2)
		mnl_attr_put_u32(nlh, TLSI_A_TIMEOUT, timeout);
	if (seen & 4)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_DEPTH, depth);
	if (seen & 8)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_BODY_DEPTH, body_depth);
	if (seen & 16)
		mnl_attr_put_u8(nlh, TLSI_A_IPS_TRACE, trace);
	if (seen & 32)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_TRACE_BYTES, trace_bytes);
	if (seen & 64)
		mnl_attr_put_u32(nlh, TLSI_A_IPS_TRACE_BUFFER, trace_buffer);
	rc = ctl_request(&nl, nlh, NULL, NULL);
	tlsi_nl_close(&nl);
	return rc;
}

/* tlsictl save: the IPS settings as `rules config'. */
int rules_config_save(void)
{
	struct ips_cfg cfg;
	struct tlsi_nl nl;
	int rc;

	ctl_open(&nl);
	rc = get_cfg(&nl, &cfg);
	tlsi_nl_close(&nl);
	if (rc || !cfg.have)
		return rc;
	out_save_begin("rules config");
	out_obj_begin();
	print_cfg(&cfg);
	out_obj_end();
	out_save_end();
	return rc;
}

int rules_cmd_flush(int argc, char **argv)
{
	const char *path = ri_path();
	char err[512];
	int rc;

	if (argc > 1)
		usage_error("unexpected `%s'", argv[1]);
	rc = ctl_simple(TLSI_CMD_RULES_FLUSH, NULL, NULL);
	if (!rc && path && ri_unpublish(path, err, sizeof(err)))
		errmsg("warning: the rules are flushed, but tlsid's copy stays: %s", err);
	return rc;
}
