// SPDX-License-Identifier: GPL-2.0
/*
 * What tlsid offers the server, as the client (the upstream side): never
 * weaker than what the client itself offered. The versions are the
 * client's range (supported_versions: its lowest and highest; without the
 * extension, up to legacy_version) within tlsid's own, and the cipher
 * suites are those of tlsid's list the client offered too. A server that
 * would pick below the client's floor then fails the handshake (OpenSSL
 * refuses a version or suite it did not offer): the proxy's `unsupported'
 * action blocks or bypasses it. A client that offers nothing tlsid would
 * offer is refused (or bypassed) before the server hears of it.
 * A client's TLS_FALLBACK_SCSV is passed on.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "tlsid.h"

#define TLS_FALLBACK_SCSV_ID	0x5600

static const char *version_name(int v)
{
	switch (v) {
	case TLS1_VERSION:
		return "TLS 1.0";
	case TLS1_1_VERSION:
		return "TLS 1.1";
	case TLS1_2_VERSION:
		return "TLS 1.2";
	case TLS1_3_VERSION:
		return "TLS 1.3";
	default:
		return "?";
	}
}

static void append(char *list, size_t size, size_t *n, const char *name)
{
	size_t len = strlen(list);

	if (len + strlen(name) + 2 > size)
		return;		/* never with OpenSSL's names: a few dozen */
	snprintf(list + len, size - len, "%s%s", len ? ":" : "", name);
	(*n)++;
}

static bool valid_version(int v)
{
	return v >= TLS1_VERSION && v <= TLS1_3_VERSION;
}

int tlsid_upstream_offer(const struct tlsid_session *s, SSL *up, char *why, size_t len)
{
	int lo = tlsid_ch_min_version(&s->ch), hi = tlsid_ch_max_version(&s->ch);
	int min = SSL_get_min_proto_version(up), max = SSL_get_max_proto_version(up);
	STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(up);
	char l12[4096] = "", l13[512] = "";
	size_t n12 = 0, n13 = 0;
	int i;

	if (!min)
		min = TLS1_VERSION;
	if (!max)
		max = TLS1_3_VERSION;
	if (valid_version(lo) && lo > min)
		min = lo;
	if (valid_version(hi) && hi < max)
		max = hi;
	for (i = 0; sk && i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);

		if (!tlsid_ch_offers_cipher(&s->ch, SSL_CIPHER_get_protocol_id(c)))
			continue;
		/* TLS 1.3 suites are 0x13XX (RFC 8446 B.4). */
		if (SSL_CIPHER_get_protocol_id(c) >> 8 == 0x13)
			append(l13, sizeof(l13), &n13, SSL_CIPHER_get_name(c));
		else
			append(l12, sizeof(l12), &n12, SSL_CIPHER_get_name(c));
	}
	/* A version without a suite of its own is not offered. */
	if (!n13 && max >= TLS1_3_VERSION)
		max = TLS1_2_VERSION;
	if (!n12 && min < TLS1_3_VERSION)
		min = TLS1_3_VERSION;
	if (min > max || (!n12 && !n13)) {
		snprintf(why, len, "the client offers no version and cipher suite tlsid would offer "
			 "the server (client: %s to %s, %u suites)",
			 valid_version(lo) ? version_name(lo) : "any",
			 valid_version(hi) ? version_name(hi) : "?", s->ch.n_ciphers);
		return -1;
	}
	if (!SSL_set_min_proto_version(up, min) || !SSL_set_max_proto_version(up, max) ||
	    (n12 && !SSL_set_cipher_list(up, l12)) || (n13 && !SSL_set_ciphersuites(up, l13))) {
		snprintf(why, len, "internal error setting the upstream offer");
		return -1;
	}
	if (tlsid_ch_offers_cipher(&s->ch, TLS_FALLBACK_SCSV_ID))
		SSL_set_mode(up, SSL_MODE_SEND_FALLBACK_SCSV);
	return 0;
}
