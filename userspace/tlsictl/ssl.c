// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl ssl-proxy / ssl-policy: SSL proxies (detection ports and the
 * settings of the handshake daemon; client proxies forge certificates for
 * outbound TLS, server proxies serve protected servers' own certificates to
 * inbound TLS) and SSL policies (a profile's use of a proxy, with source
 * exceptions).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert.h"
#include "ciphersel.h"
#include "decrypt.h"
#include "nl.h"
#include "tlsictl.h"

static const char proxy_help[] =
"Usage: tlsictl ssl-proxy add NAME ports LIST [description TEXT] [cert NAME]\n"
"                             [service auto|http|imap|pop3|smtp|other]\n"
"                             [block-invalid] [block-expired] [reset]\n"
"                             [logging] [min-rsa-bits N] [downgrade-http2]\n"
"                             [client-cert block|bypass] [unsupported block|bypass]\n"
"                             [pinned block|bypass] [timeout block|bypass]\n"
"       tlsictl ssl-proxy add NAME role server destination CIDR[,CIDR...]\n"
"                             ports LIST certs NAME[,NAME...]|certs-file FILE\n"
"                             [verify-server] [acme-http01] [the settings above]\n"
"       tlsictl ssl-proxy del NAME\n"
"       tlsictl [-j] ssl-proxy show\n"
"\n"
"An SSL client proxy says which TCP ports carry the TLS that client\n"
"inspection intercepts, and how the handshake daemon treats it. An SSL\n"
"server proxy (role server) does the same for inbound TLS to protected\n"
"servers: the client gets the server's own certificate, from the\n"
"repository, and the handshake daemon re-encrypts to the real server.\n"
"\n"
"Arguments:\n"
"  NAME                 1..128 letters, digits, `_', `-' or spaces\n"
"  ports LIST           detection ports: `443', `443,8443', `8000-8100'\n"
"                       (at most 32 ranges, ports 1..65535)\n"
"  description TEXT     up to 512 characters\n"
"  cert NAME            the signing certificate (certificate repository; it\n"
"                       must be there, and cannot be deleted while named)\n"
"  service S            what the decrypted stream carries: http, imap, pop3\n"
"                       and smtp choose that decoder, other none (raw-stream\n"
"                       rules only), auto (the default) detects it\n"
"  block-invalid        refuse servers whose certificate chain is invalid\n"
"  block-expired        refuse servers whose certificate has expired\n"
"  reset                answer a refused client with a TCP reset\n"
"  logging              write the SSL inspection log\n"
"  min-rsa-bits N       smallest RSA key accepted from servers (1024..16384)\n"
"  downgrade-http2      offer the server and the client http/1.1, not h2\n"
"                       (the guide's option; without it HTTP/2 is kept and\n"
"                       inspected by the engine's HTTP/2 decoder)\n"
"  min-dh-bits N        smallest DH key exchange accepted from servers (0 = any,\n"
"                       1024..16384; default 2048)\n"
"  min-ec-bits N        smallest EC key (key exchange or certificate) accepted\n"
"                       from servers (0 = any, 160..1024; default 224; X25519\n"
"                       counts as 256)\n"
"  min-version V        lowest TLS version, both sides: tls1.0, tls1.1, tls1.2\n"
"                       or tls1.3 (default tls1.2; SSL 3.0 is never offered)\n"
"  max-version V        highest TLS version, both sides (default tls1.3); every\n"
"                       version between the two is on\n"
"  client-ciphers SEL   cipher suites offered to clients (default `default':\n"
"                       ECDHE/DHE with AES-GCM or ChaCha20, and TLS 1.3's)\n"
"  server-ciphers SEL   cipher suites offered to servers (default `default'),\n"
"                       never more than the client itself offered\n"
"                       SEL: comma-separated terms applied in order, `-TERM'\n"
"                       removes: `default', `all', a suite's OpenSSL or IANA\n"
"                       name, or classes CRIT:A[/B][+CRIT:C...] with CRIT kx\n"
"                       (ecdhe dhe rsa), auth (rsa ecdsa), enc (aes128-gcm\n"
"                       aes256-gcm chacha20 aes128-ccm aes256-ccm aria128-gcm\n"
"                       aria256-gcm aes128-cbc aes256-cbc camellia128\n"
"                       camellia256), mac (aead sha1 sha256 sha384)\n"
"  etm on|off           Encrypt-then-MAC for CBC suites (default off)\n"
"\n"
"Server proxies:\n"
"  role client|server   client (default) or server inspection\n"
"  destination LIST     the protected servers: addresses or CIDRs, IPv4 or\n"
"                       IPv6 (at most 64); several proxies may share an\n"
"                       address on different ports\n"
"  certs LIST           the servers' certificates, repository names with\n"
"                       their keys (at most 1000, duplicates dropped): the\n"
"                       one whose names match the client's SNI is served\n"
"                       (exact names, then wildcards), else the first\n"
"  certs-file FILE      the same, one name a line (`-': standard input)\n"
"  verify-server        check the real server's certificate against the\n"
"                       policy's trust store (default: not checked; internal\n"
"                       servers often have private CAs)\n"
"  acme-http01          TCP port 80 of the destinations goes through tlsid,\n"
"                       which answers ACME http-01 challenges of `tlsictl\n"
"                       cert acme' and passes every other request untouched\n"
"  client-ciphers       facing the clients: RSA or ECDSA suites, not both\n"
"                       (the default follows the first certificate's key)\n"
"\n"
"Failure actions (default block: the session is refused; bypass: it passes\n"
"through untouched, as a session not decrypted, `Bypassed' in the log):\n"
"  client-cert          the server asks for a client certificate (mutual\n"
"                       TLS; in TLS 1.3 too, before the client is answered)\n"
"  unsupported          no version or cipher suite in common with the server\n"
"  pinned               the client refuses the forged certificate (alert\n"
"                       unknown_ca, bad_certificate, certificate_unknown, or\n"
"                       a close right after it): that session fails, and with\n"
"                       bypass its server name enters tlsid's pinned-\n"
"                       application cache (`tlsictl pinned-cache'), so the\n"
"                       next sessions to it pass through\n"
"  timeout              the server's handshake does not finish in time\n"
"\n"
"A proxy is deleted only when no policy uses it.\n"
"\n"
"Example:\n"
"  tlsictl ssl-proxy add web ports 443,8443 cert corp-ca block-expired logging\n"
"  tlsictl ssl-proxy add old ports 8443 min-version tls1.0 \\\n"
"          client-ciphers default,kx:ecdhe+enc:aes128-cbc/aes256-cbc+mac:sha1\n";

static const char policy_help[] =
"Usage: tlsictl ssl-policy add NAME profile PROFILE proxy PROXY\n"
"                              [enabled|disabled] [trust-store NAME]\n"
"                              [never-decrypt CIDR[,CIDR...]]\n"
"                              [always-decrypt CIDR[,CIDR...]]\n"
"                              [decrypt-policy NAME] [locked on|off]\n"
"       tlsictl [--unlock] ssl-policy set NAME profile PROFILE\n"
"                              [enabled|disabled]\n"
"                              [trust-store NAME] [never-decrypt LIST]\n"
"                              [always-decrypt LIST] [decrypt-policy NAME|none]\n"
"                              [locked on|off]\n"
"       tlsictl [--unlock] ssl-policy del NAME profile PROFILE\n"
"       tlsictl [-j] ssl-policy show\n"
"\n"
"An SSL client policy makes the segments bound to PROFILE intercept the\n"
"TLS that PROXY detects. The proxies of one profile's policies may not\n"
"share a port. Traffic must have passed every table (bypass, traffic\n"
"management, reputation, quarantine) before it is intercepted; traffic a\n"
"table trusts or bypasses is never intercepted.\n"
"\n"
"Arguments:\n"
"  NAME                 unique in the profile; 1..128 letters, digits, `_',\n"
"                       `-' or spaces\n"
"  enabled|disabled     disabling stops new interceptions; sessions already\n"
"                       intercepted continue (default enabled)\n"
"  trust-store NAME     the CA certificates upstream servers must chain to\n"
"                       (a repository trust store; it must exist, and\n"
"                       cannot be deleted while named)\n"
"  never-decrypt LIST   client sources that are passed through untouched\n"
"                       (at most 64 CIDRs; `none' clears the list)\n"
"  always-decrypt LIST  exceptions to never-decrypt (at most 64 CIDRs)\n"
"  decrypt-policy NAME  the decryption policy (`tlsictl decrypt-policy'): the\n"
"                       server names it lists pass untouched; at most one;\n"
"                       it must exist; `none' removes it\n"
"  locked on|off        a locked policy (`on') cannot be changed or deleted\n"
"                       unless tlsictl runs with --unlock; `off' (the\n"
"                       initial value) unlocks it, which also needs --unlock\n"
"\n"
"Example:\n"
"  tlsictl ssl-policy add outbound profile office proxy web \\\n"
"          never-decrypt 10.1.0.0/16 always-decrypt 10.1.9.9\n";

static const char *const services[] = {
	[TLSI_SSL_SERVICE_HTTP] = "http",
	[TLSI_SSL_SERVICE_IMAP] = "imap",
	[TLSI_SSL_SERVICE_POP3] = "pop3",
	[TLSI_SSL_SERVICE_SMTP] = "smtp",
	[TLSI_SSL_SERVICE_OTHER] = "other",
	[TLSI_SSL_SERVICE_AUTO] = "auto",
};

static const struct {
	const char *kw;
	uint32_t flag;
} ssl_flags[] = {
	{ "block-invalid", TLSI_SSL_F_BLOCK_INVALID },
	{ "block-expired", TLSI_SSL_F_BLOCK_EXPIRED },
	{ "reset", TLSI_SSL_F_RESET },
	{ "logging", TLSI_SSL_F_LOGGING },
	{ "downgrade-http2", TLSI_SSL_F_DOWNGRADE_H2 },
	{ "verify-server", TLSI_SSL_F_VERIFY_SERVER },
	{ "acme-http01", TLSI_SSL_F_ACME_HTTP01 },
};
#define SERVER_FLAGS (TLSI_SSL_F_VERIFY_SERVER | TLSI_SSL_F_ACME_HTTP01)
#define TLS13_SUITES "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256"
#define NFLAGS (sizeof(ssl_flags) / sizeof(ssl_flags[0]))

/* Failure actions: "KEYWORD block|bypass"; the flag set means bypass. */
static const struct {
	const char *kw;
	uint32_t flag;
} fail_actions[] = {
	{ "client-cert", TLSI_SSL_F_BYPASS_CLIENT_CERT },
	{ "unsupported", TLSI_SSL_F_BYPASS_UNSUPPORTED },
	{ "pinned", TLSI_SSL_F_BYPASS_PINNED },
	{ "timeout", TLSI_SSL_F_BYPASS_TIMEOUT },
};
#define NACTIONS (sizeof(fail_actions) / sizeof(fail_actions[0]))

static void parse_cidr_list(const char *k, const char *v, struct tlsi_cidr *out, size_t *n);
static void out_cidr_list(const char *key, const struct nlattr *nest);

/* SSL object names: 1..128 of [A-Za-z0-9_- ]. */
static const char *ssl_name(int argc, char **argv)
{
	const char *s;
	size_t n = 0;

	if (argc < 2)
		usage_error("missing name");
	s = argv[1];
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' && s[n] != '-' && s[n] != ' ')
			usage_error("name `%s': only letters, digits, `_', `-' and spaces", argv[1]);
	if (!n)
		usage_error("name `': empty");
	if (n >= TLSI_SSL_NAME_MAX)
		usage_error("name `%s': too long (max %d characters)", argv[1],
			    TLSI_SSL_NAME_MAX - 1);
	return argv[1];
}

static void text_arg(const char *k, const char *v, size_t max)
{
	if (!*v)
		usage_error("%s `': empty", k);
	if (strlen(v) >= max)
		usage_error("%s `%.40s...': too long (max %zu characters)", k, v, max - 1);
}

struct proxy_args {
	const char *name, *description, *cert;
	struct tlsi_port_range_uapi ports[TLSI_SSL_PORTS_MAX];
	size_t nports;
	bool has_service, has_bits, has_dh, has_ec;
	uint8_t service;
	uint32_t flags, bits, dh_bits, ec_bits;
	int min_version, max_version;
	const char *client_ciphers, *server_ciphers;
	uint8_t role;			/* enum tlsi_ssl_role */
	struct tlsi_cidr dests[TLSI_SSL_DESTS_MAX];
	size_t ndests;
	char *certs;			/* names, each NUL-terminated */
	size_t certs_len, ncerts;
	char default_ciphers[160];	/* a server proxy's, by its key type */
};

static void parse_ports(const char *k, const char *v, struct proxy_args *a)
{
	char err[TLSI_ERR_MAX], *copy = strdup(v), *tok, *save = NULL;
	size_t i;

	if (!copy)
		usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint16_t lo, hi;

		if (a->nports >= TLSI_SSL_PORTS_MAX)
			usage_error("%s `%s': more than %d ranges", k, v, TLSI_SSL_PORTS_MAX);
		check(parse_port_range(k, tok, &lo, &hi, err, sizeof(err)), err);
		if (!lo)
			usage_error("%s `%s': port 0 is not a port", k, tok);
		for (i = 0; i < a->nports; i++)
			if (lo <= a->ports[i].max && a->ports[i].min <= hi)
				usage_error("%s `%s': ranges overlap", k, v);
		a->ports[a->nports].min = lo;
		a->ports[a->nports].max = hi;
		a->nports++;
	}
	free(copy);
	if (!a->nports)
		usage_error("%s `%s': no ports", k, v);
}

static void fill_proxy(struct nlmsghdr *nlh, const void *arg)
{
	const struct proxy_args *a = arg;

	mnl_attr_put_strz(nlh, TLSI_A_NAME, a->name);
	mnl_attr_put(nlh, TLSI_A_PORTS, a->nports * sizeof(a->ports[0]), a->ports);
	if (a->description)
		mnl_attr_put_strz(nlh, TLSI_A_DESCRIPTION, a->description);
	if (a->cert)
		mnl_attr_put_strz(nlh, TLSI_A_CERT, a->cert);
	if (a->has_service)
		mnl_attr_put_u8(nlh, TLSI_A_SERVICE, a->service);
	if (a->flags)
		mnl_attr_put_u32(nlh, TLSI_A_SSL_FLAGS, a->flags);
	if (a->has_bits)
		mnl_attr_put_u16(nlh, TLSI_A_MIN_RSA_BITS, a->bits);
	if (a->has_dh)
		mnl_attr_put_u16(nlh, TLSI_A_MIN_DH_BITS, a->dh_bits);
	if (a->has_ec)
		mnl_attr_put_u16(nlh, TLSI_A_MIN_EC_BITS, a->ec_bits);
	mnl_attr_put_u16(nlh, TLSI_A_MIN_VERSION, a->min_version);
	mnl_attr_put_u16(nlh, TLSI_A_MAX_VERSION, a->max_version);
	mnl_attr_put_strz(nlh, TLSI_A_CLIENT_CIPHERS, a->client_ciphers);
	mnl_attr_put_strz(nlh, TLSI_A_SERVER_CIPHERS, a->server_ciphers);
	if (a->role == TLSI_SSL_ROLE_SERVER) {
		struct nlattr *nest;
		size_t i;

		mnl_attr_put_u8(nlh, TLSI_A_SSL_ROLE, a->role);
		nest = mnl_attr_nest_start(nlh, TLSI_A_DESTINATIONS);
		for (i = 0; i < a->ndests; i++)
			tlsi_nl_put_cidr(nlh, i + 1, &a->dests[i]);
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_put(nlh, TLSI_A_CERT_NAMES, a->certs_len, a->certs);
	}
}

static int parse_version(const char *k, const char *v)
{
	int ver = ciphersel_version(v);

	if (!strcasecmp(v, "ssl3") || !strcasecmp(v, "sslv3") || !strcasecmp(v, "ssl3.0"))
		usage_error("%s `%s': SSL 3.0 is broken (RFC 7568) and never offered; the "
			    "lowest is tls1.0", k, v);
	if (!ver)
		usage_error("%s `%s': must be tls1.0, tls1.1, tls1.2 or tls1.3", k, v);
	return ver;
}

/* A key size minimum: 0 (none) or lo..hi. */
static uint32_t parse_bits(const char *k, const char *v, uint32_t lo, uint32_t hi)
{
	char err[TLSI_ERR_MAX];
	uint32_t bits;

	check(parse_u32(k, v, 0, hi, &bits, err, sizeof(err)), err);
	if (bits && bits < lo)
		usage_error("%s `%s': 0 (no minimum) or %u..%u", k, v, lo, hi);
	return bits;
}

/* A selection must name only known suites and classes, and leave a suite
 * for every version of the proxy's range (tlsi_proxy_ciphers_check). */
static void check_ciphers(const char *k, const char *sel, int min, int max)
{
	char err[TLSI_ERR_MAX];
	struct ciphersel cs;

	if (strlen(sel) >= TLSI_CIPHERS_MAX)
		usage_error("%s `%.40s...': too long (max %d characters)", k, sel,
			    TLSI_CIPHERS_MAX - 1);
	if (ciphersel_parse(k, sel, &cs, err, sizeof(err)) ||
	    ciphersel_covers(k, &cs, min, max, err, sizeof(err)))
		usage_error("%s", err);
}

/*
 * A signing certificate or trust store a proxy or policy names must be in
 * the repository (tlsid would fail each of their sessions with
 * internal_error otherwise): refused, naming it, before anything changes.
 */
static void check_repo_name(const char *k, const char *name, bool store)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r = cert_repo_open();
	struct certrepo_truststore t;
	struct certrepo_info info;
	int bad;

	if (store) {
		bad = certrepo_truststore_get(r, name, &t, err, sizeof(err));
		if (!bad)
			certrepo_truststore_free(&t);
	} else {
		bad = certrepo_get(r, name, &info, err, sizeof(err));
		if (!bad) {
			if (info.kind != CERTREPO_CERT || !info.signing) {
				snprintf(err, sizeof(err), "not a signing certificate with its key "
					 "(it is %s)", info.kind == CERTREPO_CA ?
					 "a CA certificate without a key" :
					 info.kind == CERTREPO_REQUEST ? "a signing request" :
					 "a certificate that is no CA");
				bad = -1;
			}
			certrepo_info_free(&info);
		}
	}
	certrepo_close(r);
	if (bad) {
		errmsg("%s `%s': %s (see tlsictl %s show)", k, name, err,
		       store ? "truststore" : "cert");
		exit(EXIT_ERROR);
	}
}

struct repo_users {
	const char *name;
	bool store;
	char *who;
	size_t len;
};

static int repo_users_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];
	struct repo_users *u = data;
	const struct nlattr *a;

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	a = u->store ? tb[TLSI_A_TRUST_STORE] : tb[TLSI_A_CERT];
	if (!u->store && !u->who[0] && tb[TLSI_A_CERT_NAMES] && tb[TLSI_A_NAME]) {
		const char *p = mnl_attr_get_payload(tb[TLSI_A_CERT_NAMES]);
		size_t len = mnl_attr_get_payload_len(tb[TLSI_A_CERT_NAMES]), off;

		for (off = 0; off < len; off += strnlen(p + off, len - off) + 1) {
			if (!strncmp(p + off, u->name, len - off)) {
				snprintf(u->who, u->len, "SSL server proxy `%s'",
					 mnl_attr_get_str(tb[TLSI_A_NAME]));
				return MNL_CB_OK;
			}
		}
	}
	if (u->who[0] || !a || !tb[TLSI_A_NAME] || strcmp(mnl_attr_get_str(a), u->name))
		return MNL_CB_OK;
	if (u->store)
		snprintf(u->who, u->len, "SSL policy `%s' of profile `%s'",
			 mnl_attr_get_str(tb[TLSI_A_NAME]),
			 tb[TLSI_A_PROFILE] ? mnl_attr_get_str(tb[TLSI_A_PROFILE]) : "?");
	else
		snprintf(u->who, u->len, "SSL proxy `%s'", mnl_attr_get_str(tb[TLSI_A_NAME]));
	return MNL_CB_OK;
}

int ssl_repo_name_users(const char *name, bool store, char *who, size_t len)
{
	struct repo_users u = { .name = name, .store = store, .who = who, .len = len };
	char buf[TLSI_NL_MSGBUF], err[TLSI_ERR_MAX];
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	int rc = 0;

	who[0] = '\0';
	/* No module: no proxy or policy names anything. */
	if (tlsi_nl_open(&nl, err, sizeof(err)) < 0)
		return 0;
	nlh = tlsi_nl_msg(&nl, buf, store ? TLSI_CMD_SSL_POLICY_GET : TLSI_CMD_SSL_PROXY_GET,
			  NLM_F_DUMP);
	if (tlsi_nl_request(&nl, nlh, repo_users_cb, &u) < 0) {
		tlsi_nl_strerror(&nl, err, sizeof(err));
		snprintf(who, len, "(cannot list the SSL %s: %s)", store ? "policies" : "proxies",
			 err);
		rc = -1;
	}
	tlsi_nl_close(&nl);
	return rc < 0 || who[0] ? -1 : 0;
}

/* One certificate name of a server proxy; duplicates are dropped. */
static void cert_list_add(struct proxy_args *a, const char *k, const char *name)
{
	size_t n = strlen(name), off;
	char *grown;

	if (!n)
		usage_error("%s: an empty certificate name", k);
	if (n >= TLSI_CERT_NAME_MAX)
		usage_error("%s `%.40s...': too long (max %d characters)", k, name,
			    TLSI_CERT_NAME_MAX - 1);
	for (off = 0; off < a->certs_len; off += strlen(a->certs + off) + 1)
		if (!strcmp(a->certs + off, name))
			return;
	if (a->ncerts >= TLSI_SSL_SERVER_CERTS_MAX)
		usage_error("%s: more than %d certificates", k, TLSI_SSL_SERVER_CERTS_MAX);
	grown = realloc(a->certs, a->certs_len + n + 1);
	if (!grown)
		usage_error("out of memory");
	a->certs = grown;
	memcpy(a->certs + a->certs_len, name, n + 1);
	a->certs_len += n + 1;
	a->ncerts++;
}

static void parse_cert_list(struct proxy_args *a, const char *k, const char *v)
{
	char *copy = strdup(v), *tok, *save = NULL;

	if (!copy)
		usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		cert_list_add(a, k, tok);
	free(copy);
	if (!a->ncerts)
		usage_error("%s `%s': no certificate names", k, v);
}

/* One name a line; blank lines and `#' comments skipped. */
static void parse_cert_file(struct proxy_args *a, const char *k, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[512];
	unsigned long lineno = 0;

	if (!f) {
		errmsg("%s `%s': %s", k, path, strerror(errno));
		exit(EXIT_ERROR);
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		lineno++;
		if (n && line[n - 1] != '\n' && !feof(f))
			usage_error("%s `%s' line %lu: too long", k, path, lineno);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		cert_list_add(a, k, line);
	}
	if (f != stdin)
		fclose(f);
	if (!a->ncerts)
		usage_error("%s `%s': no certificate names", k, path);
}

/*
 * A server proxy's certificates must be in the repository as certificates
 * with their keys, and not CAs (a signing certificate is a client proxy's).
 * The first one's key type picks the default suites facing the client.
 */
static void check_server_certs(struct proxy_args *a, bool *rsa, bool *ec)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo *r = cert_repo_open();
	size_t off, i = 0;

	*rsa = *ec = false;
	for (off = 0; off < a->certs_len; off += strlen(a->certs + off) + 1, i++) {
		const char *name = a->certs + off;
		struct certrepo_info info;
		int bad = certrepo_get(r, name, &info, err, sizeof(err));

		if (!bad) {
			if (info.kind != CERTREPO_CERT || !info.has_key) {
				snprintf(err, sizeof(err), "not a certificate with its key (it is %s)",
					 info.kind == CERTREPO_CA ? "a CA certificate without a key" :
					 info.kind == CERTREPO_REQUEST ? "a signing request" :
					 "a certificate without a key");
				bad = -1;
			} else if (info.signing) {
				snprintf(err, sizeof(err), "a signing certificate (a CA): a server "
					 "proxy serves the protected servers' own certificates");
				bad = -1;
			} else {
				bool is_rsa = !strncmp(info.key_type, "rsa", 3);

				*rsa |= is_rsa;
				*ec |= !is_rsa;
				/* TLS 1.3 suites count as both: taken back. */
				if (i == 0)
					snprintf(a->default_ciphers, sizeof(a->default_ciphers),
						 "default,-auth:%s,%s", is_rsa ? "ecdsa" : "rsa",
						 TLS13_SUITES);
			}
			certrepo_info_free(&info);
		}
		if (bad) {
			certrepo_close(r);
			errmsg("certs: `%s': %s (see tlsictl cert show)", name, err);
			exit(EXIT_ERROR);
		}
	}
	certrepo_close(r);
}

/*
 * The guide: a server proxy uses RSA or ECDSA suites, not both; and a
 * certificate whose key the TLS 1.2 suites cannot use would fail every
 * TLS 1.2 handshake that picks it.
 */
static void check_server_suites(const struct proxy_args *a, bool rsa_cert, bool ec_cert)
{
	const SSL_CIPHER *rsa = NULL, *ecdsa = NULL;
	char err[TLSI_ERR_MAX];
	struct ciphersel cs;
	unsigned i;

	if (ciphersel_parse("client-ciphers", a->client_ciphers, &cs, err, sizeof(err)))
		usage_error("%s", err);
	for (i = 0; i < cs.n; i++) {
		if (ciphersel_is_tls13(cs.suite[i]))
			continue;
		if (SSL_CIPHER_get_auth_nid(cs.suite[i]) == NID_auth_rsa && !rsa)
			rsa = cs.suite[i];
		if (SSL_CIPHER_get_auth_nid(cs.suite[i]) == NID_auth_ecdsa && !ecdsa)
			ecdsa = cs.suite[i];
	}
	if (rsa && ecdsa)
		usage_error("client-ciphers `%s': a server proxy uses RSA or ECDSA suites, not "
			    "both (%s and %s); add -auth:ecdsa or -auth:rsa", a->client_ciphers,
			    SSL_CIPHER_get_name(rsa), SSL_CIPHER_get_name(ecdsa));
	if (a->min_version >= TLS1_3_VERSION)
		return;
	if (rsa_cert && ecdsa && !rsa)
		usage_error("certs: an RSA certificate, but the TLS 1.2 suites facing the client "
			    "are ECDSA's (client-ciphers `%s')", a->client_ciphers);
	if (ec_cert && rsa && !ecdsa)
		usage_error("certs: an ECDSA certificate, but the TLS 1.2 suites facing the "
			    "client are RSA's (client-ciphers `%s')", a->client_ciphers);
}

/* A proxy with 1000 certificate names outgrows the usual request buffer. */
static int proxy_new_request(const struct proxy_args *a)
{
	size_t len = TLSI_NL_MSGBUF + a->certs_len + 1024;
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	char *buf = calloc(1, len);
	int rc;

	if (!buf)
		usage_error("out of memory");
	ctl_open(&nl);
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_SSL_PROXY_NEW, 0);
	fill_proxy(nlh, a);
	rc = ctl_request(&nl, nlh, NULL, NULL);
	tlsi_nl_close(&nl);
	free(buf);
	return rc;
}

static int proxy_add(int argc, char **argv)
{
	struct proxy_args a = { 0 };
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	size_t j, f;
	int i;

	a.name = ssl_name(argc, argv);
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		for (j = 0; j < NFLAGS; j++)
			if (!strcmp(k, ssl_flags[j].kw))
				break;
		for (f = 0; f < NACTIONS; f++)
			if (!strcmp(k, fail_actions[f].kw))
				break;
		if (j < NFLAGS) {
			kw_once(&seen, 1UL << (10 + j), k);
			a.flags |= ssl_flags[j].flag;
		} else if (f < NACTIONS) {
			kw_once(&seen, 1UL << (20 + f), k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "bypass"))
				a.flags |= fail_actions[f].flag;
			else if (strcmp(v, "block"))
				usage_error("%s `%s': must be block or bypass", k, v);
		} else if (!strcmp(k, "ports")) {
			kw_once(&seen, 1 << 0, k);
			parse_ports(k, kw_value(argc, argv, &i), &a);
		} else if (!strcmp(k, "description")) {
			kw_once(&seen, 1 << 1, k);
			a.description = kw_value(argc, argv, &i);
			text_arg(k, a.description, TLSI_DESCRIPTION_MAX);
		} else if (!strcmp(k, "cert")) {
			kw_once(&seen, 1 << 2, k);
			a.cert = kw_value(argc, argv, &i);
			text_arg(k, a.cert, TLSI_CERT_NAME_MAX);
		} else if (!strcmp(k, "service")) {
			kw_once(&seen, 1 << 3, k);
			v = kw_value(argc, argv, &i);
			for (j = 0; j < sizeof(services) / sizeof(services[0]); j++)
				if (!strcmp(v, services[j]))
					break;
			if (j == sizeof(services) / sizeof(services[0]))
				usage_error("service `%s': must be auto, http, imap, pop3, smtp or other", v);
			a.service = j;
			a.has_service = true;
		} else if (!strcmp(k, "min-rsa-bits")) {
			kw_once(&seen, 1 << 4, k);
			check(parse_u32(k, kw_value(argc, argv, &i), 1024, 16384, &a.bits,
					err, sizeof(err)), err);
			a.has_bits = true;
		} else if (!strcmp(k, "min-dh-bits")) {
			kw_once(&seen, 1 << 5, k);
			a.dh_bits = parse_bits(k, kw_value(argc, argv, &i), 1024, 16384);
			a.has_dh = true;
		} else if (!strcmp(k, "min-ec-bits")) {
			kw_once(&seen, 1 << 6, k);
			a.ec_bits = parse_bits(k, kw_value(argc, argv, &i), 160, 1024);
			a.has_ec = true;
		} else if (!strcmp(k, "min-version")) {
			kw_once(&seen, 1 << 7, k);
			a.min_version = parse_version(k, kw_value(argc, argv, &i));
		} else if (!strcmp(k, "max-version")) {
			kw_once(&seen, 1 << 8, k);
			a.max_version = parse_version(k, kw_value(argc, argv, &i));
		} else if (!strcmp(k, "client-ciphers")) {
			kw_once(&seen, 1 << 9, k);
			a.client_ciphers = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "server-ciphers")) {
			kw_once(&seen, 1UL << 30, k);
			a.server_ciphers = kw_value(argc, argv, &i);
		} else if (!strcmp(k, "role")) {
			kw_once(&seen, 1UL << 24, k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "server"))
				a.role = TLSI_SSL_ROLE_SERVER;
			else if (strcmp(v, "client"))
				usage_error("role `%s': must be client or server", v);
		} else if (!strcmp(k, "destination")) {
			kw_once(&seen, 1UL << 25, k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "none"))
				usage_error("destination `none': a server proxy needs destinations");
			parse_cidr_list(k, v, a.dests, &a.ndests);
		} else if (!strcmp(k, "certs") || !strcmp(k, "certs-file")) {
			kw_once(&seen, 1UL << 26, "certs");
			v = kw_value(argc, argv, &i);
			if (!strcmp(k, "certs"))
				parse_cert_list(&a, k, v);
			else
				parse_cert_file(&a, k, v);
		} else if (!strcmp(k, "etm")) {
			kw_once(&seen, 1UL << 31, k);
			v = kw_value(argc, argv, &i);
			if (!strcmp(v, "on"))
				a.flags |= TLSI_SSL_F_ETM;
			else if (strcmp(v, "off"))
				usage_error("%s `%s': must be on or off", k, v);
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (!a.nports)
		usage_error("missing `ports LIST'");
	if (!a.min_version)
		a.min_version = TLS1_2_VERSION;
	if (!a.max_version)
		a.max_version = TLS1_3_VERSION;
	if (a.min_version > a.max_version)
		usage_error("min-version %s is above max-version %s",
			    ciphersel_version_name(a.min_version),
			    ciphersel_version_name(a.max_version));
	if (a.role == TLSI_SSL_ROLE_SERVER) {
		bool rsa, ec;
		int rc;

		if (a.cert)
			usage_error("cert: a server proxy has no signing certificate; it serves "
				    "`certs'");
		if (!a.ndests)
			usage_error("missing `destination LIST' (a server proxy's servers)");
		if (!a.ncerts)
			usage_error("missing `certs LIST' (a server proxy's certificates)");
		check_server_certs(&a, &rsa, &ec);
		if (!a.client_ciphers)
			a.client_ciphers = a.default_ciphers;
		if (!a.server_ciphers)
			a.server_ciphers = TLSI_CIPHERS_DEFAULT;
		check_ciphers("client-ciphers", a.client_ciphers, a.min_version, a.max_version);
		check_ciphers("server-ciphers", a.server_ciphers, a.min_version, a.max_version);
		check_server_suites(&a, rsa, ec);
		rc = proxy_new_request(&a);
		free(a.certs);
		return rc;
	}
	if (a.ndests || a.ncerts || (a.flags & SERVER_FLAGS))
		usage_error("destination, certs, verify-server and acme-http01 are settings of "
			    "server proxies (role server)");
	if (!a.client_ciphers)
		a.client_ciphers = TLSI_CIPHERS_DEFAULT;
	if (!a.server_ciphers)
		a.server_ciphers = TLSI_CIPHERS_DEFAULT;
	check_ciphers("client-ciphers", a.client_ciphers, a.min_version, a.max_version);
	check_ciphers("server-ciphers", a.server_ciphers, a.min_version, a.max_version);
	if (a.cert)
		check_repo_name("cert", a.cert, false);
	return ctl_simple(TLSI_CMD_SSL_PROXY_NEW, fill_proxy, &a);
}

static void fill_name(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, TLSI_A_NAME, arg);
}

static int proxy_del(int argc, char **argv)
{
	const char *name = ssl_name(argc, argv);

	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	return ctl_simple(TLSI_CMD_SSL_PROXY_DEL, fill_name, name);
}

static void out_ports(const struct nlattr *a)
{
	const struct tlsi_port_range_uapi *r = mnl_attr_get_payload(a);
	size_t n = mnl_attr_get_payload_len(a) / sizeof(*r), i, len = 0;
	char buf[32 * 12 + 1] = "";

	for (i = 0; i < n && len < sizeof(buf) - 12; i++) {
		if (r[i].min == r[i].max)
			len += snprintf(buf + len, sizeof(buf) - len, "%s%u", i ? "," : "", r[i].min);
		else
			len += snprintf(buf + len, sizeof(buf) - len, "%s%u-%u", i ? "," : "",
					r[i].min, r[i].max);
	}
	out_str("ports", buf);
}

static void out_version(const char *key, uint16_t v)
{
	const char *name = ciphersel_version_name(v);

	if (name)
		out_str(key, name);
	else
		out_u64(key, v);
}

/* A server proxy's certificate names, comma-joined. */
static void out_cert_names(const char *names, size_t len)
{
	char *buf = malloc(len + 1);
	size_t i;

	if (!buf)
		usage_error("out of memory");
	for (i = 0; i < len; i++)
		buf[i] = names[i] ? names[i] : ',';
	buf[len ? len - 1 : 0] = '\0';
	out_str("certs", buf);
	free(buf);
}

static void print_proxy_certs(const struct nlattr **tb, const char *certs, size_t certs_len)
{
	uint32_t flags = tb[TLSI_A_SSL_FLAGS] ? mnl_attr_get_u32(tb[TLSI_A_SSL_FLAGS]) : 0;
	bool server = tb[TLSI_A_SSL_ROLE] &&
		      mnl_attr_get_u8(tb[TLSI_A_SSL_ROLE]) == TLSI_SSL_ROLE_SERVER;
	size_t j;

	out_obj_begin();
	if (tb[TLSI_A_NAME])
		out_name("name", mnl_attr_get_str(tb[TLSI_A_NAME]));
	if (server) {
		out_str("role", "server");
		if (tb[TLSI_A_DESTINATIONS])
			out_cidr_list("destination", tb[TLSI_A_DESTINATIONS]);
		if (certs_len)
			out_cert_names(certs, certs_len);
	}
	if (tb[TLSI_A_PORTS])
		out_ports(tb[TLSI_A_PORTS]);
	if (tb[TLSI_A_CERT])
		out_str("cert", mnl_attr_get_str(tb[TLSI_A_CERT]));
	if (tb[TLSI_A_SERVICE]) {
		uint8_t sv = mnl_attr_get_u8(tb[TLSI_A_SERVICE]);

		out_str("service", sv <= TLSI_SSL_SERVICE_MAX ? services[sv] : "unknown");
	}
	for (j = 0; j < NFLAGS; j++)
		if (server || !(ssl_flags[j].flag & SERVER_FLAGS))
			out_flag(ssl_flags[j].kw, flags & ssl_flags[j].flag);
	for (j = 0; j < NACTIONS; j++)
		out_str(fail_actions[j].kw, flags & fail_actions[j].flag ? "bypass" : "block");
	if (tb[TLSI_A_MIN_RSA_BITS] && mnl_attr_get_u16(tb[TLSI_A_MIN_RSA_BITS]))
		out_u64("min-rsa-bits", mnl_attr_get_u16(tb[TLSI_A_MIN_RSA_BITS]));
	if (tb[TLSI_A_MIN_DH_BITS])
		out_u64("min-dh-bits", mnl_attr_get_u16(tb[TLSI_A_MIN_DH_BITS]));
	if (tb[TLSI_A_MIN_EC_BITS])
		out_u64("min-ec-bits", mnl_attr_get_u16(tb[TLSI_A_MIN_EC_BITS]));
	if (tb[TLSI_A_MIN_VERSION])
		out_version("min-version", mnl_attr_get_u16(tb[TLSI_A_MIN_VERSION]));
	if (tb[TLSI_A_MAX_VERSION])
		out_version("max-version", mnl_attr_get_u16(tb[TLSI_A_MAX_VERSION]));
	if (tb[TLSI_A_CLIENT_CIPHERS])
		out_str("client-ciphers", mnl_attr_get_str(tb[TLSI_A_CLIENT_CIPHERS]));
	if (tb[TLSI_A_SERVER_CIPHERS])
		out_str("server-ciphers", mnl_attr_get_str(tb[TLSI_A_SERVER_CIPHERS]));
	out_str("etm", flags & TLSI_SSL_F_ETM ? "on" : "off");
	if (tb[TLSI_A_DESCRIPTION])
		out_str("description", mnl_attr_get_str(tb[TLSI_A_DESCRIPTION]));
	if (tb[TLSI_A_REFCNT])
		out_stat("policies", mnl_attr_get_u32(tb[TLSI_A_REFCNT]));
	if (tb[TLSI_A_ID])
		out_stat("id", mnl_attr_get_u32(tb[TLSI_A_ID]));
	out_obj_end();
}

/*
 * The dump: a server proxy's certificate names may come in several
 * messages with the same NAME, to be appended. Each proxy's first message
 * is kept with the names so far; it is printed when the next proxy starts.
 */
struct proxy_dump {
	struct nlmsghdr *first;
	char *certs;
	size_t certs_len;
};

static void proxy_dump_flush(struct proxy_dump *d)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];

	if (!d->first)
		return;
	if (tlsi_nl_parse(d->first, tb) >= 0)
		print_proxy_certs(tb, d->certs, d->certs_len);
	free(d->first);
	free(d->certs);
	memset(d, 0, sizeof(*d));
}

static int proxy_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1], *prev[TLSI_A_MAX + 1];
	struct proxy_dump *d = data;
	const struct nlattr *names;

	if (tlsi_nl_parse(nlh, tb) < 0 || !tb[TLSI_A_NAME])
		return MNL_CB_ERROR;
	names = tb[TLSI_A_CERT_NAMES];
	if (!d->first || tlsi_nl_parse(d->first, prev) < 0 || !prev[TLSI_A_NAME] ||
	    strcmp(mnl_attr_get_str(prev[TLSI_A_NAME]), mnl_attr_get_str(tb[TLSI_A_NAME]))) {
		proxy_dump_flush(d);
		d->first = malloc(nlh->nlmsg_len);
		if (!d->first)
			return MNL_CB_ERROR;
		memcpy(d->first, nlh, nlh->nlmsg_len);
	}
	if (names && tlsi_nl_append_payload(&d->certs, &d->certs_len, names) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int proxy_dump(void)
{
	char buf[TLSI_NL_MSGBUF];
	struct proxy_dump d = { 0 };
	struct tlsi_nl nl;
	int rc;

	ctl_open(&nl);
	out_list_begin();
	rc = ctl_request(&nl, tlsi_nl_msg(&nl, buf, TLSI_CMD_SSL_PROXY_GET, NLM_F_DUMP),
			 proxy_dump_cb, &d);
	proxy_dump_flush(&d);
	out_list_end();
	tlsi_nl_close(&nl);
	return rc;
}

static int proxy_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return proxy_dump();
}

struct policy_args {
	const char *name, *profile, *proxy, *trust, *decrypt;
	bool has_enabled, has_never, has_always, has_locked;
	bool unlock;			/* set, del: TLSI_A_UNLOCK with --unlock */
	uint8_t enabled, locked;
	struct tlsi_cidr never[TLSI_SSL_CIDRS_MAX], always[TLSI_SSL_CIDRS_MAX];
	size_t nnever, nalways;
};

static void parse_cidr_list(const char *k, const char *v, struct tlsi_cidr *out, size_t *n)
{
	char err[TLSI_ERR_MAX], *copy, *tok, *save = NULL;

	*n = 0;
	if (!strcmp(v, "none"))
		return;
	copy = strdup(v);
	if (!copy)
		usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n >= TLSI_SSL_CIDRS_MAX)
			usage_error("%s: more than %d addresses", k, TLSI_SSL_CIDRS_MAX);
		check(parse_cidr(k, tok, &out[*n], err, sizeof(err)), err);
		(*n)++;
	}
	free(copy);
	if (!*n)
		usage_error("%s `%s': no addresses", k, v);
}

static void put_cidr_list(struct nlmsghdr *nlh, uint16_t type, const struct tlsi_cidr *l,
			  size_t n)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	size_t i;

	for (i = 0; i < n; i++)
		tlsi_nl_put_cidr(nlh, i + 1, &l[i]);
	mnl_attr_nest_end(nlh, nest);
}

static void fill_policy(struct nlmsghdr *nlh, const void *arg)
{
	const struct policy_args *a = arg;

	mnl_attr_put_strz(nlh, TLSI_A_NAME, a->name);
	mnl_attr_put_strz(nlh, TLSI_A_PROFILE, a->profile);
	if (a->proxy)
		mnl_attr_put_strz(nlh, TLSI_A_PROXY, a->proxy);
	if (a->has_enabled)
		mnl_attr_put_u8(nlh, TLSI_A_ENABLED, a->enabled);
	if (a->trust)
		mnl_attr_put_strz(nlh, TLSI_A_TRUST_STORE, a->trust);
	if (a->decrypt)
		mnl_attr_put_strz(nlh, TLSI_A_DECRYPT_POLICY, a->decrypt);
	if (a->has_never)
		put_cidr_list(nlh, TLSI_A_NEVER_DECRYPT, a->never, a->nnever);
	if (a->has_always)
		put_cidr_list(nlh, TLSI_A_ALWAYS_DECRYPT, a->always, a->nalways);
	if (a->has_locked)
		mnl_attr_put_u8(nlh, TLSI_A_LOCKED, a->locked);
	if (a->unlock)
		mnl_attr_put_u8(nlh, TLSI_A_UNLOCK, 1);
}

static void parse_policy(int argc, char **argv, struct policy_args *a, bool add)
{
	char err[TLSI_ERR_MAX];
	unsigned long seen = 0;
	int i;

	a->name = ssl_name(argc, argv);
	for (i = 2; i < argc; i++) {
		const char *k = argv[i];

		if (!strcmp(k, "profile")) {
			kw_once(&seen, 1 << 0, k);
			a->profile = kw_value(argc, argv, &i);
			check(parse_name(k, a->profile, err, sizeof(err)), err);
		} else if (!strcmp(k, "proxy") && add) {
			kw_once(&seen, 1 << 1, k);
			a->proxy = kw_value(argc, argv, &i);
			text_arg(k, a->proxy, TLSI_SSL_NAME_MAX);
		} else if (!strcmp(k, "enabled") || !strcmp(k, "disabled")) {
			kw_once(&seen, 1 << 2, "enabled/disabled");
			a->enabled = !strcmp(k, "enabled");
			a->has_enabled = true;
		} else if (!strcmp(k, "trust-store")) {
			kw_once(&seen, 1 << 3, k);
			a->trust = kw_value(argc, argv, &i);
			text_arg(k, a->trust, TLSI_CERT_NAME_MAX);
		} else if (!strcmp(k, "decrypt-policy")) {
			kw_once(&seen, 1 << 6, k);
			a->decrypt = kw_value(argc, argv, &i);
			if (!strcmp(a->decrypt, "none")) {
				a->decrypt = "";
			} else {
				check(decrypt_name_check(a->decrypt, err, sizeof(err)), err);
				/* A name tlsid could not find would bypass
				 * every session of the policy: refused. */
				if (!decrypt_policy_exists(decrypt_dir(), a->decrypt)) {
					errmsg("decrypt-policy `%s': no such decryption policy "
					       "(tlsictl decrypt-policy add)", a->decrypt);
					exit(EXIT_ERROR);
				}
			}
		} else if (!strcmp(k, "never-decrypt")) {
			kw_once(&seen, 1 << 4, k);
			parse_cidr_list(k, kw_value(argc, argv, &i), a->never, &a->nnever);
			a->has_never = true;
		} else if (!strcmp(k, "always-decrypt")) {
			kw_once(&seen, 1 << 5, k);
			parse_cidr_list(k, kw_value(argc, argv, &i), a->always, &a->nalways);
			a->has_always = true;
		} else if (!strcmp(k, "locked")) {
			kw_once(&seen, 1 << 7, k);
			a->locked = on_off_value(k, kw_value(argc, argv, &i));
			a->has_locked = true;
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (!a->profile)
		usage_error("missing `profile PROFILE'");
	if (add && !a->proxy)
		usage_error("missing `proxy PROXY'");
	if (a->trust && *a->trust)
		check_repo_name("trust-store", a->trust, true);
}

static int policy_add(int argc, char **argv)
{
	struct policy_args a = { 0 };

	parse_policy(argc, argv, &a, true);
	return ctl_simple(TLSI_CMD_SSL_POLICY_NEW, fill_policy, &a);
}

static int policy_set(int argc, char **argv)
{
	struct policy_args a = { 0 };

	parse_policy(argc, argv, &a, false);
	if (!a.has_enabled && !a.trust && !a.has_never && !a.has_always && !a.decrypt &&
	    !a.has_locked)
		usage_error("nothing to set");
	a.unlock = opt_unlock;
	return ctl_simple(TLSI_CMD_SSL_POLICY_SET, fill_policy, &a);
}

static int policy_del(int argc, char **argv)
{
	struct policy_args a = { 0 };

	parse_policy(argc, argv, &a, false);
	if (a.has_enabled || a.trust || a.has_never || a.has_always || a.decrypt ||
	    a.has_locked)
		usage_error("del takes only NAME profile PROFILE");
	a.unlock = opt_unlock;
	return ctl_simple(TLSI_CMD_SSL_POLICY_DEL, fill_policy, &a);
}

static void out_cidr_list(const char *key, const struct nlattr *nest)
{
	const struct nlattr *a;
	char buf[TLSI_SSL_CIDRS_MAX * TLSI_CIDR_STR_MAX + 1] = "", one[TLSI_CIDR_STR_MAX];
	size_t len = 0;

	mnl_attr_for_each_nested(a, nest) {
		struct tlsi_cidr c;

		if (tlsi_nl_get_cidr(a, &c) < 0)
			continue;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "",
				format_cidr(&c, one));
		if (len >= sizeof(buf))
			break;
	}
	out_str(key, buf);
}

static void print_policy(const struct nlattr **tb)
{
	out_obj_begin();
	if (tb[TLSI_A_NAME])
		out_name("name", mnl_attr_get_str(tb[TLSI_A_NAME]));
	if (tb[TLSI_A_PROFILE])
		out_str("profile", mnl_attr_get_str(tb[TLSI_A_PROFILE]));
	if (tb[TLSI_A_PROXY])
		out_str("proxy", mnl_attr_get_str(tb[TLSI_A_PROXY]));
	if (tb[TLSI_A_ENABLED] && out_saving)
		out_flag(mnl_attr_get_u8(tb[TLSI_A_ENABLED]) ? "enabled" : "disabled", true);
	else if (tb[TLSI_A_ENABLED])
		out_str("state", mnl_attr_get_u8(tb[TLSI_A_ENABLED]) ? "enabled" : "disabled");
	if (tb[TLSI_A_TRUST_STORE])
		out_str("trust-store", mnl_attr_get_str(tb[TLSI_A_TRUST_STORE]));
	if (tb[TLSI_A_DECRYPT_POLICY])
		out_str("decrypt-policy", mnl_attr_get_str(tb[TLSI_A_DECRYPT_POLICY]));
	if (tb[TLSI_A_NEVER_DECRYPT])
		out_cidr_list("never-decrypt", tb[TLSI_A_NEVER_DECRYPT]);
	if (tb[TLSI_A_ALWAYS_DECRYPT])
		out_cidr_list("always-decrypt", tb[TLSI_A_ALWAYS_DECRYPT]);
	out_locked(tb[TLSI_A_LOCKED]);
	if (tb[TLSI_A_ID])
		out_stat("id", mnl_attr_get_u32(tb[TLSI_A_ID]));
	out_obj_end();
}

static int policy_show(int argc, char **argv)
{
	if (argc > 1)
		usage_error("unexpected argument `%s'", argv[1]);
	return ctl_dump(TLSI_CMD_SSL_POLICY_GET, print_policy);
}

/* tlsictl save: SSL proxies and policies as `ssl-proxy add', `ssl-policy add'. */
int ssl_proxy_save(void)
{
	int rc;

	out_save_begin("ssl-proxy add");
	rc = proxy_dump();
	out_save_end();
	return rc;
}

int ssl_policy_save(void)
{
	int rc;

	out_save_begin("ssl-policy add");
	rc = ctl_dump(TLSI_CMD_SSL_POLICY_GET, print_policy);
	out_save_end();
	return rc;
}

static const struct command proxy_cmds[] = {
	{ "add", proxy_add, NULL },
	{ "del", proxy_del, NULL },
	{ "show", proxy_show, NULL },
	{ "list", proxy_show, NULL },
	{ NULL, NULL, NULL }
};

static const struct command policy_cmds[] = {
	{ "add", policy_add, NULL },
	{ "set", policy_set, NULL },
	{ "del", policy_del, NULL },
	{ "show", policy_show, NULL },
	{ "list", policy_show, NULL },
	{ NULL, NULL, NULL }
};

int ssl_proxy_main(int argc, char **argv)
{
	return dispatch(argc, argv, proxy_cmds, proxy_help);
}

int ssl_policy_main(int argc, char **argv)
{
	return dispatch(argc, argv, policy_cmds, policy_help);
}
