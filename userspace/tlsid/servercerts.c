// SPDX-License-Identifier: GPL-2.0
/*
 * The server's certificates as the IPS rules see them: tls.cert_subject,
 * tls.cert_issuer and tls.cert_serial (the leaf's, printed as Suricata
 * prints them) and tls.certs (each certificate's DER, leaf first). Built
 * once per session from the upstream handshake, for the kernel (records
 * passed with the hand-off) and for the userspace relay's engine.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlsid.h"

/* "C=US, O=Example, CN=site.test": Suricata's form (no escaping, no
 * spaces around '='), truncated to TLSI_CERT_TEXT_MAX. */
static size_t name_text(const X509_NAME *name, char *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!b)
		return 0;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
			       ASN1_STRFLGS_UTF8_CONVERT) < 0) {
		BIO_free(b);
		return 0;
	}
	n = BIO_get_mem_data(b, &p);
	if (n > TLSI_CERT_TEXT_MAX)
		n = TLSI_CERT_TEXT_MAX;
	if (n > 0)
		memcpy(out, p, (size_t)n);
	BIO_free(b);
	return n > 0 ? (size_t)n : 0;
}

/* "0C:1F:A2": the serial's bytes in upper-case hex, as Suricata shows it. */
static size_t serial_text(const ASN1_INTEGER *serial, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char bytes[TLSI_CERT_TEXT_MAX / 3];
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	int n, i;
	size_t len = 0;

	if (!bn)
		return 0;
	n = BN_num_bytes(bn);
	if (n > (int)sizeof(bytes) || n < 0) {
		BN_free(bn);
		return 0;
	}
	n = BN_bn2bin(bn, bytes);
	BN_free(bn);
	if (n == 0)
		bytes[n++] = 0;
	for (i = 0; i < n; i++) {
		if (i)
			out[len++] = ':';
		out[len++] = hex[bytes[i] >> 4];
		out[len++] = hex[bytes[i] & 15];
	}
	return len;
}

static int add_rec(struct tlsid_server_certs *c, uint16_t type, const void *val,
		   size_t len)
{
	struct tlsi_cert_rec rec = { .type = type, .len = (uint32_t)len };

	if (!len || c->blob_len + sizeof(rec) + len > TLSI_CERTS_MAX)
		return -1;
	memcpy(c->blob + c->blob_len, &rec, sizeof(rec));
	memcpy(c->blob + c->blob_len + sizeof(rec), val, len);
	c->blob_len += sizeof(rec) + len;
	return 0;
}

int tlsid_server_certs_get(SSL *up, struct tlsid_server_certs *c)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(up);
	X509 *leaf = SSL_get0_peer_certificate(up);
	int i, n;

	memset(c, 0, sizeof(*c));
	if (!leaf)
		return -1;
	c->blob = malloc(TLSI_CERTS_MAX);
	if (!c->blob)
		return -1;
	c->subject_len = name_text(X509_get_subject_name(leaf), c->subject);
	c->issuer_len = name_text(X509_get_issuer_name(leaf), c->issuer);
	c->serial_len = serial_text(X509_get0_serialNumber(leaf), c->serial);
	if (c->subject_len)
		add_rec(c, TLSI_CERT_REC_SUBJECT, c->subject, c->subject_len);
	if (c->issuer_len)
		add_rec(c, TLSI_CERT_REC_ISSUER, c->issuer, c->issuer_len);
	if (c->serial_len)
		add_rec(c, TLSI_CERT_REC_SERIAL, c->serial, c->serial_len);
	/* The client side's chain starts with the leaf. Certificates that do
	 * not fit what the kernel takes are left out (the leaf first). */
	n = chain ? sk_X509_num(chain) : 0;
	for (i = 0; i < n && c->nder < TLSI_CERTS_CHAIN_MAX; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(chain, i), &der);

		if (len <= 0)
			continue;
		if (add_rec(c, TLSI_CERT_REC_DER, der, (size_t)len)) {
			OPENSSL_free(der);
			break;
		}
		c->der[c->nder] = c->blob + c->blob_len - (size_t)len;
		c->der_len[c->nder++] = (uint32_t)len;
		OPENSSL_free(der);
	}
	return 0;
}

void tlsid_server_certs_free(struct tlsid_server_certs *c)
{
	free(c->blob);
	memset(c, 0, sizeof(*c));
}
