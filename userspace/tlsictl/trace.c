// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl trace: packet traces of IPS verdicts (the decrypted stream of
 * traced flows) as pcap files with synthetic TCP/IP headers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"
#include "tlsictl.h"
#include "trace_pcap.h"

static const char help[] =
"Usage: tlsictl trace save FILE [--flow ID] [--clear] [--ethernet]\n"
"       tlsictl [-j] trace show|list\n"
"       tlsictl trace clear [--flow ID]\n"
"\n"
"When a rule with the metadata `tlsi_trace' (or, with `tlsictl rules config\n"
"trace alerts', any alerting or blocking rule) fires on a decrypted\n"
"session, the chunk that fired it and every later chunk of both directions\n"
"are recorded, up to `trace-bytes' per flow, in a buffer of `trace-buffer'\n"
"bytes (oldest records evicted first; see `tlsictl rules config').\n"
"\n"
"Commands:\n"
"  save   write the recorded data as a classic pcap file: per flow a\n"
"         synthetic TCP handshake, the decrypted data as TCP segments with\n"
"         the flow's real addresses and ports (IPv4 or IPv6), a FIN per\n"
"         direction that ended; the file is replaced atomically (mode 0600)\n"
"  show   list traced flows: id, client, server, the sid that started the\n"
"         trace, bytes recorded; `list' is the same\n"
"  clear  drop the records (of one flow)\n"
"\n"
"Options:\n"
"  --flow ID    only flow ID (the flow_id of the IPS alert's EVE record)\n"
"  --clear      after a successful save, drop the records it saved\n"
"  --ethernet   Ethernet frames (link type 1) instead of raw IP (101)\n"
"\n"
"Output of show (one line per flow):\n"
"  ID client ADDR:PORT server ADDR:PORT sid SID bytes N records N\n"
"     [ended] [capped]\n"
"  (IPv6 addresses in RFC 5952 form in brackets: [2001:db8::1]:443)\n"
"\n"
"Examples:\n"
"  tlsictl trace save /var/tmp/ips.pcap --clear && tcpdump -r /var/tmp/ips.pcap -A\n"
"  tlsictl trace save flow.pcap --flow 3471152347186017\n";

struct trace_set {
	struct tlsi_trace_set recs;
	bool bad;			/* a malformed message was seen */
};

static int trace_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct trace_set *s = data;
	int rc;

	if (tlsi_nl_parse(nlh, tb) < 0)
		rc = -EPROTO;
	else
		rc = tlsi_trace_set_add(&s->recs, tb);
	if (rc == -EPROTO)
		s->bad = true;
	errno = -rc;
	return rc ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Dump the records (of one flow); 0 or EXIT_ERROR (reported). */
static int trace_fetch(struct tlsi_nl *nl, bool has_flow, uint64_t flow, bool headers_only,
		       struct trace_set *s)
{
	char buf[TLSI_NL_MSGBUF];
	struct nlmsghdr *nlh;
	int rc;

	nlh = tlsi_nl_msg(nl, buf, TLSI_CMD_TRACE_GET, NLM_F_DUMP);
	if (has_flow)
		mnl_attr_put_u64(nlh, TLSI_A_FLOW_ID, flow);
	if (headers_only)
		mnl_attr_put_u32(nlh, TLSI_A_FLAGS, TLSI_TRACE_DUMP_F_HEADERS_ONLY);
	rc = tlsi_nl_request(nl, nlh, trace_cb, s);
	if (rc && s->bad) {
		errmsg("malformed trace record from the kernel");
		return EXIT_ERROR;
	}
	if (rc)
		return ctl_report(nl);
	return EXIT_OK;
}

/* A decimal flow id (1..2^64-1). */
static void parse_flow_id(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || *s < '0' || *s > '9')
		usage_error("flow `%s': expected a flow id (a decimal number)", s);
	*out = strtoull(s, &end, 10);
	if (errno || *end || !*out)
		usage_error("flow `%s': expected a flow id (1..18446744073709551615)", s);
}

static int cmd_save(int argc, char **argv)
{
	char err[TLSI_ERR_MAX + 512], cbuf[TLSI_NL_MSGBUF];
	uint32_t linktype = TLSI_PCAP_LINKTYPE_RAW;
	struct trace_set s = { 0 };
	struct tlsi_trace_flows t = { 0 };
	const char *path = NULL;
	bool has_flow = false, clear = false;
	uint64_t flow = 0, last_id = 0;
	struct tlsi_pcap w;
	struct tlsi_nl nl;
	size_t i;
	int rc;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--flow")) {
			if (has_flow)
				usage_error("--flow given twice");
			if (i + 1 == (size_t)argc)
				usage_error("--flow needs a flow id");
			parse_flow_id(argv[++i], &flow);
			has_flow = true;
		} else if (!strcmp(argv[i], "--clear")) {
			clear = true;
		} else if (!strcmp(argv[i], "--ethernet")) {
			linktype = TLSI_PCAP_LINKTYPE_ETHERNET;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage_error("unknown option `%s'", argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			usage_error("unexpected `%s'", argv[i]);
		}
	}
	if (!path || !*path)
		usage_error("missing FILE");

	ctl_open(&nl);
	rc = trace_fetch(&nl, has_flow, flow, false, &s);
	if (rc)
		goto out;
	if (!s.recs.n) {
		errmsg("no trace records to save (no traced flow yet, or cleared)");
		rc = EXIT_ERROR;
		goto out;
	}
	if (tlsi_trace_flows_build(&t, &s.recs)) {
		errmsg("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	if (tlsi_pcap_create(&w, path, linktype, err, sizeof(err)) ||
	    tlsi_trace_write_pcap(&w, &t, &s.recs, &last_id, err, sizeof(err))) {
		errmsg("%s", err);
		rc = EXIT_ERROR;
		goto out;
	}
	{
		uint64_t packets = w.packets;

		if (tlsi_pcap_commit(&w, err, sizeof(err))) {
			errmsg("%s", err);
			rc = EXIT_ERROR;
			goto out;
		}
		out_obj_begin();
		out_name("file", path);
		out_u64("flows", t.n);
		out_u64("packets", packets);
		{
			uint64_t bytes = 0;

			for (i = 0; i < t.n; i++)
				bytes += t.v[i].bytes;
			out_u64("bytes", bytes);
		}
		out_obj_end();
	}
	if (clear) {
		/* Exactly what was saved: records up to the last id seen. */
		struct nlmsghdr *nlh = tlsi_nl_msg(&nl, cbuf, TLSI_CMD_TRACE_CLEAR, 0);

		if (has_flow)
			mnl_attr_put_u64(nlh, TLSI_A_FLOW_ID, flow);
		mnl_attr_put_u64(nlh, TLSI_A_TRACE_ID, last_id);
		rc = ctl_request(&nl, nlh, NULL, NULL);
	}
out:
	tlsi_trace_flows_free(&t);
	tlsi_trace_set_free(&s.recs);
	tlsi_nl_close(&nl);
	return rc;
}

static void out_endpoint(const char *key, const struct tlsi_cidr *addr, uint16_t port)
{
	char buf[TLSI_ENDPOINT_STR_MAX];

	out_str(key, format_endpoint(addr, port, buf));
}

static int cmd_show(int argc, char **argv)
{
	struct trace_set s = { 0 };
	struct tlsi_trace_flows t = { 0 };
	struct tlsi_nl nl;
	char id[24];
	size_t i;
	int rc;

	if (argc > 1)
		usage_error("unexpected `%s'", argv[1]);
	ctl_open(&nl);
	rc = trace_fetch(&nl, false, 0, true, &s);
	tlsi_nl_close(&nl);
	if (rc)
		goto out;
	if (tlsi_trace_flows_build(&t, &s.recs)) {
		errmsg("out of memory");
		rc = EXIT_ERROR;
		goto out;
	}
	out_list_begin();
	for (i = 0; i < t.n; i++) {
		const struct tlsi_trace_flow *f = &t.v[i];

		out_obj_begin();
		snprintf(id, sizeof(id), "%" PRIu64, f->flow_id);
		if (opt_json)
			out_u64("flow", f->flow_id);
		else
			out_name("flow", id);
		out_endpoint("client", &f->caddr, f->cport);
		out_endpoint("server", &f->saddr, f->sport);
		out_u64("sid", f->sid);
		out_u64("bytes", f->bytes);
		out_u64("records", f->records);
		out_flag("ended", f->ended[0] && f->ended[1]);
		out_flag("capped", f->capped);
		out_obj_end();
	}
	out_list_end();
out:
	tlsi_trace_flows_free(&t);
	tlsi_trace_set_free(&s.recs);
	return rc;
}

struct clear_args {
	bool has_flow;
	uint64_t flow;
};

static void clear_fill(struct nlmsghdr *nlh, const void *arg)
{
	const struct clear_args *a = arg;

	if (a->has_flow)
		mnl_attr_put_u64(nlh, TLSI_A_FLOW_ID, a->flow);
}

static int cmd_clear(int argc, char **argv)
{
	struct clear_args a = { 0 };
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--flow") && !a.has_flow) {
			if (i + 1 == argc)
				usage_error("--flow needs a flow id");
			parse_flow_id(argv[++i], &a.flow);
			a.has_flow = true;
		} else {
			usage_error("unexpected `%s'", argv[i]);
		}
	}
	return ctl_simple(TLSI_CMD_TRACE_CLEAR, clear_fill, &a);
}

int trace_main(int argc, char **argv)
{
	static const struct command cmds[] = {
		{ "save", cmd_save, NULL },
		{ "show", cmd_show, NULL },
		{ "list", cmd_show, NULL },
		{ "clear", cmd_clear, NULL },
		{ NULL, NULL, NULL }
	};

	return dispatch(argc, argv, cmds, help);
}

/* "1048576", "1024K", "1M" (binary units) in min..max. */
int parse_trace_size(const char *field, const char *s, uint32_t min, uint32_t max,
		     uint32_t *out, char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s < '0' || *s > '9') {
		snprintf(err, errlen, "%s `%s': not a size (bytes, or a number with K or M)",
			 field, s);
		return -1;
	}
	v = strtoull(s, &end, 10);
	if (!errno && (*end == 'K' || *end == 'k') && !end[1])
		v = v > UINT32_MAX ? v : v << 10;
	else if (!errno && (*end == 'M' || *end == 'm') && !end[1])
		v = v > UINT32_MAX ? v : v << 20;
	else if (*end)
		errno = EINVAL;
	if (errno == EINVAL) {
		snprintf(err, errlen, "%s `%s': not a size (bytes, or a number with K or M)",
			 field, s);
		return -1;
	}
	if (errno || v < min || v > max) {
		snprintf(err, errlen, "%s `%s': out of range (%u..%u bytes)", field, s, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}
