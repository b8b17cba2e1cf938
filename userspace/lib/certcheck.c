// SPDX-License-Identifier: GPL-2.0
/*
 * Checks of what administrators type for the certificate repository:
 * names, subject fields, host names, e-mail addresses, key types.
 * Messages are "<field> `<value>': <reason>", like parse.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certrepo.h"
#include "certrepo_int.h"

void cr_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A value shown in a message: at most 80 bytes, control bytes escaped. */
const char *cr_show(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= 80) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == ' ';
}

static int check_name_chars(const char *field, const char *s, size_t max,
			    char *err, size_t errlen)
{
	char v[128];
	size_t len = strlen(s), i;

	if (!len) {
		cr_err(err, errlen, "%s `': empty", field);
		return -1;
	}
	if (len > max) {
		cr_err(err, errlen, "%s `%s': too long (max %zu characters)", field,
		       cr_show(s, v, sizeof(v)), max);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!name_char(s[i])) {
			unsigned char c = (unsigned char)s[i];

			if (c > 0x20 && c < 0x7f)
				cr_err(err, errlen, "%s `%s': bad character `%c' (letters, "
				       "digits, `-', `_' and space)", field,
				       cr_show(s, v, sizeof(v)), c);
			else
				cr_err(err, errlen, "%s `%s': bad character 0x%02x (letters, "
				       "digits, `-', `_' and space)", field,
				       cr_show(s, v, sizeof(v)), c);
			return -1;
		}
	}
	if (s[0] == ' ' || s[len - 1] == ' ') {
		cr_err(err, errlen, "%s `%s': leading or trailing space", field,
		       cr_show(s, v, sizeof(v)));
		return -1;
	}
	return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

int certrepo_check_name(const char *field, const char *s, char *err,
			size_t errlen)
{
	char v[128];

	if (check_name_chars(field, s, CERTREPO_NAME_MAX, err, errlen))
		return -1;
	if (!strcasecmp(s, "ca")) {
		cr_err(err, errlen, "%s `%s': reserved", field, s);
		return -1;
	}
	if (has_suffix(s, CERTREPO_REPLACED_SUFFIX)) {
		cr_err(err, errlen, "%s `%s': the suffix `%s' is reserved for "
		       "replaced certificates", field, cr_show(s, v, sizeof(v)),
		       CERTREPO_REPLACED_SUFFIX);
		return -1;
	}
	return 0;
}

/* Names of objects that may exist: user names and NAME_REPLACED. */
int cr_check_objname(const char *field, const char *s, char *err,
		     size_t errlen)
{
	return check_name_chars(field, s, CERTREPO_OBJNAME_MAX, err, errlen);
}

int certrepo_check_lookup_name(const char *field, const char *s, char *err,
			       size_t errlen)
{
	return cr_check_objname(field, s, err, errlen);
}

int certrepo_check_truststore_name(const char *field, const char *s,
				   char *err, size_t errlen)
{
	return check_name_chars(field, s, CERTREPO_NAME_MAX, err, errlen);
}

/* ISO 3166-1 alpha-2, officially assigned codes. */
static const char countries[] =
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI "
	"BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN "
	"CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
	"FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
	"HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
	"KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
	"ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
	"NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
	"TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
	"VN VU WF WS YE YT ZA ZM ZW";

int certrepo_check_country(const char *field, const char *s, char *err,
			   size_t errlen)
{
	char v[128];
	const char *p;

	if (strlen(s) == 2 && isupper((unsigned char)s[0]) &&
	    isupper((unsigned char)s[1])) {
		for (p = countries; *p; p += 3)
			if (p[0] == s[0] && p[1] == s[1])
				return 0;
	}
	if (!strcmp(s, "UK"))
		cr_err(err, errlen, "%s `UK': not an ISO 3166 code (the United "
		       "Kingdom is GB)", field);
	else if (strlen(s) == 2 && isalpha((unsigned char)s[0]) &&
		 isalpha((unsigned char)s[1]) &&
		 (islower((unsigned char)s[0]) || islower((unsigned char)s[1])))
		cr_err(err, errlen, "%s `%s': not an ISO 3166 code (use upper case, "
		       "as in `US')", field, s);
	else
		cr_err(err, errlen, "%s `%s': not an ISO 3166 code (two letters, "
		       "as in `US')", field, cr_show(s, v, sizeof(v)));
	return -1;
}

int certrepo_check_dns_name(const char *field, const char *s, bool wildcard,
			    char *err, size_t errlen)
{
	char v[300];
	const char *p = s, *label;
	size_t len = strlen(s), n, labels = 0;
	bool wild = false;

	cr_show(s, v, sizeof(v));
	if (!len) {
		cr_err(err, errlen, "%s `': empty", field);
		return -1;
	}
	if (len > 253) {
		cr_err(err, errlen, "%s `%s': too long (max 253 characters)", field, v);
		return -1;
	}
	if (strchr(s, '*')) {
		if (!wildcard) {
			cr_err(err, errlen, "%s `%s': wildcards are not allowed here",
			       field, v);
			return -1;
		}
		if (strncmp(s, "*.", 2) || strchr(s + 1, '*')) {
			cr_err(err, errlen, "%s `%s': `*' only as the whole leftmost label "
			       "(as in `*.example.com')", field, v);
			return -1;
		}
		wild = true;
		p = s + 2;
	}
	for (;;) {
		label = p;
		while (*p && *p != '.')
			p++;
		n = (size_t)(p - label);
		if (!n) {
			cr_err(err, errlen, "%s `%s': empty label", field, v);
			return -1;
		}
		if (n > 63) {
			cr_err(err, errlen, "%s `%s': label longer than 63 characters",
			       field, v);
			return -1;
		}
		if (label[0] == '-' || label[n - 1] == '-') {
			cr_err(err, errlen, "%s `%s': a label starts or ends with `-'",
			       field, v);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)label[i];

			if (!isalnum(c) && c != '-') {
				if (c > 0x20 && c < 0x7f)
					cr_err(err, errlen, "%s `%s': bad character `%c' (letters, "
					       "digits, `-' and `.')", field, v, c);
				else
					cr_err(err, errlen, "%s `%s': bad character 0x%02x "
					       "(letters, digits, `-' and `.')", field, v, c);
				return -1;
			}
		}
		labels++;
		if (!*p)
			break;
		p++;
	}
	if (wild && labels < 2) {
		cr_err(err, errlen, "%s `%s': a wildcard must cover a domain of two "
		       "labels or more (as in `*.example.com')", field, v);
		return -1;
	}
	return 0;
}

int certrepo_check_email(const char *field, const char *s, char *err,
			 size_t errlen)
{
	char v[300], derr[CERTREPO_ERR_MAX];
	const char *at = strchr(s, '@'), *p;

	cr_show(s, v, sizeof(v));
	if (strlen(s) > 128) {
		cr_err(err, errlen, "%s `%s': too long (max 128 characters)", field, v);
		return -1;
	}
	if (!at || at == s || strchr(at + 1, '@')) {
		cr_err(err, errlen, "%s `%s': not an e-mail address (user@domain)",
		       field, v);
		return -1;
	}
	for (p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[\\]", c)) {
			cr_err(err, errlen, "%s `%s': bad character in the user part",
			       field, v);
			return -1;
		}
	}
	if (certrepo_check_dns_name("domain", at + 1, false, derr, sizeof(derr))) {
		cr_err(err, errlen, "%s `%s': bad domain (%s)", field, v, derr);
		return -1;
	}
	return 0;
}

/* Printable UTF-8 of 1..max bytes: the value of a subject field. */
int cr_check_text(const char *field, const char *s, size_t max, char *err,
		  size_t errlen)
{
	char v[128];
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	cr_show(s, v, sizeof(v));
	if (!len) {
		cr_err(err, errlen, "%s `': empty", field);
		return -1;
	}
	if (len > max) {
		cr_err(err, errlen, "%s `%s': too long (max %zu bytes)", field, v, max);
		return -1;
	}
	while (*p) {
		size_t n, i;

		if (*p < 0x20 || *p == 0x7f) {
			cr_err(err, errlen, "%s `%s': control character", field, v);
			return -1;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3;
		else
			goto bad;
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
		p += n + 1;
	}
	return 0;
bad:
	cr_err(err, errlen, "%s `%s': not valid UTF-8", field, v);
	return -1;
}

static const struct {
	const char *name;
	enum certrepo_key_type type;
} key_types[] = {
	{ "rsa2048", CERTREPO_KEY_RSA2048 },
	{ "rsa3072", CERTREPO_KEY_RSA3072 },
	{ "rsa4096", CERTREPO_KEY_RSA4096 },
	{ "p256", CERTREPO_KEY_P256 },
	{ "p384", CERTREPO_KEY_P384 },
};

int certrepo_parse_key_type(const char *field, const char *s,
			    enum certrepo_key_type *out, char *err,
			    size_t errlen)
{
	char v[128];
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (!strcmp(s, key_types[i].name)) {
			*out = key_types[i].type;
			return 0;
		}
	}
	cr_show(s, v, sizeof(v));
	if (!strncmp(s, "rsa", 3) && s[3] && strspn(s + 3, "0123456789") == strlen(s + 3)) {
		unsigned long bits = strtoul(s + 3, NULL, 10);

		if (bits < CERTREPO_RSA_MIN_BITS)
			cr_err(err, errlen, "%s `%s': RSA keys below %d bits are refused",
			       field, v, CERTREPO_RSA_MIN_BITS);
		else
			cr_err(err, errlen, "%s `%s': unsupported RSA size (rsa2048, "
			       "rsa3072 or rsa4096)", field, v);
		return -1;
	}
	cr_err(err, errlen, "%s `%s': unknown key type (rsa2048, rsa3072, rsa4096, "
	       "p256 or p384)", field, v);
	return -1;
}

const char *certrepo_key_type_name(enum certrepo_key_type t)
{
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (key_types[i].type == t)
			return key_types[i].name;
	return "unknown";
}

static int check_dn(const struct certrepo_dn *dn, bool endpoint, char *err,
		    size_t errlen)
{
	size_t i;

	if (!dn->cn) {
		cr_err(err, errlen, "cn: missing (the common name is required)");
		return -1;
	}
	if (cr_check_text("cn", dn->cn, 64, err, errlen))
		return -1;
	/* A server's CN is a host name; a wildcard must be well formed. */
	if (endpoint && strchr(dn->cn, '*') &&
	    certrepo_check_dns_name("cn", dn->cn, true, err, errlen))
		return -1;
	if (dn->email && certrepo_check_email("email", dn->email, err, errlen))
		return -1;
	if (dn->n_ou > CERTREPO_LIST_MAX || dn->n_dns > CERTREPO_LIST_MAX ||
	    dn->n_email_san > CERTREPO_LIST_MAX) {
		cr_err(err, errlen, "too many values (max %d of each)", CERTREPO_LIST_MAX);
		return -1;
	}
	for (i = 0; i < dn->n_ou; i++)
		if (cr_check_text("ou", dn->ou[i], 64, err, errlen))
			return -1;
	if (dn->o && cr_check_text("o", dn->o, 64, err, errlen))
		return -1;
	if (dn->l && cr_check_text("l", dn->l, 128, err, errlen))
		return -1;
	if (dn->st && cr_check_text("st", dn->st, 128, err, errlen))
		return -1;
	if (dn->c && certrepo_check_country("country", dn->c, err, errlen))
		return -1;
	for (i = 0; i < dn->n_dns; i++)
		if (certrepo_check_dns_name("dns", dn->dns[i], true, err, errlen))
			return -1;
	for (i = 0; i < dn->n_email_san; i++)
		if (certrepo_check_email("email-san", dn->email_san[i], err, errlen))
			return -1;
	return 0;
}

int certrepo_check_gen(const struct certrepo_gen *g, bool request, char *err,
		       size_t errlen)
{
	if (check_dn(&g->dn, request && !g->signing, err, errlen))
		return -1;
	if (g->key > CERTREPO_KEY_P384) {
		cr_err(err, errlen, "key: unknown key type %d", (int)g->key);
		return -1;
	}
	if (!request && g->days > CERTREPO_DAYS_MAX) {
		cr_err(err, errlen, "days `%u': out of range (1..%d)", g->days,
		       CERTREPO_DAYS_MAX);
		return -1;
	}
	return 0;
}

/* Referrers: "policy:office"; printable ASCII and spaces. */
int cr_check_referrer(const char *s, char *err, size_t errlen)
{
	char v[160];
	const char *p;

	cr_show(s, v, sizeof(v));
	if (!*s || strlen(s) > CERTREPO_REFERRER_MAX) {
		cr_err(err, errlen, "referrer `%s': 1..%d bytes", v, CERTREPO_REFERRER_MAX);
		return -1;
	}
	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			cr_err(err, errlen, "referrer `%s': bad character", v);
			return -1;
		}
	}
	return 0;
}
