// SPDX-License-Identifier: GPL-2.0
/*
 * ACME http-01 challenges, answered in front of the protected servers.
 *
 * `tlsictl cert acme request' (userspace/tlsictl/acme.c) runs uacme, whose
 * hook publishes each key authorization as the file TOKEN of the challenge
 * directory. The CA then fetches
 *
 *	GET /.well-known/acme-challenge/TOKEN HTTP/1.1
 *
 * from port 80 of the domain, the protected server's address, which the
 * bridge sits in front of. A server proxy with acme-http01 on has tlsi.ko
 * divert that port to tlsid like an SSL tuple; step_peek (worker.c) hands
 * the peeked bytes here instead of to the ClientHello parser. A complete,
 * small GET for a token that has a file is answered (200, the key
 * authorization, text/plain) and closed; anything else (another path,
 * another method, a token without a file, a request too big or malformed,
 * bytes that are not HTTP) goes to the server untouched through the
 * pass-through path, so the server sees every other request as before.
 *
 * What comes from the network is hostile: the token is looked up only when
 * it is 1..TLSID_ACME_TOKEN_MAX characters of base64url ([A-Za-z0-9_-]):
 * no `.', `/' or `%' can reach openat(), which works relative to the
 * challenge directory (opened at start, before the sandbox; else when the
 * first challenge comes) with O_NOFOLLOW. The request is bounded (TLSID_ACME_REQ_MAX); a file that is
 * not a regular file, is too big, or does not hold TOKEN.THUMBPRINT is
 * not served.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsid.h"

static int challenge_dirfd = -1;
static char challenge_dir[PATH_MAX];
static pthread_mutex_t challenge_lock = PTHREAD_MUTEX_INITIALIZER;

/* The directory, opened now if it was not at start (it is made by the
 * first `cert acme request', maybe after tlsid started). -1: none. */
static int challenge_fd(void)
{
	int fd;

	pthread_mutex_lock(&challenge_lock);
	if (challenge_dirfd < 0 && challenge_dir[0])
		challenge_dirfd = open(challenge_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = challenge_dirfd;
	pthread_mutex_unlock(&challenge_lock);
	return fd;
}

int tlsid_acme_init(const char *dir)
{
	pthread_mutex_lock(&challenge_lock);
	if (challenge_dirfd >= 0)
		close(challenge_dirfd);
	challenge_dirfd = -1;
	snprintf(challenge_dir, sizeof(challenge_dir), "%s", dir ? dir : "");
	if (challenge_dir[0])
		challenge_dirfd = open(challenge_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	pthread_mutex_unlock(&challenge_lock);
	if (challenge_dir[0] && challenge_dirfd < 0) {
		/* Made by the first request; opened then (as tlsid's user). */
		tlsid_log_info("acme: challenge directory %s: %s (opened when a challenge "
			       "comes; `tlsictl cert acme request' makes it)", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *const methods[] = {
	"GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "CONNECT ", "OPTIONS ", "TRACE ",
	"PATCH ", "PRI ",
};

/* 1: buf is a method and its space; 0: could still be one; -1: is not. */
static int method_match(const uint8_t *buf, size_t n)
{
	bool maybe = false;
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t l = strlen(methods[i]);

		if (n >= l && !memcmp(buf, methods[i], l))
			return 1;
		if (n < l && !memcmp(buf, methods[i], n))
			maybe = true;
	}
	return maybe ? 0 : -1;
}

static bool token_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* The end of the header block (after its empty line), 0 if not there. */
static size_t headers_end(const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* A header line that says a body follows (a GET does not carry one). */
static bool has_body(const uint8_t *buf, size_t len)
{
	const char *p = (const char *)buf, *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l > 18 && !strncasecmp(p, "transfer-encoding:", 18))
			return true;
		if (l > 15 && !strncasecmp(p, "content-length:", 15)) {
			const char *v = p + 15;

			while (v < p + l && (*v == ' ' || *v == '\t'))
				v++;
			while (v < p + l && *v == '0')
				v++;
			if (v < p + l && *v >= '1' && *v <= '9')
				return true;
		}
		p += l + 1;
	}
	return false;
}

enum tlsid_acme_parse tlsid_acme_parse(const uint8_t *buf, size_t n, char *token,
				       size_t *req_len)
{
	static const char prefix[] = "GET /.well-known/acme-challenge/";
	const size_t pl = sizeof(prefix) - 1;
	size_t i, t, end, have = n < TLSID_ACME_REQ_MAX ? n : TLSID_ACME_REQ_MAX;
	int m;

	token[0] = '\0';
	*req_len = 0;
	if (!n)
		return TLSID_ACME_MORE;
	m = method_match(buf, n);
	if (m < 0)
		return TLSID_ACME_NOT_HTTP;
	if (m == 0)
		return TLSID_ACME_MORE;
	/* Decided as early as the bytes allow: another path goes on at once. */
	if (memcmp(buf, prefix, have < pl ? have : pl))
		return TLSID_ACME_OTHER;
	if (have < pl)
		return TLSID_ACME_MORE;
	for (i = pl; i < have && token_char(buf[i]); i++)
		if (i - pl >= TLSID_ACME_TOKEN_MAX)
			return TLSID_ACME_OTHER;
	t = i - pl;
	if (i == have)
		return have < TLSID_ACME_REQ_MAX ? TLSID_ACME_MORE : TLSID_ACME_OTHER;
	if (!t || buf[i] != ' ')
		return TLSID_ACME_OTHER;	/* "%2f", "..", "?q", "/x": not a token */
	i++;
	if (have - i < 8) {
		if (memcmp(buf + i, "HTTP/1.", have - i))
			return TLSID_ACME_OTHER;
		return TLSID_ACME_MORE;
	}
	if (memcmp(buf + i, "HTTP/1.", 7) || (buf[i + 7] != '0' && buf[i + 7] != '1'))
		return TLSID_ACME_OTHER;
	i += 8;
	if (have - i >= 1 && buf[i] != '\r' && buf[i] != '\n')
		return TLSID_ACME_OTHER;
	if (have - i >= 2 && buf[i] == '\r' && buf[i + 1] != '\n')
		return TLSID_ACME_OTHER;
	end = headers_end(buf, have);
	if (!end)
		return have < TLSID_ACME_REQ_MAX ? TLSID_ACME_MORE : TLSID_ACME_OTHER;
	if (has_body(buf, end))
		return TLSID_ACME_OTHER;
	memcpy(token, buf + pl, t);
	token[t] = '\0';
	*req_len = end;
	return TLSID_ACME_CHALLENGE;
}

/*
 * The key authorization published for token: "TOKEN.THUMBPRINT", both
 * base64url. Its length, or -1 (no such challenge, or not one).
 */
ssize_t tlsid_acme_key_auth(const char *token, char *out, size_t len)
{
	size_t tl = strlen(token), i;
	struct stat st;
	ssize_t n;
	int fd, dfd;

	if (!tl || len < 2)
		return -1;
	for (i = 0; i < tl; i++)
		if (!token_char((uint8_t)token[i]))
			return -1;
	dfd = challenge_fd();
	if (dfd < 0)
		return -1;
	fd = openat(dfd, token, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 1 ||
	    (size_t)st.st_size >= len) {
		close(fd);
		return -1;
	}
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	/* A trailing newline is not part of it (an editor, echo). */
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if ((size_t)n <= tl + 1 || strncmp(out, token, tl) || out[tl] != '.')
		return -1;
	for (i = tl + 1; i < (size_t)n; i++)
		if (!token_char((uint8_t)out[i]))
			return -1;
	return n;
}

/* Send all of buf on the (non-blocking) client socket: a small answer
 * fits in an empty send buffer. */
static bool send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void pass(struct tlsid_session *s, const char *why, const char *token)
{
	tlsid_count(TLSID_C_acme_passed);
	s->passthrough = true;
	s->bypassed = true;	/* the reason below, not a decryption policy's */
	s->kreason = TLSI_SSL_REASON_ACME;
	snprintf(s->reason, sizeof(s->reason), "acme-http01: %s%s%.140s: passed to the server",
		 why, token ? " " : "", token ? token : "");
	s->state = TLSID_S_CONNECT;
}

static void answer(struct tlsid_session *s, const char *token, size_t req_len,
		   const char *auth, size_t alen)
{
	char resp[TLSID_ACME_AUTH_MAX + 256], scratch[512];
	size_t left = req_len;
	int hl;

	/* The request first: closing with unread bytes would reset. */
	while (left) {
		ssize_t n = recv(s->cfd, scratch, left < sizeof(scratch) ? left : sizeof(scratch),
				 MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
	hl = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		      "Content-Length: %zu\r\nConnection: close\r\nCache-Control: no-store\r\n"
		      "\r\n%s", alen, auth);
	s->result = TLSID_R_NOT_DECRYPTED;
	s->kreason = TLSI_SSL_REASON_ACME;
	if (hl > 0 && (size_t)hl < sizeof(resp) && !left && send_all(s->cfd, resp, (size_t)hl)) {
		tlsid_count(TLSID_C_acme_answered);
		snprintf(s->reason, sizeof(s->reason), "acme-http01: answered the challenge %.140s",
			 token);
		shutdown(s->cfd, SHUT_WR);
		tlsid_close_graceful(s->cfd);
	} else {
		tlsid_count(TLSID_C_acme_failed);
		snprintf(s->reason, sizeof(s->reason), "acme-http01: the answer to challenge "
			 "%.140s could not be sent: %s", token, left ? "request unread" :
			 strerror(errno));
		tlsid_close_reset(s->cfd);
	}
	s->cfd = -1;
	s->state = TLSID_S_DONE;
}

bool tlsid_acme_session(const struct tlsid_session *s)
{
	return s->pol.role == TLSI_SSL_ROLE_SERVER && (s->pol.flags & TLSI_SSL_F_ACME_HTTP01) &&
	       tlsid_sockaddr_port(&s->server) == TLSID_ACME_PORT;
}

bool tlsid_acme_handle(struct tlsid_session *s, const uint8_t *peek, size_t n)
{
	char token[TLSID_ACME_TOKEN_MAX + 1], auth[TLSID_ACME_AUTH_MAX];
	size_t req_len;
	ssize_t alen;

	switch (tlsid_acme_parse(peek, n, token, &req_len)) {
	case TLSID_ACME_NOT_HTTP:
		/* Port 80 is the server's for everything else, HTTP or not. */
		pass(s, "not HTTP", NULL);
		return true;
	case TLSID_ACME_MORE:
		return false;	/* state stays PEEK: more bytes, or the timeout */
	case TLSID_ACME_OTHER:
		pass(s, "not an ACME challenge", NULL);
		return true;
	case TLSID_ACME_CHALLENGE:
		break;
	}
	alen = tlsid_acme_key_auth(token, auth, sizeof(auth));
	if (alen < 0) {
		/* Maybe the server's own ACME client's: its to answer. */
		pass(s, "no challenge published for token", token);
		return true;
	}
	answer(s, token, req_len, auth, (size_t)alen);
	return false;
}
