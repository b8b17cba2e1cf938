/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cipher suite selections of SSL proxies (`client-ciphers', `server-ciphers'),
 * shared by tlsictl (which checks them) and tlsid (which applies them).
 *
 * A selection is a comma-separated list of terms, applied left to right to
 * an empty set; a term starting with `-' removes what it names instead:
 *
 *   default          the forward-secret AEAD suites: ECDHE or DHE with
 *                    AES-GCM or ChaCha20-Poly1305, and TLS 1.3's
 *                    TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 *                    TLS_CHACHA20_POLY1305_SHA256
 *   all              every suite tlsid supports (no anonymous, NULL, PSK,
 *                    SRP or DSS suites)
 *   NAME             one suite, by its OpenSSL name (ECDHE-RSA-AES128-GCM-
 *                    SHA256, TLS_AES_256_GCM_SHA384) or its IANA name
 *                    (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
 *   CRIT:V[/V...][+CRIT:V[/V...]...]
 *                    the suites matching every criterion (the guide's
 *                    classes); within one criterion, any of its values:
 *                      kx    ecdhe dhe rsa   (TLS 1.3 suites: ecdhe, dhe)
 *                      auth  rsa ecdsa       (TLS 1.3 suites: both)
 *                      enc   aes128-gcm aes256-gcm chacha20 aes128-ccm
 *                            aes256-ccm aria128-gcm aria256-gcm aes128-cbc
 *                            aes256-cbc camellia128 camellia256
 *                      mac   aead sha1 sha256 sha384
 *
 * Example: `kx:ecdhe+enc:aes128-gcm/aes256-gcm,-auth:ecdsa'.
 */
#ifndef TLSI_CIPHERSEL_H
#define TLSI_CIPHERSEL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#define CIPHERSEL_MAX	128	/* suites tlsid knows; OpenSSL 3 has ~70 */

struct ciphersel {
	const SSL_CIPHER *suite[CIPHERSEL_MAX];	/* the selection, in OpenSSL's
						 * order of preference */
	unsigned n;
};

/* Every suite a selection may name (built once; thread-safe). NULL if
 * OpenSSL failed. */
const struct ciphersel *ciphersel_universe(void);

/*
 * Parses spec into out. what names the setting in messages
 * ("client-ciphers"). -1 with err naming the culprit (an unknown name or
 * class, an empty term, a selection that leaves no suite).
 */
int ciphersel_parse(const char *what, const char *spec, struct ciphersel *out,
		    char *err, size_t errlen);

/*
 * Does the selection hold a suite for every TLS version from min to max
 * (wire versions, 0x0301..0x0304)? -1 with err naming the first version
 * without one.
 */
int ciphersel_covers(const char *what, const struct ciphersel *sel, int min, int max,
		     char *err, size_t errlen);

/* OpenSSL's lists: TLS 1.2-and-below suites for SSL_set_cipher_list(), TLS
 * 1.3 suites for SSL_set_ciphersuites(), ':'-joined. Either may be "". */
void ciphersel_openssl(const struct ciphersel *sel, char *tls12, size_t len12,
		       char *tls13, size_t len13);

/* Is the suite a TLS 1.3 one (0x13XX)? */
bool ciphersel_is_tls13(const SSL_CIPHER *c);

/* "tls1.2" <-> 0x0303; 0 / NULL when unknown. */
int ciphersel_version(const char *name);
const char *ciphersel_version_name(int v);

#endif
