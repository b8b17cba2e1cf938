/*
 * tls_connrate: new HTTPS connections per second, for make bench-tls.
 *
 *   tls_connrate [options] ADDR PORT
 *     -n NAME      SNI and Host header, checked against the certificate (required)
 *     -C FILE      CA certificate(s) the server's chain must verify against (required)
 *     -p PATH      request path (default /)
 *     -e STRING    the response body must contain STRING
 *     -t SECONDS   how long to start new connections (default 10)
 *     -c N         parallel clients, one thread each (default 16)
 *     -v 1.2|1.3   TLS version, the only one offered (default 1.3)
 *     -E N         give up after N failed connections (default 20)
 *     -N COUNT     time to first byte instead: COUNT connections one after
 *                  the other (one client; -t and -c do not apply)
 *
 * Each thread loops until the time is up: connect, a full TLS handshake
 * (no session resumption: the client keeps no sessions), the certificate
 * verified against -C and the name, "GET PATH HTTP/1.1" with "Connection:
 * close", the whole response read to the server's close, "HTTP/1.1 200"
 * and -e checked, close_notify, close. AES-128-GCM only (TLS 1.3:
 * TLS_AES_128_GCM_SHA256; TLS 1.2: ECDHE with AES-128-GCM).
 *
 * Prints one line, "ok N failed M seconds S conn_per_s R version V cipher C"
 * (S from the start to the end of the last connection), then the first
 * failures' reasons; exits 0 only when no connection failed and at least
 * one succeeded.
 *
 * With -N, each of the COUNT connections is timed from just before
 * connect() to the first byte of the response body (the byte after the
 * header's blank line; the whole connection is still checked as above),
 * with nothing else running in the client, and the line is "ok N failed M
 * ttfb_ms median MED p99 P99 min MIN max MAX version V cipher C" (p99: the
 * nearest-rank 99th percentile of the N successful connections).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in dst;
static const char *name, *path = "/", *expect;
static SSL_CTX *ctx;
static double deadline;
static atomic_long n_ok, n_failed;
static long max_failed = 20;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char first_errors[5][256];
static int n_errors_kept;
static char version[32], cipher[64];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void failed(const char *what)
{
	char ossl[160] = "";
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, ossl, sizeof(ossl));
	ERR_clear_error();
	atomic_fetch_add(&n_failed, 1);
	pthread_mutex_lock(&lock);
	if (n_errors_kept < 5)
		snprintf(first_errors[n_errors_kept++], sizeof(first_errors[0]), "%s%s%s%s%s", what,
			 errno ? ": " : "", errno ? strerror(errno) : "", ossl[0] ? ": " : "", ossl);
	pthread_mutex_unlock(&lock);
}

/*
 * One connection; 0 when it did everything right. ttfb, when not NULL:
 * the seconds from connect() to the first body byte, set on success.
 */
static int one(char *buf, size_t bufsz, double *ttfb)
{
	struct timeval tv = { .tv_sec = 15 };
	int fd, one_ = 1, rc = -1;
	size_t have = 0;
	SSL *ssl = NULL;
	char req[512];
	double t_start = 0, t_body = 0;

	errno = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		failed("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one_, sizeof(one_));
	t_start = now();
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		failed("connect");
		goto out;
	}
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || !SSL_set_tlsext_host_name(ssl, name) ||
	    !SSL_set1_host(ssl, name)) {
		failed("SSL setup");
		goto out;
	}
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		long v = SSL_get_verify_result(ssl);

		if (v != X509_V_OK) {
			char m[200];

			snprintf(m, sizeof(m), "handshake: certificate: %s", X509_verify_cert_error_string(v));
			errno = 0;
			failed(m);
		} else {
			failed("handshake");
		}
		goto out;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tls_connrate\r\n"
		 "Connection: close\r\n\r\n", path, name);
	errno = 0;
	if (SSL_write(ssl, req, (int)strlen(req)) != (int)strlen(req)) {
		failed("write request");
		goto out;
	}
	for (;;) {
		int n;

		if (have == bufsz - 1) {
			errno = 0;
			failed("response larger than the buffer");
			goto out;
		}
		errno = 0;
		n = SSL_read(ssl, buf + have, (int)(bufsz - 1 - have));
		if (n > 0) {
			const char *eoh;

			have += n;
			/* The first body byte: past the header's blank line. */
			if (ttfb && !t_body && (eoh = memmem(buf, have, "\r\n\r\n", 4)) &&
			    (size_t)(eoh + 4 - buf) < have)
				t_body = now();
			continue;
		}
		if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN)
			break;
		/* A bare FIN after a complete response is what some servers do. */
		if (SSL_get_error(ssl, n) == SSL_ERROR_SYSCALL && errno == 0 && have) {
			ERR_clear_error();
			break;
		}
		failed("read response");
		goto out;
	}
	buf[have] = 0;
	errno = 0;
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
		char m[120];

		snprintf(m, sizeof(m), "response: %.60s", buf);
		failed(m);
		goto out;
	}
	if (expect && !strstr(buf, expect)) {
		failed("response: expected text missing");
		goto out;
	}
	if (!version[0]) {
		pthread_mutex_lock(&lock);
		snprintf(version, sizeof(version), "%s", SSL_get_version(ssl));
		snprintf(cipher, sizeof(cipher), "%s", SSL_get_cipher_name(ssl));
		pthread_mutex_unlock(&lock);
	}
	if (ttfb && !t_body) {
		failed("response: no body");
		goto out;
	}
	if (ttfb)
		*ttfb = t_body - t_start;
	SSL_shutdown(ssl);
	rc = 0;
out:
	SSL_free(ssl);
	close(fd);
	return rc;
}

static void *worker(void *arg)
{
	size_t bufsz = 1 << 20;
	char *buf = malloc(bufsz);

	(void)arg;
	if (!buf)
		return NULL;
	while (now() < deadline && atomic_load(&n_failed) < max_failed) {
		if (one(buf, bufsz, NULL) == 0)
			atomic_fetch_add(&n_ok, 1);
	}
	free(buf);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of them at or below it. */
static double percentile(const double *sorted, long n, double p)
{
	long k = (long)(p * n + 0.999999);

	return sorted[k < 1 ? 0 : k > n ? n - 1 : k - 1];
}

/* -N: COUNT sequential connections, each timed to its first body byte. */
static int ttfb_run(long count)
{
	size_t bufsz = 1 << 20;
	char *buf = malloc(bufsz);
	double *t = calloc(count, sizeof(*t));
	long ok = 0, i;

	if (!buf || !t) {
		fprintf(stderr, "tls_connrate: out of memory\n");
		return 2;
	}
	for (i = 0; i < count && atomic_load(&n_failed) < max_failed; i++)
		if (one(buf, bufsz, &t[ok]) == 0)
			ok++;
	qsort(t, ok, sizeof(*t), cmp_double);
	printf("ok %ld failed %ld ttfb_ms median %.2f p99 %.2f min %.2f max %.2f version %s cipher %s\n",
	       ok, atomic_load(&n_failed), ok ? percentile(t, ok, 0.5) * 1e3 : 0,
	       ok ? percentile(t, ok, 0.99) * 1e3 : 0, ok ? t[0] * 1e3 : 0, ok ? t[ok - 1] * 1e3 : 0,
	       version[0] ? version : "-", cipher[0] ? cipher : "-");
	for (i = 0; i < n_errors_kept; i++)
		fprintf(stderr, "tls_connrate: %s\n", first_errors[i]);
	free(buf);
	free(t);
	return atomic_load(&n_failed) == 0 && ok > 0 ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: tls_connrate -n NAME -C CAFILE [-p PATH] [-e TEXT] [-t SECONDS] "
		"[-c CLIENTS] [-v 1.2|1.3] [-E MAXFAILED] [-N COUNT] ADDR PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cafile = NULL, *ver = "1.3";
	double seconds = 10, t0, t1;
	int clients = 16, opt, i;
	long ttfb_count = 0;
	pthread_t *th;

	while ((opt = getopt(argc, argv, "n:C:p:e:t:c:v:E:N:")) != -1) {
		switch (opt) {
		case 'n': name = optarg; break;
		case 'C': cafile = optarg; break;
		case 'p': path = optarg; break;
		case 'e': expect = optarg; break;
		case 't': seconds = atof(optarg); break;
		case 'c': clients = atoi(optarg); break;
		case 'v': ver = optarg; break;
		case 'E': max_failed = atol(optarg); break;
		case 'N': ttfb_count = atol(optarg); if (ttfb_count < 1 || ttfb_count > 1000000) usage(); break;
		default: usage();
		}
	}
	if (argc - optind != 2 || !name || !cafile || seconds <= 0 || clients < 1 || clients > 1024 ||
	    (strcmp(ver, "1.2") && strcmp(ver, "1.3")) || max_failed < 1)
		usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1 || !dst.sin_port)
		usage();

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !SSL_CTX_load_verify_locations(ctx, cafile, NULL)) {
		fprintf(stderr, "tls_connrate: cannot load %s\n", cafile);
		return 2;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!strcmp(ver, "1.3")) {
		SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
		SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
	}

	if (ttfb_count)
		return ttfb_run(ttfb_count);
	th = calloc(clients, sizeof(*th));
	t0 = now();
	deadline = t0 + seconds;
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, worker, NULL)) {
			fprintf(stderr, "tls_connrate: pthread_create failed\n");
			return 2;
		}
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	printf("ok %ld failed %ld seconds %.2f conn_per_s %.1f version %s cipher %s\n",
	       atomic_load(&n_ok), atomic_load(&n_failed), t1 - t0, atomic_load(&n_ok) / (t1 - t0),
	       version[0] ? version : "-", cipher[0] ? cipher : "-");
	for (i = 0; i < n_errors_kept; i++)
		fprintf(stderr, "tls_connrate: %s\n", first_errors[i]);
	return atomic_load(&n_failed) == 0 && atomic_load(&n_ok) > 0 ? 0 : 1;
}
