// SPDX-License-Identifier: GPL-2.0
/*
 * tlsid's ACME http-01 responder (userspace/tlsid/acme.c, included):
 * request parsing (every prefix of a challenge asks for more, other paths
 * and methods are decided at once, traversal attempts and oversized or
 * malformed requests are not challenges), the key authorization lookup
 * (only well-formed tokens, regular files, TOKEN.THUMBPRINT contents, no
 * symbolic links), and whole sessions over a socketpair: a challenge is
 * answered with 200 and the key authorization, anything else is left
 * unread for the pass-through path.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../userspace/tlsid/acme.c"

atomic_uint_fast64_t tlsid_counters[__TLSID_C_MAX];

void tlsid_log_info(const char *fmt, ...)
{
	(void)fmt;
}

void tlsid_close_graceful(int fd)
{
	close(fd);
}

void tlsid_close_reset(int fd)
{
	close(fd);
}

uint16_t tlsid_sockaddr_port(const union tlsid_sockaddr *a)
{
	return ntohs(a->in.sin_port);
}

#define TOKEN "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define AUTH TOKEN ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define REQ(path) "GET " path " HTTP/1.1\r\nHost: www.example.test\r\n" \
	"User-Agent: Go-http-client/1.1\r\nAccept: */*\r\nConnection: close\r\n\r\n"
#define CHAL "/.well-known/acme-challenge/"

static enum tlsid_acme_parse parse(const char *req, char *token, size_t *len)
{
	return tlsid_acme_parse((const uint8_t *)req, strlen(req), token, len);
}

static void expect(const char *req, enum tlsid_acme_parse want)
{
	char token[TLSID_ACME_TOKEN_MAX + 1];
	size_t len;
	enum tlsid_acme_parse got = parse(req, token, &len);

	ck_assert_msg(got == want, "`%.80s': got %d, expected %d", req, got, want);
}

START_TEST(challenge_parsed)
{
	const char *r = REQ(CHAL TOKEN);
	char token[TLSID_ACME_TOKEN_MAX + 1];
	size_t len;

	ck_assert_int_eq(parse(r, token, &len), TLSID_ACME_CHALLENGE);
	ck_assert_str_eq(token, TOKEN);
	ck_assert_uint_eq(len, strlen(r));
	/* HTTP/1.0, bare LF line ends, Content-Length: 0 */
	ck_assert_int_eq(parse("GET " CHAL "abc_DEF-1 HTTP/1.0\r\n\r\n", token, &len),
			 TLSID_ACME_CHALLENGE);
	ck_assert_str_eq(token, "abc_DEF-1");
	ck_assert_int_eq(parse("GET " CHAL "abc HTTP/1.1\nHost: a\n\n", token, &len),
			 TLSID_ACME_CHALLENGE);
	ck_assert_uint_eq(len, strlen("GET " CHAL "abc HTTP/1.1\nHost: a\n\n"));
	expect("GET " CHAL "abc HTTP/1.1\r\nContent-Length: 0\r\n\r\n", TLSID_ACME_CHALLENGE);
	/* Bytes after the request (pipelined) are not part of it. */
	ck_assert_int_eq(parse("GET " CHAL "abc HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
			       token, &len), TLSID_ACME_CHALLENGE);
	ck_assert_uint_eq(len, strlen("GET " CHAL "abc HTTP/1.1\r\n\r\n"));
}
END_TEST

/* Every proper prefix of a challenge request waits for the rest. */
START_TEST(prefixes_wait)
{
	const char *r = REQ(CHAL TOKEN);
	char token[TLSID_ACME_TOKEN_MAX + 1];
	size_t n, len;

	for (n = 0; n < strlen(r); n++)
		ck_assert_msg(tlsid_acme_parse((const uint8_t *)r, n, token, &len) ==
			      TLSID_ACME_MORE, "prefix of %zu bytes", n);
}
END_TEST

START_TEST(not_http)
{
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x20, 0x01 };
	char token[TLSID_ACME_TOKEN_MAX + 1];
	size_t len;

	ck_assert_int_eq(tlsid_acme_parse(hello, sizeof(hello), token, &len),
			 TLSID_ACME_NOT_HTTP);
	expect("get " CHAL "abc HTTP/1.1\r\n\r\n", TLSID_ACME_NOT_HTTP);
	expect("SSH-2.0-OpenSSH\r\n", TLSID_ACME_NOT_HTTP);
	expect("GETX /", TLSID_ACME_NOT_HTTP);
	expect("G", TLSID_ACME_MORE);
	expect("POS", TLSID_ACME_MORE);
}
END_TEST

START_TEST(other_requests)
{
	/* Other methods, other paths: decided from the first bytes. */
	expect("POST " CHAL TOKEN " HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	expect("HEAD " CHAL TOKEN " HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	expect("PUT ", TLSID_ACME_OTHER);
	expect("GET / HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET /i", TLSID_ACME_OTHER);
	expect("GET /.well-known/security.txt HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET http://www.example.test" CHAL TOKEN " HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET /.WELL-KNOWN/acme-challenge/abc HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	/* Not HTTP/1.x, or a broken request line. */
	expect("GET " CHAL "abc HTTP/2.0\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET " CHAL "abc HTTP/1.1x\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET " CHAL "abc  HTTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET " CHAL "abc HTTP/1.1\rX\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET " CHAL "abc FTP/1.1\r\n\r\n", TLSID_ACME_OTHER);
	/* A GET with a body is not the CA's. */
	expect("GET " CHAL "abc HTTP/1.1\r\nContent-Length: 12\r\n\r\n", TLSID_ACME_OTHER);
	expect("GET " CHAL "abc HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	       TLSID_ACME_OTHER);
}
END_TEST

START_TEST(not_tokens)
{
	static const char *const bad[] = {
		"..%2f..%2fetc%2fpasswd", "../../etc/passwd", "..", ".", "abc/def", "abc/",
		"abc%00", "abc%2e", "abc?x=1", "abc#frag", "abc;x", "abc.def", "ab~c", "abc\\x",
		"", "%41bc", "abc+def", "abc=",
	};
	char req[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "GET " CHAL "%s HTTP/1.1\r\nHost: a\r\n\r\n", bad[i]);
		expect(req, TLSID_ACME_OTHER);
	}
	/* A NUL inside the token. */
	{
		static const char r[] = "GET " CHAL "ab\0c HTTP/1.1\r\n\r\n";
		char token[TLSID_ACME_TOKEN_MAX + 1];
		size_t len;

		ck_assert_int_eq(tlsid_acme_parse((const uint8_t *)r, sizeof(r) - 1, token, &len),
				 TLSID_ACME_OTHER);
	}
}
END_TEST

START_TEST(oversized)
{
	char req[TLSID_ACME_REQ_MAX * 2], token[TLSID_ACME_TOKEN_MAX + 1];
	size_t len, o;

	/* A token one longer than the maximum, and the longest one. */
	o = (size_t)snprintf(req, sizeof(req), "GET " CHAL);
	memset(req + o, 'A', TLSID_ACME_TOKEN_MAX + 1);
	snprintf(req + o + TLSID_ACME_TOKEN_MAX + 1, sizeof(req) - o - TLSID_ACME_TOKEN_MAX - 1,
		 " HTTP/1.1\r\n\r\n");
	expect(req, TLSID_ACME_OTHER);
	snprintf(req + o + TLSID_ACME_TOKEN_MAX, sizeof(req) - o - TLSID_ACME_TOKEN_MAX,
		 " HTTP/1.1\r\n\r\n");
	ck_assert_int_eq(parse(req, token, &len), TLSID_ACME_CHALLENGE);
	ck_assert_uint_eq(strlen(token), TLSID_ACME_TOKEN_MAX);
	/* Headers that never end within the bound: not answered, passed on. */
	o = (size_t)snprintf(req, sizeof(req), "GET " CHAL "abc HTTP/1.1\r\n");
	while (o < TLSID_ACME_REQ_MAX + 100)
		o += (size_t)snprintf(req + o, sizeof(req) - o, "X-Pad: %s\r\n",
				      "0123456789012345678901234567890123456789");
	ck_assert_int_eq(tlsid_acme_parse((const uint8_t *)req, o, token, &len),
			 TLSID_ACME_OTHER);
	/* Below the bound, the same request still waits. */
	ck_assert_int_eq(tlsid_acme_parse((const uint8_t *)req, TLSID_ACME_REQ_MAX - 1, token,
					  &len), TLSID_ACME_MORE);
	/* Ending just past the bound: too big all the same. */
	o = (size_t)snprintf(req, sizeof(req), "GET " CHAL "abc HTTP/1.1\r\nX-Pad: ");
	memset(req + o, 'p', TLSID_ACME_REQ_MAX - o - 3);
	o = TLSID_ACME_REQ_MAX - 3;
	memcpy(req + o, "\r\n\r\n", 4);
	ck_assert_int_eq(tlsid_acme_parse((const uint8_t *)req, o + 4, token, &len),
			 TLSID_ACME_OTHER);
}
END_TEST

/* ---- the challenge directory ---------------------------------------- */

static char dir[64];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void put(const char *name, const char *content)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static void dir_setup(void)
{
	char p[256];

	snprintf(dir, sizeof(dir), "/tmp/check_acme.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(TOKEN, AUTH);
	put("nl", "nl.thumb\n");
	put("evil", "<script>alert(1)</script>");
	put("other", TOKEN ".thumb");
	put("empty", "");
	put("secret", "secret.abc");
	snprintf(p, sizeof(p), "%s/link", dir);
	ck_assert_int_eq(symlink("secret", p), 0);
	snprintf(p, sizeof(p), "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	{
		char big[TLSID_ACME_AUTH_MAX + 10];

		memset(big, 'b', sizeof(big) - 1);
		memcpy(big, "big.", 4);
		big[sizeof(big) - 1] = '\0';
		put("big", big);
	}
	ck_assert_int_eq(tlsid_acme_init(dir), 0);
}

static void dir_teardown(void)
{
	tlsid_acme_init(NULL);
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(key_auth_lookup)
{
	char out[TLSID_ACME_AUTH_MAX];

	ck_assert_int_eq(tlsid_acme_key_auth(TOKEN, out, sizeof(out)), (ssize_t)strlen(AUTH));
	ck_assert_str_eq(out, AUTH);
	ck_assert_int_eq(tlsid_acme_key_auth("nl", out, sizeof(out)), 8);
	ck_assert_str_eq(out, "nl.thumb");
	/* Not a key authorization, or another token's. */
	ck_assert_int_eq(tlsid_acme_key_auth("evil", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("other", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("empty", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("big", out, sizeof(out)), -1);
	/* Neither links nor directories nor names that are not tokens. */
	ck_assert_int_eq(tlsid_acme_key_auth("link", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("sub", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("missing", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("../secret", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("..", out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_key_auth("", out, sizeof(out)), -1);
	/* The file is there, but no directory is configured, or another. */
	tlsid_acme_init(NULL);
	ck_assert_int_eq(tlsid_acme_key_auth(TOKEN, out, sizeof(out)), -1);
	ck_assert_int_eq(tlsid_acme_init("/nonexistent/tlsi-acme"), -1);
	ck_assert_int_eq(tlsid_acme_key_auth(TOKEN, out, sizeof(out)), -1);
}
END_TEST

/* A directory made after tlsid started is opened when a challenge comes. */
START_TEST(directory_made_later)
{
	char later[300], p[400], out[TLSID_ACME_AUTH_MAX];
	FILE *f;

	snprintf(later, sizeof(later), "%s/later", dir);
	ck_assert_int_eq(tlsid_acme_init(later), -1);
	ck_assert_int_eq(tlsid_acme_key_auth(TOKEN, out, sizeof(out)), -1);
	ck_assert_int_eq(mkdir(later, 0755), 0);
	snprintf(p, sizeof(p), "%s/" TOKEN, later);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(AUTH, f);
	fclose(f);
	ck_assert_int_eq(tlsid_acme_key_auth(TOKEN, out, sizeof(out)), (ssize_t)strlen(AUTH));
	ck_assert_str_eq(out, AUTH);
}
END_TEST

/* ---- whole sessions over a socketpair -------------------------------- */

static struct tlsid_session *sess;
static int peer;

/* The client sends req; the responder sees it as step_peek would. */
static bool run_session(const char *req)
{
	uint8_t peek[TLSID_CH_PEEK_MAX];
	int sv[2];
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	sess = calloc(1, sizeof(*sess));
	ck_assert_ptr_nonnull(sess);
	sess->cfd = sv[0];
	sess->ufd = -1;
	sess->state = TLSID_S_PEEK;
	peer = sv[1];
	ck_assert_int_eq(send(peer, req, strlen(req), 0), (ssize_t)strlen(req));
	n = recv(sess->cfd, peek, sizeof(peek), MSG_PEEK);
	ck_assert_int_gt(n, 0);
	return tlsid_acme_handle(sess, peek, (size_t)n);
}

static void end_session(void)
{
	if (sess && sess->cfd >= 0)
		close(sess->cfd);
	free(sess);
	sess = NULL;
	close(peer);
}

static size_t read_all(int fd, char *buf, size_t len)
{
	size_t o = 0;
	ssize_t n;

	while (o + 1 < len && (n = recv(fd, buf + o, len - 1 - o, 0)) > 0)
		o += (size_t)n;
	buf[o] = '\0';
	return o;
}

START_TEST(session_answered)
{
	char resp[2048];
	uint64_t before = tlsid_counters[TLSID_C_acme_answered];

	ck_assert(!run_session(REQ(CHAL TOKEN)));
	ck_assert_int_eq(sess->state, TLSID_S_DONE);
	ck_assert_int_eq(sess->cfd, -1);
	ck_assert_uint_eq(tlsid_counters[TLSID_C_acme_answered], before + 1);
	ck_assert_ptr_nonnull(strstr(sess->reason, "answered the challenge " TOKEN));
	/* The whole answer, then the end of the stream. */
	{
		int fl = fcntl(peer, F_GETFL);

		fcntl(peer, F_SETFL, fl & ~O_NONBLOCK);
	}
	read_all(peer, resp, sizeof(resp));
	ck_assert_msg(!strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), "%s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "Content-Type: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "Content-Length: 87\r\n"));
	ck_assert_str_eq(strstr(resp, "\r\n\r\n") + 4, AUTH);
	end_session();
}
END_TEST

START_TEST(session_passed)
{
	static const char *const reqs[] = {
		REQ("/index.html"),
		REQ(CHAL "unknownToken"),		/* no file: maybe the server's */
		REQ(CHAL "..%2f..%2fsecret"),
		REQ(CHAL "link"),
		"POST " CHAL TOKEN " HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
		"\x16\x03\x01\x02\x00\x01",		/* not HTTP: the server's too */
		"SSH-2.0-OpenSSH_9.2\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		char left[2048];
		uint64_t before = tlsid_counters[TLSID_C_acme_passed];

		ck_assert(run_session(reqs[i]));
		ck_assert_int_eq(sess->state, TLSID_S_CONNECT);
		ck_assert(sess->passthrough);
		ck_assert_uint_eq(tlsid_counters[TLSID_C_acme_passed], before + 1);
		ck_assert_ptr_nonnull(strstr(sess->reason, "passed to the server"));
		/* Untouched: every byte is still there for the server. */
		ck_assert_int_eq(recv(sess->cfd, left, sizeof(left), 0), (ssize_t)strlen(reqs[i]));
		ck_assert(!memcmp(left, reqs[i], strlen(reqs[i])));
		end_session();
	}
}
END_TEST

START_TEST(session_waits)
{
	/* Half a challenge request: nothing read, nothing sent. */
	ck_assert(!run_session("GET " CHAL TOKEN " HTTP/1.1\r\nHost: www"));
	ck_assert_int_eq(sess->state, TLSID_S_PEEK);
	ck_assert(!sess->passthrough);
	ck_assert_int_ge(sess->cfd, 0);
	end_session();
}
END_TEST

/* Only a server proxy's port 80 with acme-http01 is the responder's. */
START_TEST(acme_sessions)
{
	struct tlsid_session s = { 0 };

	s.server.in.sin_family = AF_INET;
	s.server.in.sin_port = htons(80);
	s.pol.role = TLSI_SSL_ROLE_SERVER;
	s.pol.flags = TLSI_SSL_F_ACME_HTTP01 | TLSI_SSL_F_LOGGING;
	ck_assert(tlsid_acme_session(&s));
	s.server.in.sin_port = htons(443);
	ck_assert(!tlsid_acme_session(&s));		/* TLS: cleartext is dropped */
	s.server.in.sin_port = htons(80);
	s.pol.flags = TLSI_SSL_F_LOGGING;
	ck_assert(!tlsid_acme_session(&s));
	s.pol.flags = TLSI_SSL_F_ACME_HTTP01;
	s.pol.role = TLSI_SSL_ROLE_CLIENT;
	ck_assert(!tlsid_acme_session(&s));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tlsid_acme");
	TCase *p = tcase_create("parse"), *d = tcase_create("directory");

	tcase_add_test(p, challenge_parsed);
	tcase_add_test(p, prefixes_wait);
	tcase_add_test(p, not_http);
	tcase_add_test(p, other_requests);
	tcase_add_test(p, not_tokens);
	tcase_add_test(p, oversized);
	suite_add_tcase(s, p);
	tcase_add_checked_fixture(d, dir_setup, dir_teardown);
	tcase_add_test(d, key_auth_lookup);
	tcase_add_test(d, directory_made_later);
	tcase_add_test(d, session_answered);
	tcase_add_test(d, session_passed);
	tcase_add_test(d, session_waits);
	tcase_add_test(p, acme_sessions);
	suite_add_tcase(s, d);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
