/* SPDX-License-Identifier: GPL-2.0 */
/*
 * suricata-update's rule selection files, for `tlsictl rules update':
 * enable.conf, disable.conf and drop.conf (one matcher per line) and
 * modify.conf (a matcher, then "FROM" "TO": a regular expression and its
 * replacement), and the rule set they work on.
 *
 * Matchers: SID, GID:SID, group:PATTERN (the rule file's name, shell
 * wildcards: group:emerging-scan.rules, group:emerging-*), re:REGEX (the
 * whole rule text). `#' at the start of a line begins a comment. Regular
 * expressions are PCRE2's (as Python's re, which suricata-update uses, for
 * what rules need: \d, \s, groups), case-sensitive; TO may use \1..\9.
 */
#ifndef TLSI_RULES_CONF_H
#define TLSI_RULES_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ru_match_kind { RU_SID, RU_GROUP, RU_RE };

struct ru_matcher {
	enum ru_match_kind kind;
	uint32_t gid, sid;		/* RU_SID; gid 0: any */
	char *pattern;			/* RU_GROUP: fnmatch pattern */
	void *re;			/* RU_RE: pcre2_code */
	/* modify.conf */
	bool modify;
	void *from;			/* pcre2_code */
	char *to;
	unsigned int lineno;
};

struct ru_conf {
	struct ru_matcher *v;
	size_t n;
};

/* One rule of the set: the text without the leading `#' of a disabled rule. */
struct ru_rule {
	char *text;
	bool enabled;
	uint32_t gid, sid, rev;
	const char *group;		/* the file's base name (not owned) */
};

struct ru_set {
	struct ru_rule *v;
	size_t n, cap;
	char **groups;			/* owned names */
	size_t ngroups;
	size_t duplicates;		/* older revisions dropped */
	size_t *hash, hcap;		/* GID:SID -> index + 1 */
};

/*
 * Parse a selection file (modify: modify.conf's syntax). A missing file is
 * an empty one if `optional'. -1 with err ("FILE:LINE: ...") on the first
 * bad line.
 */
int ru_conf_load(struct ru_conf *c, const char *path, bool modify, bool optional,
		 char *err, size_t errlen);
int ru_conf_parse_line(struct ru_matcher *m, const char *line, bool modify,
		       char *err, size_t errlen);
void ru_conf_free(struct ru_conf *c);
bool ru_match(const struct ru_matcher *m, const struct ru_rule *r);

/*
 * Add the rules of a file (rules and commented-out rules; other lines are
 * left out). The same GID:SID twice: the higher rev stays.
 */
int ru_set_add_file(struct ru_set *s, const char *path, char *err, size_t errlen);
int ru_set_add_text(struct ru_set *s, const char *group, const char *text,
		    char *err, size_t errlen);
void ru_set_free(struct ru_set *s);

struct ru_counts {
	size_t enabled, disabled, modified, dropped;
};

/*
 * suricata-update's order: disable.conf, then enable.conf (enable wins),
 * then modify.conf, then drop.conf (enabled `alert' rules become `drop').
 */
int ru_apply(struct ru_set *s, const struct ru_conf *enable,
	     const struct ru_conf *disable, const struct ru_conf *drop,
	     const struct ru_conf *modify, struct ru_counts *counts,
	     char *err, size_t errlen);

/* `#'-prefixed for disabled rules, one per line; 0 or -1 (errno). */
int ru_set_write(const struct ru_set *s, FILE *f);

#endif
