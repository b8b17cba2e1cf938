// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl rules: the kernel's rules: loading an image, show (see rules.h for the other parts).
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

/* ---- the kernel's rules ------------------------------------------------------ */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static uint32_t new_batch_id(void)
{
	uint32_t id = 0;

	while (!id) {
		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			id = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	}
	return id;
}

static void send_abort(struct tlsi_nl *nl, char *buf, uint32_t batch)
{
	struct nlmsghdr *nlh = tlsi_nl_msg(nl, buf, TLSI_CMD_RULES_ABORT, 0);

	mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
	tlsi_nl_request(nl, nlh, NULL, NULL);	/* best effort */
}

static int commit_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct load_result *lr = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_OK;
	if (tb[TLSI_A_COUNT])
		lr->rules = mnl_attr_get_u32(tb[TLSI_A_COUNT]);
	if (tb[TLSI_A_RULES_SIZE])
		lr->size = mnl_attr_get_u32(tb[TLSI_A_RULES_SIZE]);
	if (tb[TLSI_A_RULES_BUILD_ID])
		lr->build_id = mnl_attr_get_u32(tb[TLSI_A_RULES_BUILD_ID]);
	return MNL_CB_OK;
}

/*
 * Send img in TLSI_RULES_CHUNK_MAX pieces (RULES_LOAD, in order) and commit
 * it; on any failure the batch is aborted and the kernel keeps its rules.
 */
int rules_kernel_load(const uint8_t *img, size_t len, struct load_result *lr)
{
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	uint32_t batch;
	size_t off, n;
	char *buf;
	int rc = EXIT_OK;

	if (!len || len > TLSI_RULES_IMAGE_MAX) {
		errmsg("image of %zu bytes: an image holds 1..%u bytes", len, TLSI_RULES_IMAGE_MAX);
		return EXIT_ERROR;
	}
	buf = malloc(TLSI_RULES_CHUNK_MAX + TLSI_NL_MSGBUF);
	if (!buf) {
		errmsg("out of memory");
		return EXIT_ERROR;
	}
	ctl_open(&nl);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);
	batch = new_batch_id();
	for (off = 0; off < len && !rc && !interrupted; off += n) {
		n = len - off < TLSI_RULES_CHUNK_MAX ? len - off : TLSI_RULES_CHUNK_MAX;
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_LOAD, 0);
		mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
		mnl_attr_put_u32(nlh, TLSI_A_RULES_OFFSET, (uint32_t)off);
		mnl_attr_put(nlh, TLSI_A_RULES_DATA, n, img + off);
		rc = ctl_request(&nl, nlh, NULL, NULL);
	}
	if (!rc && interrupted) {
		errmsg("interrupted; nothing loaded");
		rc = EXIT_ERROR;
	}
	if (!rc) {
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_COMMIT, 0);
		mnl_attr_put_u32(nlh, TLSI_A_BATCH, batch);
		rc = ctl_request(&nl, nlh, commit_cb, lr);
	}
	if (rc)
		send_abort(&nl, buf, batch);
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	tlsi_nl_close(&nl);
	free(buf);
	return rc;
}


static int summary_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct summary *s = data;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	s->loaded = tb[TLSI_A_COUNT] != NULL;
#define U32(attr, field) if (tb[attr]) s->field = mnl_attr_get_u32(tb[attr])
	U32(TLSI_A_COUNT, rules);
	U32(TLSI_A_RULES_SIZE, size);
	U32(TLSI_A_RULES_BUILD_ID, build_id);
	U32(TLSI_A_RULES_IMG_FLAGS, img_flags);
	U32(TLSI_A_VARS_CHANGED, vars_changed);
	U32(TLSI_A_IPS_SESSIONS, sessions);
	U32(TLSI_A_IPS_SESSION_BYTES, session_bytes);
	U32(TLSI_A_IPS_SCRATCH_BYTES, scratch_bytes);
#undef U32
	if (tb[TLSI_A_RULES_LOADED])
		s->loaded_at = mnl_attr_get_u64(tb[TLSI_A_RULES_LOADED]);
	if (tb[TLSI_A_IPS_MEMORY])
		s->memory = mnl_attr_get_u64(tb[TLSI_A_IPS_MEMORY]);
	return MNL_CB_OK;
}

int rules_get_summary(struct tlsi_nl *nl, struct summary *s)
{
	char buf[TLSI_NL_MSGBUF];

	memset(s, 0, sizeof(*s));
	return ctl_request(nl, tlsi_nl_msg(nl, buf, TLSI_CMD_RULES_GET, 0), summary_cb, s);
}

static void iso_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *ips_action_name(uint8_t a)
{
	return a < __TLSI_IPS_ACT_MAX ? rp_action_name(a) : "unknown";
}

struct rule_dump {
	struct json j;
	unsigned int n;
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct rule_dump *d = data;
	const char *msg, *cls;
	uint8_t action, prio;
	uint64_t hits, alerts, drops;

	if (tlsi_nl_parse(nlh, tb) < 0 || !tb[TLSI_A_SID])
		return MNL_CB_ERROR;
	d->n++;
	msg = tb[TLSI_A_MSG] ? mnl_attr_get_str(tb[TLSI_A_MSG]) : "";
	cls = tb[TLSI_A_CLASSTYPE] ? mnl_attr_get_str(tb[TLSI_A_CLASSTYPE]) : "";
	action = tb[TLSI_A_IPS_ACTION] ? mnl_attr_get_u8(tb[TLSI_A_IPS_ACTION]) : 0;
	prio = tb[TLSI_A_PRIORITY] ? mnl_attr_get_u8(tb[TLSI_A_PRIORITY]) : 0;
	hits = tb[TLSI_A_HITS] ? mnl_attr_get_u64(tb[TLSI_A_HITS]) : 0;
	alerts = tb[TLSI_A_ALERTS] ? mnl_attr_get_u64(tb[TLSI_A_ALERTS]) : 0;
	drops = tb[TLSI_A_DROPS] ? mnl_attr_get_u64(tb[TLSI_A_DROPS]) : 0;
	if (opt_json) {
		json_begin_object(&d->j, NULL);
		json_u64(&d->j, "sid", mnl_attr_get_u32(tb[TLSI_A_SID]));
		if (tb[TLSI_A_GID])
			json_u64(&d->j, "gid", mnl_attr_get_u32(tb[TLSI_A_GID]));
		if (tb[TLSI_A_REV])
			json_u64(&d->j, "rev", mnl_attr_get_u32(tb[TLSI_A_REV]));
		json_string(&d->j, "action", ips_action_name(action));
		json_u64(&d->j, "priority", prio);
		json_string(&d->j, "msg", msg);
		json_string(&d->j, "classtype", cls);
		json_u64(&d->j, "hits", hits);
		json_u64(&d->j, "alerts", alerts);
		json_u64(&d->j, "drops", drops);
		json_end_object(&d->j);
		return MNL_CB_OK;
	}
	printf("sid %u rev %u gid %u action %s priority %u hits %llu alerts %llu drops %llu msg ",
	       mnl_attr_get_u32(tb[TLSI_A_SID]),
	       tb[TLSI_A_REV] ? mnl_attr_get_u32(tb[TLSI_A_REV]) : 0,
	       tb[TLSI_A_GID] ? mnl_attr_get_u32(tb[TLSI_A_GID]) : 0,
	       ips_action_name(action), prio, (unsigned long long)hits,
	       (unsigned long long)alerts, (unsigned long long)drops);
	out_plain_value(msg);
	putchar('\n');
	return MNL_CB_OK;
}

int rules_cmd_show(int argc, char **argv)
{
	char err[TLSI_ERR_MAX], when[64], *buf;
	struct rule_dump d = { .n = 0 };
	uint32_t sid = 0, flags = TLSI_RULES_F_HIT;
	struct nlmsghdr *nlh;
	struct summary s;
	struct tlsi_nl nl;
	int rc, i;

	/* show IMAGE [sid SID]: a file */
	if (argc >= 2 && strcmp(argv[1], "all") && strcmp(argv[1], "sid"))
		return rules_show_image(argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			flags = 0;
		} else if (!strcmp(argv[i], "sid")) {
			check(parse_u32("sid", kw_value(argc, argv, &i), 1, UINT32_MAX, &sid,
					err, sizeof(err)), err);
			flags = 0;
		} else {
			usage_error("unexpected `%s'", argv[i]);
		}
	}
	ctl_open(&nl);
	rc = rules_get_summary(&nl, &s);
	if (rc)
		goto out;
	iso_time(s.loaded_at, when, sizeof(when));
	if (opt_json) {
		char id[16];

		snprintf(id, sizeof(id), "0x%08x", s.build_id);
		json_init(&d.j, stdout);
		json_begin_object(&d.j, NULL);
		json_bool(&d.j, "loaded", s.loaded);
		if (s.loaded) {
			json_u64(&d.j, "rules", s.rules);
			json_u64(&d.j, "image_bytes", s.size);
			json_string(&d.j, "build_id", id);
			json_string(&d.j, "loaded_at", when);
			json_bool(&d.j, "pcre_prefilter", s.img_flags & TLSI_IMG_F_PCRE_PREFILTER);
			json_u64(&d.j, "vars_changed", s.vars_changed);
		}
		json_begin_array(&d.j, flags & TLSI_RULES_F_HIT ? "matched" : "list");
	} else if (!s.loaded) {
		printf("no IPS rules loaded\n");
		goto out;
	} else {
		printf("rules %u image-bytes %u build-id 0x%08x loaded %s pcre %s vars-changed %u\n",
		       s.rules, s.size, s.build_id, when,
		       s.img_flags & TLSI_IMG_F_PCRE_PREFILTER ? "prefilter" : "exact",
		       s.vars_changed);
	}
	if (s.loaded) {
		buf = malloc(TLSI_NL_MSGBUF);
		if (!buf) {
			errmsg("out of memory");
			rc = EXIT_ERROR;
			goto out;
		}
		nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_RULES_GET, NLM_F_DUMP);
		if (sid)
			mnl_attr_put_u32(nlh, TLSI_A_SID, sid);
		if (flags)
			mnl_attr_put_u32(nlh, TLSI_A_FLAGS, flags);
		rc = ctl_request(&nl, nlh, rule_cb, &d);
		free(buf);
	}
	if (opt_json) {
		json_end_array(&d.j);
		json_end_object(&d.j);
	} else if (!rc && sid && !d.n) {
		errmsg("no rule with sid %u is loaded", sid);
		rc = EXIT_ERROR;
	}
out:
	tlsi_nl_close(&nl);
	return rc;
}
