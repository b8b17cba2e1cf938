// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl profile: inspection profiles.
 */
#include <string.h>

#include "tlsictl.h"

static const char help[] =
"Usage: tlsictl profile add NAME [rep-block SCORE|off] [rep-alert SCORE|off]\n"
"                              [inspect-depth BYTES|all|default]\n"
"                              [ssl-no-daemon bypass|block]\n"
"                              [inspect-cleartext on|off] [locked on|off]\n"
"       tlsictl [--unlock] profile set NAME [rep-block SCORE|off] [rep-alert SCORE|off]\n"
"                              [inspect-depth BYTES|all|default]\n"
"                              [ssl-no-daemon bypass|block]\n"
"                              [inspect-cleartext on|off] [locked on|off]\n"
"       tlsictl [--unlock] profile del NAME\n"
"       tlsictl [-j] profile show|list\n"
"\n"
"A profile holds the inspection policy that segments refer to: the\n"
"reputation score at or above which a flow is blocked or alerted on, and\n"
"how much of each decrypted session the filter engine inspects.\n"
"\n"
"Commands:\n"
"  add    create a profile; thresholds not given are off\n"
"  set    change settings of an existing profile (at least one)\n"
"  del    delete a profile; refused while a segment uses it\n"
"  show   list profiles with their thresholds and number of users\n"
"         (segments); `list' is the same\n"
"\n"
"Arguments:\n"
"  NAME             1..31 characters of letters, digits, `_', `-', `.'\n"
"  rep-block SCORE  block traffic whose reputation score is at least SCORE\n"
"                   (0..100); `off' never blocks\n"
"  rep-alert SCORE  emit an alert event at or above SCORE (0..100);\n"
"                   `off' never alerts\n"
"  inspect-depth    bytes of each direction of a decrypted session that the\n"
"                   IPS rules inspect, for sessions diverted under this\n"
"                   profile from then on (live ones keep theirs): BYTES\n"
"                   (1..4294967294, or with a k/m/g suffix: KiB, MiB, GiB),\n"
"                   `all' (no limit) or `default' (the device's setting,\n"
"                   `tlsictl rules config depth'; the initial value).\n"
"                   Beyond the depth the session is relayed uninspected and\n"
"                   counted once in ips_depth_reached.\n"
"  ssl-no-daemon    what a new SSL flow that a policy would intercept meets\n"
"                   while tlsid is not listening (stopped, crashed,\n"
"                   restarting): `bypass' passes it uninspected with the\n"
"                   server's real certificate (fail open; the initial\n"
"                   value, counted in ssl_no_daemon_bypassed), `block'\n"
"                   resets the client (fail closed; ssl_no_daemon_blocked).\n"
"                   Either way a kernel log line and an event say so.\n"
"  inspect-cleartext  whether the IPS rules inspect the profile's cleartext\n"
"                   flows (`on', the initial value, or `off'): new TCP\n"
"                   connections that no SSL policy intercepts are relayed\n"
"                   by the kernel and inspected as a stream, UDP datagrams\n"
"                   one by one (Documentation/kernel-module.md, Cleartext\n"
"                   inspection). Needs IPS rules loaded; TCP also needs\n"
"                   the divert routing tlsid sets up.\n"
"  locked on|off    a locked profile (`on') cannot be changed or deleted\n"
"                   unless tlsictl runs with --unlock (the kernel refuses\n"
"                   the request and names the profile); `off' (the\n"
"                   initial value) unlocks it, which also needs --unlock.\n"
"                   A profile's settings change all at once: each new\n"
"                   flow sees the old settings or the new ones, never\n"
"                   part of each.\n"
"\n"
"Output (one line per profile; with -j a JSON array, where `off' is 101,\n"
"inspect-depth `all' is 0 and `default' 4294967295, ssl-no-daemon\n"
"`bypass' is 0 and `block' 1, inspect-cleartext and locked `on' 1 and\n"
"`off' 0):\n"
"  NAME rep-block SCORE|off rep-alert SCORE|off inspect-depth D\n"
"       ssl-no-daemon bypass|block inspect-cleartext on|off locked on|off\n"
"       users N\n"
"\n"
"Examples:\n"
"  tlsictl profile add strict rep-block 60 rep-alert 30\n"
"  tlsictl profile set strict rep-block off\n"
"  tlsictl profile set strict inspect-depth 1m\n"
"  tlsictl profile set strict ssl-no-daemon block\n"
"  tlsictl profile set lab inspect-cleartext off\n"
"  tlsictl profile set strict locked on\n"
"  tlsictl --unlock profile set strict rep-block 50\n"
"  tlsictl profile del strict\n";

struct profile_args {
	const char *name;
	bool has_block, has_alert, has_depth, has_no_daemon, has_cleartext, has_locked;
	bool unlock;			/* set, del: TLSI_A_UNLOCK with --unlock */
	uint8_t block, alert, no_daemon, cleartext, locked;
	uint32_t depth;
};

/* BYTES[k|m|g], `all' (0) or `default' (TLSI_INSPECT_DEPTH_DEFAULT). */
static int parse_inspect_depth(const char *field, const char *s, uint32_t *out,
			       char *err, size_t errlen)
{
	static const char suffixes[] = "kmg";
	char num[24];
	const char *sfx;
	uint64_t mult = 1;
	uint32_t v;
	size_t n;

	if (!strcmp(s, "all")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(s, "default")) {
		*out = TLSI_INSPECT_DEPTH_DEFAULT;
		return 0;
	}
	n = strlen(s);
	if (n && (sfx = strchr(suffixes, s[n - 1])) && *sfx) {
		mult = 1ull << (10 * (sfx - suffixes + 1));
		n--;
	}
	if (!n || n >= sizeof(num)) {
		snprintf(err, errlen, "%s: `%s' is not a byte count, `all' or `default'",
			 field, s);
		return -1;
	}
	memcpy(num, s, n);
	num[n] = '\0';
	if (!strcmp(num, "0")) {
		snprintf(err, errlen, "%s: 0 bytes; `all' inspects everything", field);
		return -1;
	}
	if (parse_u32(field, num, 1, TLSI_INSPECT_DEPTH_DEFAULT - 1, &v, err, errlen))
		return -1;
	if (v * mult >= TLSI_INSPECT_DEPTH_DEFAULT) {
		snprintf(err, errlen, "%s: `%s' is more than 4294967294 bytes", field, s);
		return -1;
	}
	*out = (uint32_t)(v * mult);
	return 0;
}

static void parse_args(int argc, char **argv, struct profile_args *a)
{
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	int i;

	memset(a, 0, sizeof(*a));
	a->name = positional(argc, argv, "name");
	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "rep-block")) {
			kw_once(&seen, 1, k);
			check(parse_threshold(k, kw_value(argc, argv, &i), &a->block,
					      err, sizeof(err)), err);
			a->has_block = true;
		} else if (!strcmp(k, "rep-alert")) {
			kw_once(&seen, 2, k);
			check(parse_threshold(k, kw_value(argc, argv, &i), &a->alert,
					      err, sizeof(err)), err);
			a->has_alert = true;
		} else if (!strcmp(k, "inspect-depth")) {
			kw_once(&seen, 4, k);
			check(parse_inspect_depth(k, kw_value(argc, argv, &i), &a->depth,
						  err, sizeof(err)), err);
			a->has_depth = true;
		} else if (!strcmp(k, "ssl-no-daemon")) {
			const char *v = kw_value(argc, argv, &i);

			kw_once(&seen, 8, k);
			if (!strcmp(v, "bypass"))
				a->no_daemon = TLSI_SSL_NO_DAEMON_BYPASS;
			else if (!strcmp(v, "block"))
				a->no_daemon = TLSI_SSL_NO_DAEMON_BLOCK;
			else
				usage_error("ssl-no-daemon: `%s' is neither `bypass' nor `block'", v);
			a->has_no_daemon = true;
		} else if (!strcmp(k, "inspect-cleartext")) {
			const char *v = kw_value(argc, argv, &i);

			kw_once(&seen, 16, k);
			a->cleartext = on_off_value(k, v);
			a->has_cleartext = true;
		} else if (!strcmp(k, "locked")) {
			kw_once(&seen, 32, k);
			a->locked = on_off_value(k, kw_value(argc, argv, &i));
			a->has_locked = true;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
}

static void fill(struct nlmsghdr *nlh, const void *arg)
{
	const struct profile_args *a = arg;

	mnl_attr_put_strz(nlh, TLSI_A_NAME, a->name);
	if (a->has_block)
		mnl_attr_put_u8(nlh, TLSI_A_REP_BLOCK_THRESHOLD, a->block);
	if (a->has_alert)
		mnl_attr_put_u8(nlh, TLSI_A_REP_ALERT_THRESHOLD, a->alert);
	if (a->has_depth)
		mnl_attr_put_u32(nlh, TLSI_A_INSPECT_DEPTH, a->depth);
	if (a->has_no_daemon)
		mnl_attr_put_u8(nlh, TLSI_A_SSL_NO_DAEMON, a->no_daemon);
	if (a->has_cleartext)
		mnl_attr_put_u8(nlh, TLSI_A_INSPECT_CLEARTEXT, a->cleartext);
	if (a->has_locked)
		mnl_attr_put_u8(nlh, TLSI_A_LOCKED, a->locked);
	if (a->unlock)
		mnl_attr_put_u8(nlh, TLSI_A_UNLOCK, 1);
}

static int cmd_add(int argc, char **argv)
{
	struct profile_args a;

	parse_args(argc, argv, &a);
	return ctl_simple(TLSI_CMD_PROFILE_NEW, fill, &a);
}

static int cmd_set(int argc, char **argv)
{
	struct profile_args a;

	parse_args(argc, argv, &a);
	if (!a.has_block && !a.has_alert && !a.has_depth && !a.has_no_daemon &&
	    !a.has_cleartext && !a.has_locked)
		usage_error("nothing to set (give rep-block, rep-alert, inspect-depth, ssl-no-daemon, inspect-cleartext or locked)");
	a.unlock = opt_unlock;
	return ctl_simple(TLSI_CMD_PROFILE_SET, fill, &a);
}

static int cmd_del(int argc, char **argv)
{
	struct profile_args a = { 0 };

	a.name = positional(argc, argv, "name");
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	a.unlock = opt_unlock;
	return ctl_simple(TLSI_CMD_PROFILE_DEL, fill, &a);
}

static void out_threshold(const char *key, const struct nlattr *a)
{
	char buf[8];
	uint8_t v;

	if (!a)
		return;
	v = mnl_attr_get_u8(a);
	if (v >= TLSI_SCORE_OFF)
		strcpy(buf, "off");
	else
		snprintf(buf, sizeof(buf), "%u", v);
	out_str_or_u64(key, buf, v);
}

static void print_profile(const struct nlattr **tb)
{
	out_obj_begin();
	if (tb[TLSI_A_NAME])
		out_name("name", mnl_attr_get_str(tb[TLSI_A_NAME]));
	out_threshold("rep-block", tb[TLSI_A_REP_BLOCK_THRESHOLD]);
	out_threshold("rep-alert", tb[TLSI_A_REP_ALERT_THRESHOLD]);
	if (tb[TLSI_A_INSPECT_DEPTH]) {
		uint32_t d = mnl_attr_get_u32(tb[TLSI_A_INSPECT_DEPTH]);
		char buf[16];

		if (d == TLSI_INSPECT_DEPTH_DEFAULT)
			strcpy(buf, "default");
		else if (d == 0)
			strcpy(buf, "all");
		else
			snprintf(buf, sizeof(buf), "%u", d);
		out_str_or_u64("inspect-depth", buf, d);
	}
	if (tb[TLSI_A_SSL_NO_DAEMON]) {
		uint8_t v = mnl_attr_get_u8(tb[TLSI_A_SSL_NO_DAEMON]);

		out_str_or_u64("ssl-no-daemon",
			       v == TLSI_SSL_NO_DAEMON_BLOCK ? "block" : "bypass", v);
	}
	if (tb[TLSI_A_INSPECT_CLEARTEXT]) {
		uint8_t v = mnl_attr_get_u8(tb[TLSI_A_INSPECT_CLEARTEXT]);

		out_str_or_u64("inspect-cleartext", v ? "on" : "off", v);
	}
	out_locked(tb[TLSI_A_LOCKED]);
	if (tb[TLSI_A_REFCNT])
		out_stat("users", mnl_attr_get_u32(tb[TLSI_A_REFCNT]));
	out_obj_end();
}

static int cmd_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_dump(TLSI_CMD_PROFILE_GET, print_profile);
}

/* tlsictl save: every profile as `profile add'. */
int profile_save(void)
{
	int rc;

	out_save_begin("profile add");
	rc = ctl_dump(TLSI_CMD_PROFILE_GET, print_profile);
	out_save_end();
	return rc;
}

static const struct command cmds[] = {
	{ "add", cmd_add, NULL },
	{ "set", cmd_set, NULL },
	{ "del", cmd_del, NULL },
	{ "show", cmd_show, NULL },
	{ "list", cmd_show, NULL },
	{ NULL, NULL, NULL }
};

int profile_main(int argc, char **argv)
{
	return dispatch(argc, argv, cmds, help);
}
