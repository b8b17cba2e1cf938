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
 *     -I COUNT     idle sessions instead: COUNT sessions kept open after
 *                  one keep-alive request each (-c threads open them), a
 *                  second request on each once a line comes on stdin
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
 *
 * With -I, "idle ok N failed M seconds S version V cipher C" once all the
 * sessions are open and idle, then, after the line on stdin, "again ok N
 * failed M"; exits 0 only when all COUNT did both requests.
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
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* A connection to the server, TLS up and the certificate verified. */
struct session {
	int fd;
	SSL *ssl;
};

static void session_close(struct session *s, bool clean)
{
	if (s->ssl && clean)
		SSL_shutdown(s->ssl);
	SSL_free(s->ssl);
	s->ssl = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* 0 when connected and verified; on failure, counted and closed. */
static int session_open(struct session *s)
{
	struct timeval tv = { .tv_sec = 15 };
	int one_ = 1;

	s->ssl = NULL;
	errno = 0;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		failed("socket");
		return -1;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one_, sizeof(one_));
	if (connect(s->fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		failed("connect");
		goto fail;
	}
	s->ssl = SSL_new(ctx);
	if (!s->ssl || !SSL_set_fd(s->ssl, s->fd) || !SSL_set_tlsext_host_name(s->ssl, name) ||
	    !SSL_set1_host(s->ssl, name)) {
		failed("SSL setup");
		goto fail;
	}
	errno = 0;
	if (SSL_connect(s->ssl) != 1) {
		long v = SSL_get_verify_result(s->ssl);

		if (v != X509_V_OK) {
			char m[200];

			snprintf(m, sizeof(m), "handshake: certificate: %s", X509_verify_cert_error_string(v));
			errno = 0;
			failed(m);
		} else {
			failed("handshake");
		}
		goto fail;
	}
	return 0;
fail:
	session_close(s, false);
	return -1;
}

/*
 * One GET on an open session; 0 when the response was right. keep: ask
 * for keep-alive and read the response by its Content-Length (the session
 * stays usable), else "Connection: close" and read to the server's end.
 * t_start, ttfb: when ttfb is not NULL, *ttfb is set to the seconds from
 * t_start to the first body byte.
 */
static int session_get(struct session *s, char *buf, size_t bufsz, bool keep,
		       double t_start, double *ttfb)
{
	size_t have = 0, want = 0;
	double t_body = 0;
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tls_connrate\r\n"
		 "Connection: %s\r\n\r\n", path, name, keep ? "keep-alive" : "close");
	errno = 0;
	if (SSL_write(s->ssl, req, (int)strlen(req)) != (int)strlen(req)) {
		failed("write request");
		return -1;
	}
	while (!want || have < want) {
		int n;

		if (have == bufsz - 1) {
			errno = 0;
			failed("response larger than the buffer");
			return -1;
		}
		errno = 0;
		n = SSL_read(s->ssl, buf + have, (int)(bufsz - 1 - have));
		if (n > 0) {
			const char *eoh;

			have += n;
			buf[have] = 0;
			eoh = memmem(buf, have, "\r\n\r\n", 4);
			/* The first body byte: past the header's blank line. */
			if (ttfb && !t_body && eoh && (size_t)(eoh + 4 - buf) < have)
				t_body = now();
			if (keep && eoh && !want) {
				const char *cl = strcasestr(buf, "\r\nContent-Length:");

				if (!cl || cl > eoh) {
					errno = 0;
					failed("keep-alive response without Content-Length");
					return -1;
				}
				want = (size_t)(eoh + 4 - buf) + strtoul(cl + 17, NULL, 10);
			}
			continue;
		}
		if (keep) {
			failed("read response (keep-alive)");
			return -1;
		}
		if (SSL_get_error(s->ssl, n) == SSL_ERROR_ZERO_RETURN)
			break;
		/* A bare FIN after a complete response is what some servers do. */
		if (SSL_get_error(s->ssl, n) == SSL_ERROR_SYSCALL && errno == 0 && have) {
			ERR_clear_error();
			break;
		}
		failed("read response");
		return -1;
	}
	buf[have] = 0;
	errno = 0;
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
		char m[120];

		snprintf(m, sizeof(m), "response: %.60s", buf);
		failed(m);
		return -1;
	}
	if (expect && !strstr(buf, expect)) {
		failed("response: expected text missing");
		return -1;
	}
	if (!version[0]) {
		pthread_mutex_lock(&lock);
		snprintf(version, sizeof(version), "%s", SSL_get_version(s->ssl));
		snprintf(cipher, sizeof(cipher), "%s", SSL_get_cipher_name(s->ssl));
		pthread_mutex_unlock(&lock);
	}
	if (ttfb && !t_body) {
		failed("response: no body");
		return -1;
	}
	if (ttfb)
		*ttfb = t_body - t_start;
	return 0;
}

/*
 * One connection; 0 when it did everything right. ttfb, when not NULL:
 * the seconds from connect() to the first body byte, set on success.
 */
static int one(char *buf, size_t bufsz, double *ttfb)
{
	double t_start = now();
	struct session s;
	int rc;

	if (session_open(&s))
		return -1;
	rc = session_get(&s, buf, bufsz, false, t_start, ttfb);
	session_close(&s, rc == 0);
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

/*
 * -I: COUNT sessions opened by the clients' threads, each with one
 * keep-alive request, then all kept open and idle: "idle ok N failed M
 * seconds S" is printed, and the sessions wait until a line (or the end)
 * comes on stdin; then each makes a second request, with "Connection:
 * close", and "again ok N failed M" is printed.
 */
static struct session *idle_sessions;
static long idle_count;
static atomic_long idle_next;
static bool idle_second;

static void *idle_worker(void *arg)
{
	size_t bufsz = 1 << 16;
	char *buf = malloc(bufsz);
	long i;

	(void)arg;
	if (!buf)
		return NULL;
	while ((i = atomic_fetch_add(&idle_next, 1)) < idle_count &&
	       atomic_load(&n_failed) < max_failed) {
		struct session *s = &idle_sessions[i];
		int rc;

		if (!idle_second) {
			if (session_open(s))
				continue;
			if (session_get(s, buf, bufsz, true, 0, NULL)) {
				session_close(s, false);
				continue;
			}
		} else {
			if (s->fd < 0)
				continue;	/* failed the first time: counted then */
			rc = session_get(s, buf, bufsz, false, 0, NULL);
			session_close(s, rc == 0);
			if (rc)
				continue;
		}
		atomic_fetch_add(&n_ok, 1);
	}
	free(buf);
	return NULL;
}

static int idle_phase(pthread_t *th, int clients)
{
	int i;

	atomic_store(&idle_next, 0);
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, idle_worker, NULL)) {
			fprintf(stderr, "tls_connrate: pthread_create failed\n");
			return -1;
		}
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static int idle_run(long count, int clients)
{
	pthread_t *th = calloc(clients, sizeof(*th));
	struct rlimit rl = { .rlim_cur = count + 64, .rlim_max = count + 64 };
	long ok1, failed1, i;
	char line[64];
	double t0;

	idle_sessions = calloc(count, sizeof(*idle_sessions));
	if (!th || !idle_sessions) {
		fprintf(stderr, "tls_connrate: out of memory\n");
		return 2;
	}
	for (i = 0; i < count; i++)
		idle_sessions[i].fd = -1;
	idle_count = count;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "tls_connrate: %ld open files: %s\n", count + 64, strerror(errno));
		return 2;
	}
	/* The client's own memory, the same in every mode, kept small. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	t0 = now();
	if (idle_phase(th, clients))
		return 2;
	ok1 = atomic_load(&n_ok);
	failed1 = atomic_load(&n_failed);
	printf("idle ok %ld failed %ld seconds %.2f version %s cipher %s\n", ok1, failed1, now() - t0,
	       version[0] ? version : "-", cipher[0] ? cipher : "-");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		clearerr(stdin);
	atomic_store(&n_ok, 0);
	atomic_store(&n_failed, 0);
	idle_second = true;
	if (idle_phase(th, clients))
		return 2;
	printf("again ok %ld failed %ld\n", atomic_load(&n_ok), atomic_load(&n_failed));
	for (i = 0; i < n_errors_kept; i++)
		fprintf(stderr, "tls_connrate: %s\n", first_errors[i]);
	return failed1 == 0 && ok1 == count && atomic_load(&n_failed) == 0 &&
	       atomic_load(&n_ok) == count ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: tls_connrate -n NAME -C CAFILE [-p PATH] [-e TEXT] [-t SECONDS] "
		"[-c CLIENTS] [-v 1.2|1.3] [-E MAXFAILED] [-N COUNT | -I COUNT] ADDR PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cafile = NULL, *ver = "1.3";
	double seconds = 10, t0, t1;
	int clients = 16, opt, i;
	long ttfb_count = 0, idle_n = 0;
	pthread_t *th;

	while ((opt = getopt(argc, argv, "n:C:p:e:t:c:v:E:N:I:")) != -1) {
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
		case 'I': idle_n = atol(optarg); if (idle_n < 1 || idle_n > 1000000) usage(); break;
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
	if (idle_n)
		return idle_run(idle_n, clients);
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
