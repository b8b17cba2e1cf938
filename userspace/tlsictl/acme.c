// SPDX-License-Identifier: GPL-2.0
/*
 * tlsictl cert acme: server certificates from an ACME CA (RFC 8555) for
 * the protected servers, kept in the certificate repository like imported
 * ones and renewed in place (`cert replace': references stay).
 *
 * The protocol is Debian's uacme's: tlsictl runs it with a hook
 * (scripts/tlsi-acme-hook) that publishes each http-01 key authorization
 * as a file in the challenge directory, where tlsid answers
 * /.well-known/acme-challenge/TOKEN on port 80 of the protected servers
 * (userspace/tlsid/acme.c; the server proxy's acme-http01 setting diverts
 * it). Only http-01: wildcards need dns-01, so they are refused.
 *
 * The ACME state directory ($TLSI_ACME_DIR, else /var/lib/tlsi/acme):
 *
 *   ACME/                 0755
 *     .lock               flock(): one ACME run at a time
 *     challenges/         0755, TOKEN files 0644 (key authorizations are
 *                         public: the CA fetches them over plain HTTP)
 *     state/NAME          0600, what NAME was requested with and how the
 *                         last run went (state, progress, last error)
 *     log/NAME            0600, uacme's output of the last run
 *     uacme/NAME/         0700, uacme's configuration directory: account
 *                         key, the certificate's key, the certificate
 *
 * The repository's meta of an ACME certificate records the domains, the
 * directory URL, the key type and the e-mail (certrepo_acme), so that
 * `status' and `renew-due' need only the repository; the state file keeps
 * what is the appliance's own (the CA bundle to trust, the last run).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cert.h"
#include "json.h"

#ifndef TLSI_ACME_HOOK_DEFAULT
#define TLSI_ACME_HOOK_DEFAULT	"/usr/local/libexec/tlsi/tlsi-acme-hook"
#endif
#define ACME_DIR_DEFAULT	"/var/lib/tlsi/acme"
#define ACME_DIRECTORY_DEFAULT	"https://acme-v02.api.letsencrypt.org/directory"
#define ACME_RENEW_DAYS		30	/* renew-due's default horizon */
#define ACME_TIMEOUT_DEFAULT	600	/* seconds one uacme run may take */
#define ACME_SYSTEM_CERTS	"/etc/ssl/certs"
#define ACME_SYSTEM_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"

static const char help[] =
"Usage: tlsictl cert [--repo DIR] acme COMMAND [ARGUMENTS]\n"
"\n"
"  tlsictl cert acme request NAME domains D1[,D2...] [key TYPE]\n"
"                            [directory URL] [email ADDR] [ca-bundle FILE]\n"
"  tlsictl cert acme renew NAME\n"
"  tlsictl cert acme renew-due [days N]\n"
"  tlsictl [-j] cert acme status [NAME]\n"
"  tlsictl cert acme del NAME\n"
"\n"
"Certificates for the protected servers from an ACME CA (Let's Encrypt by\n"
"default), with the http-01 challenge: the CA fetches\n"
"http://DOMAIN/.well-known/acme-challenge/TOKEN, which reaches port 80 of\n"
"the protected server through the bridge; a server proxy for that address\n"
"with `acme-http01' has tlsid answer it (every other request goes to the\n"
"server untouched). The certificate and its key land in the repository\n"
"under NAME like an imported certificate; a renewal replaces them in place\n"
"(`cert replace': whatever uses NAME keeps working, the old one is kept as\n"
"NAME_REPLACED). uacme (Debian package uacme) speaks the protocol.\n"
"\n"
"Commands:\n"
"  request    a new certificate NAME for the domains; waits for the CA\n"
"  renew      a new certificate for NAME now, with what it was requested\n"
"             with (also retries a request that failed)\n"
"  renew-due  renew every ACME certificate that expires within N days\n"
"             (default 30): what the tlsi-acme-renew timer runs daily\n"
"  status     state, progress or last error, not-after, next renewal\n"
"  del        the certificate and its ACME state; refused while in use\n"
"\n"
"Arguments:\n"
"  domains D1,D2      host names, comma-separated, the first is the subject;\n"
"                     wildcards (*.example.com) are refused: they need the\n"
"                     dns-01 challenge, which tlsi does not answer\n"
"  key TYPE           rsa:2048 (default), rsa:3072, rsa:4096, ec:256, ec:384\n"
"  directory URL      the CA's ACME directory, https:// (default\n"
"                     " ACME_DIRECTORY_DEFAULT ")\n"
"  email ADDR         the ACME account's contact\n"
"  ca-bundle FILE     PEM certificates to trust for the CA's own HTTPS, in\n"
"                     addition to the system's (a private ACME CA)\n"
"  days N             renew-due: 1..36500\n"
"\n"
"Environment:\n"
"  TLSI_ACME_DIR      the ACME state directory (" ACME_DIR_DEFAULT "):\n"
"                     challenges/ is what tlsid --acme-challenges reads\n"
"  TLSI_ACME_HOOK     the challenge hook (" TLSI_ACME_HOOK_DEFAULT ")\n"
"  TLSI_UACME         the ACME client (uacme, from $PATH)\n"
"  TLSI_ACME_TIMEOUT  seconds one run may take (600)\n"
"\n"
"Output (status), one line per ACME certificate:\n"
"  NAME state requesting|renewing|valid|failed domains D1,D2 key TYPE\n"
"       directory URL [not-after TIME days-left N next-renewal TIME]\n"
"       [last-attempt TIME] [last-success TIME] [progress TEXT]\n"
"       [last-error TEXT]\n"
"\n"
"Exit status: 0 success, 1 error (refused, the CA refused or validation\n"
"failed: see status), 2 bad usage.\n"
"\n"
"Examples:\n"
"  tlsictl ssl-proxy add web-acme role server destination 192.0.2.10 \\\n"
"      ports 8443 certs placeholder acme-http01\n"
"  tlsictl cert acme request www domains www.example.com,example.com \\\n"
"      email admin@example.com\n"
"  tlsictl ssl-proxy add web role server destination 192.0.2.10 ports 443 \\\n"
"      certs www\n"
"  tlsictl cert acme status www\n"
"  tlsictl cert acme renew-due\n";

/* ---- parameters ------------------------------------------------------ */

struct acme_params {
	struct certrepo_acme a;		/* domains, directory, key, email */
	char ca_bundle[PATH_MAX];	/* "" none */
};

struct acme_state {
	struct acme_params p;
	char state[16];			/* requesting renewing valid failed */
	char progress[256];
	char last_error[512];
	long long last_attempt, last_success;
};

/* The key types uacme makes: its -t and -b. */
static const struct {
	const char *name, *type, *bits;
} key_types[] = {
	{ "rsa:2048", "RSA", "2048" },
	{ "rsa:3072", "RSA", "3072" },
	{ "rsa:4096", "RSA", "4096" },
	{ "ec:256", "EC", "256" },
	{ "ec:384", "EC", "384" },
};

static int key_index(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (!strcmp(s, key_types[i].name))
			return (int)i;
	return -1;
}

static bool looks_like_ip(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s) || strchr(s, ':');
}

/*
 * "a.example,B.example" into p->a.domains, lower case, each a host name
 * (no wildcard, no IP address, no duplicate). Usage error otherwise.
 */
static void parse_domains(const char *list, struct certrepo_acme *a)
{
	char err[CERTREPO_ERR_MAX], buf[CERTREPO_ACME_DOMAINS_MAX + 2];
	char *seen[CERTREPO_LIST_MAX];
	size_t n = 0, len = strlen(list), o = 0, i;
	char *save = NULL, *d;

	if (!len)
		usage_error("domains `': empty");
	if (len > CERTREPO_ACME_DOMAINS_MAX)
		usage_error("domains: too long (max %d bytes)", CERTREPO_ACME_DOMAINS_MAX);
	if (list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,"))
		usage_error("domains `%s': an empty domain between commas", list);
	snprintf(buf, sizeof(buf), "%s", list);
	for (d = strtok_r(buf, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		char *c;

		for (c = d; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strchr(d, '*'))
			usage_error("domain `%s': wildcard certificates need the dns-01 challenge, "
				    "which tlsi does not answer (http-01 only): list the host "
				    "names instead", d);
		if (looks_like_ip(d))
			usage_error("domain `%s': an IP address; ACME certificates here are for "
				    "host names", d);
		check(certrepo_check_dns_name("domain", d, false, err, sizeof(err)), err);
		if (!strchr(d, '.'))
			usage_error("domain `%s': not a fully qualified host name", d);
		for (i = 0; i < n; i++)
			if (!strcmp(seen[i], d))
				usage_error("domain `%s': listed twice", d);
		if (n >= CERTREPO_LIST_MAX)
			usage_error("domains: at most %d", CERTREPO_LIST_MAX);
		seen[n++] = d;
		o += (size_t)snprintf(a->domains + o, sizeof(a->domains) - o, "%s%s",
				      o ? "," : "", d);
	}
}

static void parse_directory(const char *url, struct certrepo_acme *a)
{
	const char *p;

	if (strncmp(url, "https://", 8) || !url[8] || url[8] == '/')
		usage_error("directory `%s': must be an https:// URL", url);
	if (strlen(url) > CERTREPO_ACME_URL_MAX)
		usage_error("directory: too long (max %d bytes)", CERTREPO_ACME_URL_MAX);
	for (p = url; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\\')
			usage_error("directory `%s': a space, quote or control character", url);
	snprintf(a->directory, sizeof(a->directory), "%s", url);
}

/* At least one PEM certificate; the path is kept absolute for renewals. */
static void parse_ca_bundle(const char *file, char *out, size_t len)
{
	char abs[PATH_MAX];
	X509 *x = NULL;
	FILE *f;

	if (!realpath(file, abs)) {
		errmsg("ca-bundle `%s': %s", file, strerror(errno));
		exit(EXIT_ERROR);
	}
	f = fopen(abs, "re");
	if (!f) {
		errmsg("ca-bundle `%s': %s", file, strerror(errno));
		exit(EXIT_ERROR);
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x) {
		errmsg("ca-bundle `%s': no PEM certificate in it", file);
		exit(EXIT_ERROR);
	}
	X509_free(x);
	if (strlen(abs) >= len || strchr(abs, '\n')) {
		errmsg("ca-bundle `%s': unusable path", file);
		exit(EXIT_ERROR);
	}
	snprintf(out, len, "%s", abs);
}

/* ---- the state directory --------------------------------------------- */

static char acme_dir[PATH_MAX - 200];

static const char *acme_root(void)
{
	const char *d = getenv("TLSI_ACME_DIR");

	if (!acme_dir[0])
		snprintf(acme_dir, sizeof(acme_dir), "%s", d && *d ? d : ACME_DIR_DEFAULT);
	return acme_dir;
}

static void pathf(char *buf, size_t len, const char *fmt, const char *name)
{
	if ((size_t)snprintf(buf, len, fmt, acme_root(), name) >= len) {
		errmsg("ACME directory `%s': path too long", acme_root());
		exit(EXIT_ERROR);
	}
}

static int mkdir_mode(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		errmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errmsg("%s: not a directory", path);
		return -1;
	}
	/* Only when it differs: a read-only directory is the hook's to fail
	 * on, and that failure is the run's, in its state. */
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0) {
		errmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ACME/ and its subdirectories, with their modes (parents 0755). */
static int acme_dirs_make(void)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s", acme_root());
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			errmsg("%s: %s", p, strerror(errno));
			return -1;
		}
		*s = '/';
	}
	if (mkdir_mode(acme_root(), 0755))
		return -1;
	pathf(p, sizeof(p), "%s/challenges%s", "");
	if (mkdir_mode(p, 0755))
		return -1;
	pathf(p, sizeof(p), "%s/state%s", "");
	if (mkdir_mode(p, 0700))
		return -1;
	pathf(p, sizeof(p), "%s/log%s", "");
	if (mkdir_mode(p, 0700))
		return -1;
	pathf(p, sizeof(p), "%s/uacme%s", "");
	return mkdir_mode(p, 0700);
}

static int lock_fd = -1;

/* One ACME run at a time (the timer and an administrator). */
static int acme_lock(void)
{
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s/.lock%s", "");
	lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
		errmsg("%s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

static void acme_unlock(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || (unsigned char)*s < 0x20)
			*s = ' ';
}

static int state_load(const char *name, struct acme_state *st)
{
	char p[PATH_MAX], line[2048];
	FILE *f;

	memset(st, 0, sizeof(*st));
	pathf(p, sizeof(p), "%s/state/%s", name);
	f = fopen(p, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ' ');

		line[strcspn(line, "\n")] = '\0';
		if (!v)
			continue;
		*v++ = '\0';
#define FIELD(k, dst) else if (!strcmp(line, k)) snprintf(dst, sizeof(dst), "%s", v)
		if (0) {
		}
		FIELD("domains", st->p.a.domains);
		FIELD("directory", st->p.a.directory);
		FIELD("key", st->p.a.key);
		FIELD("email", st->p.a.email);
		FIELD("ca-bundle", st->p.ca_bundle);
		FIELD("state", st->state);
		FIELD("progress", st->progress);
		FIELD("last-error", st->last_error);
		else if (!strcmp(line, "last-attempt"))
			st->last_attempt = strtoll(v, NULL, 10);
		else if (!strcmp(line, "last-success"))
			st->last_success = strtoll(v, NULL, 10);
#undef FIELD
	}
	fclose(f);
	return st->p.a.domains[0] ? 0 : -1;
}

/* Written under a temporary name and renamed: never half a state. */
static int state_save(const char *name, struct acme_state *st)
{
	char p[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int fd;

	one_line(st->progress);
	one_line(st->last_error);
	pathf(p, sizeof(p), "%s/state/%s", name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		errmsg("%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "domains %s\ndirectory %s\nkey %s\n", st->p.a.domains, st->p.a.directory,
		st->p.a.key);
	if (st->p.a.email[0])
		fprintf(f, "email %s\n", st->p.a.email);
	if (st->p.ca_bundle[0])
		fprintf(f, "ca-bundle %s\n", st->p.ca_bundle);
	fprintf(f, "state %s\n", st->state);
	if (st->progress[0])
		fprintf(f, "progress %s\n", st->progress);
	if (st->last_error[0])
		fprintf(f, "last-error %s\n", st->last_error);
	fprintf(f, "last-attempt %lld\n", st->last_attempt);
	if (st->last_success)
		fprintf(f, "last-success %lld\n", st->last_success);
	if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
		errmsg("%s: write error: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, p) < 0) {
		errmsg("%s: %s", p, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void set_progress(const char *name, struct acme_state *st, const char *what)
{
	snprintf(st->progress, sizeof(st->progress), "%s", what);
	state_save(name, st);
}

/* ---- running uacme ----------------------------------------------------- */

static char *slurp(const char *path, size_t max, size_t *len)
{
	char *b = NULL;
	FILE *f = fopen(path, "re");

	*len = 0;
	if (!f)
		return NULL;
	b = malloc(max + 1);
	if (b)
		*len = fread(b, 1, max, f);
	fclose(f);
	if (b)
		b[*len] = '\0';
	return b;
}

static int write_all(int fd, const char *b, size_t len)
{
	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * In the child, before uacme runs: its libcurl (GnuTLS) trusts only
 * /etc/ssl/certs, so a private CA's bundle is added there in a mount
 * namespace of its own: a tmpfs holding the system bundle and the given
 * one, seen by uacme alone.
 */
static void child_trust(const char *bundle)
{
	char *sys, *add;
	size_t ls, la;
	int fd;

	sys = slurp(ACME_SYSTEM_BUNDLE, 16u << 20, &ls);
	add = slurp(bundle, 16u << 20, &la);
	if (!add) {
		fprintf(stderr, "tlsictl: ca-bundle `%s': %s\n", bundle, strerror(errno));
		_exit(2);
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", ACME_SYSTEM_CERTS, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=64m") < 0) {
		fprintf(stderr, "tlsictl: ca-bundle: a private %s for uacme: %s\n",
			ACME_SYSTEM_CERTS, strerror(errno));
		_exit(2);
	}
	fd = open(ACME_SYSTEM_BUNDLE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (sys && write_all(fd, sys, ls)) || write_all(fd, "\n", 1) ||
	    write_all(fd, add, la) || close(fd) < 0) {
		fprintf(stderr, "tlsictl: ca-bundle: %s: %s\n", ACME_SYSTEM_BUNDLE,
			strerror(errno));
		_exit(2);
	}
	free(sys);
	free(add);
}

/*
 * uacme ARGS with its output appended to log/NAME; the hook learns where
 * challenges go from the environment. Its exit status, or -1 (not run,
 * killed, timed out: why in the log).
 */
static int run_uacme(const char *name, const struct acme_params *p, char *const *args)
{
	char logp[PATH_MAX], chal[PATH_MAX], conf[PATH_MAX];
	const char *uacme = getenv("TLSI_UACME");
	const char *to = getenv("TLSI_ACME_TIMEOUT");
	long timeout = to && atol(to) > 0 ? atol(to) : ACME_TIMEOUT_DEFAULT;
	time_t end = time(NULL) + timeout;
	char *argv[CERTREPO_LIST_MAX + 32];
	int logfd, status, i, n = 0;
	pid_t pid;

	pathf(logp, sizeof(logp), "%s/log/%s", name);
	pathf(chal, sizeof(chal), "%s/challenges%s", "");
	pathf(conf, sizeof(conf), "%s/uacme/%s", name);
	logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0) {
		errmsg("%s: %s", logp, strerror(errno));
		return -1;
	}
	argv[n++] = (char *)(uacme && *uacme ? uacme : "uacme");
	for (i = 0; args[i] && n < (int)(sizeof(argv) / sizeof(argv[0])) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	dprintf(logfd, "tlsictl: running");
	for (i = 0; argv[i]; i++)
		dprintf(logfd, " %s", argv[i]);
	dprintf(logfd, "\n");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		errmsg("fork: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(127);
		if (p->ca_bundle[0])
			child_trust(p->ca_bundle);
		setenv("TLSI_ACME_CHALLENGES", chal, 1);
		setenv("TLSI_ACME_NAME", name, 1);
		umask(022);
		execvp(argv[0], argv);
		fprintf(stderr, "tlsictl: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(logfd);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			errmsg("waitpid: %s", strerror(errno));
			return -1;
		}
		if (time(NULL) > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			logfd = open(logp, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
			if (logfd >= 0) {
				dprintf(logfd, "tlsictl: uacme gave no answer in %ld seconds "
					"(TLSI_ACME_TIMEOUT): killed\n", timeout);
				close(logfd);
			}
			return -1;
		}
		usleep(100 * 1000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Why the last run failed, from its log: the CA's problem detail when
 * there is one ("detail": "..."), else the hook's complaint (it could not
 * publish a challenge), else the last line that says something failed.
 */
static void log_reason(const char *name, char *out, size_t len)
{
	char p[PATH_MAX], *b, *s, *best = NULL, *last = NULL, *hook = NULL;
	size_t n;

	pathf(p, sizeof(p), "%s/log/%s", name);
	b = slurp(p, 1u << 20, &n);
	out[0] = '\0';
	if (!b) {
		snprintf(out, len, "no log of the run");
		return;
	}
	/* Only this run: after the last "tlsictl: running" line. */
	for (s = b; (s = strstr(s, "tlsictl: running")); s++)
		last = s;
	s = last ? last : b;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char *d = strstr(line, "\"detail\"");

		while (*line == ' ' || *line == '\t')
			line++;
		if (d) {
			best = d;
		} else if (!strncmp(line, "tlsi-acme-hook:", 15) && strstr(line, "cannot")) {
			hook = line;
		} else if (strstr(line, "failed") || strstr(line, "error") ||
			   strstr(line, "tlsictl:") || strstr(line, "invalid")) {
			if (strncmp(line, "tlsictl: running", 16))
				last = line;
		}
	}
	if (best) {
		char *q = strchr(best + 8, '"');
		char *e = q ? strrchr(q + 1, '"') : NULL;

		if (q && e && e > q) {
			size_t o = (size_t)snprintf(out, len, "the CA: ");

			/* A JSON string: \" and \\ as themselves. */
			for (q++; q < e && o + 1 < len; q++) {
				if (*q == '\\' && q + 1 < e)
					q++;
				out[o++] = *q;
			}
			out[o] = '\0';
		} else
			snprintf(out, len, "%s", best);
	} else if (hook) {
		snprintf(out, len, "%s", hook);
	} else if (last && last != s) {
		snprintf(out, len, "%s", last);
	} else {
		snprintf(out, len, "uacme failed (its log: %.400s)", p);
	}
	free(b);
}

/* ---- a request or a renewal ------------------------------------------- */

static void rm_tree(const char *path);

/* A file of the uacme directory of NAME: "%s" replaced by the domain. */
static void uacme_file(char *buf, size_t len, const char *name, const char *fmt,
		       const char *domain)
{
	char conf[PATH_MAX];

	pathf(conf, sizeof(conf), "%s/uacme/%s", name);
	if ((size_t)snprintf(buf, len, fmt, conf, domain) >= len) {
		errmsg("%s: path too long", conf);
		exit(EXIT_ERROR);
	}
}

static void first_domain(const struct certrepo_acme *a, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(a->domains, ","), a->domains);
}

/*
 * uacme new (once per NAME: its own account), then issue, then the result
 * into the repository (renew: replace). The ACME lock is held.
 */
static int acme_run(const char *name, struct acme_state *st, bool renew)
{
	char conf[PATH_MAX - 32], reg[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	char err[CERTREPO_ERR_MAX], d1[256], dom[CERTREPO_ACME_DOMAINS_MAX + 1];
	char *args[CERTREPO_LIST_MAX + 16], *save = NULL, *d;
	const struct acme_params *p = &st->p;
	int k = key_index(p->a.key), n = 0, rc;
	struct certrepo_import im = { 0 };
	struct certrepo *r;

	if (k < 0) {
		errmsg("name `%s': unknown key type `%s' in its ACME record", name, p->a.key);
		return EXIT_ERROR;
	}
	pathf(conf, sizeof(conf), "%s/uacme/%s", name);
	if (mkdir_mode(conf, 0700))
		return EXIT_ERROR;
	snprintf(st->state, sizeof(st->state), "%s", renew ? "renewing" : "requesting");
	st->last_attempt = (long long)time(NULL);
	st->last_error[0] = '\0';
	set_progress(name, st, "registering the ACME account");

	snprintf(reg, sizeof(reg), "%s/.registered", conf);
	if (access(reg, F_OK) < 0) {
		char *nargs[] = { "-v", "-y", "-c", conf, "-a", (char *)p->a.directory,
				  "new", p->a.email[0] ? (char *)p->a.email : NULL, NULL };

		rc = run_uacme(name, p, nargs);
		if (rc != 0)
			goto failed;
		close(open(reg, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	}
	set_progress(name, st, "ordering: the CA validates each domain over http-01");
	/* The repository holds the certificate: uacme's copies are only the
	 * way it comes (and uacme's backup names collide within a second). */
	first_domain(&p->a, d1, sizeof(d1));
	uacme_file(cert, sizeof(cert), name, "%s/%s", d1);
	rm_tree(cert);
	args[n++] = "-v";
	args[n++] = "-f";
	args[n++] = "-c";
	args[n++] = conf;
	args[n++] = "-a";
	args[n++] = (char *)p->a.directory;
	args[n++] = "-t";
	args[n++] = (char *)key_types[k].type;
	args[n++] = "-b";
	args[n++] = (char *)key_types[k].bits;
	args[n++] = "-h";
	args[n++] = getenv("TLSI_ACME_HOOK") && *getenv("TLSI_ACME_HOOK") ?
		    getenv("TLSI_ACME_HOOK") : TLSI_ACME_HOOK_DEFAULT;
	args[n++] = "issue";
	snprintf(dom, sizeof(dom), "%s", p->a.domains);
	for (d = strtok_r(dom, ",", &save); d && n < (int)(sizeof(args) / sizeof(args[0])) - 1;
	     d = strtok_r(NULL, ",", &save))
		args[n++] = d;
	args[n] = NULL;
	rc = run_uacme(name, p, args);
	if (rc != 0)
		goto failed;

	set_progress(name, st, "issued: into the repository");
	first_domain(&p->a, d1, sizeof(d1));
	uacme_file(cert, sizeof(cert), name, "%s/%s/cert.pem", d1);
	uacme_file(key, sizeof(key), name, "%s/private/%s/key.pem", d1);
	im.cert_file = cert;
	im.key_file = key;
	im.acme = &p->a;
	r = cert_repo_open();
	if (renew)
		rc = certrepo_replace(r, name, &im, err, sizeof(err));
	else
		rc = certrepo_import(r, name, &im, NULL, err, sizeof(err));
	certrepo_close(r);
	if (rc) {
		snprintf(st->last_error, sizeof(st->last_error), "the repository refused the "
			 "issued certificate: %.400s", err);
		goto failed_reason;
	}
	snprintf(st->state, sizeof(st->state), "valid");
	st->progress[0] = '\0';
	st->last_success = (long long)time(NULL);
	state_save(name, st);
	return EXIT_OK;
failed:
	log_reason(name, st->last_error, sizeof(st->last_error));
failed_reason:
	snprintf(st->state, sizeof(st->state), "failed");
	st->progress[0] = '\0';
	state_save(name, st);
	errmsg("name `%s': %s %s", name, renew ? "renewal failed:" : "request failed:",
	       st->last_error);
	return EXIT_ERROR;
}

/* ---- commands --------------------------------------------------------- */

enum { A_DOMAINS = 1, A_KEY = 2, A_DIR = 4, A_EMAIL = 8, A_CA = 16 };

static int cmd_request(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	struct acme_state st, old;
	struct certrepo_info info;
	unsigned long seen = 0;
	const char *name;
	struct certrepo *r;
	int i, rc;

	if (argc < 2)
		usage_error("missing NAME");
	name = argv[1];
	check(certrepo_check_name("name", name, err, sizeof(err)), err);
	memset(&st, 0, sizeof(st));
	snprintf(st.p.a.key, sizeof(st.p.a.key), "rsa:2048");
	snprintf(st.p.a.directory, sizeof(st.p.a.directory), "%s", ACME_DIRECTORY_DEFAULT);
	for (i = 2; i < argc; i++) {
		const char *k = argv[i], *v;

		if (!strcmp(k, "domains") || !strcmp(k, "domain")) {
			kw_once(&seen, A_DOMAINS, "domains");
			parse_domains(kw_value(argc, argv, &i), &st.p.a);
		} else if (!strcmp(k, "key")) {
			kw_once(&seen, A_KEY, k);
			v = kw_value(argc, argv, &i);
			if (key_index(v) < 0)
				usage_error("key `%s': must be rsa:2048, rsa:3072, rsa:4096, ec:256 "
					    "or ec:384", v);
			snprintf(st.p.a.key, sizeof(st.p.a.key), "%s", v);
		} else if (!strcmp(k, "directory")) {
			kw_once(&seen, A_DIR, k);
			parse_directory(kw_value(argc, argv, &i), &st.p.a);
		} else if (!strcmp(k, "email")) {
			kw_once(&seen, A_EMAIL, k);
			v = kw_value(argc, argv, &i);
			check(certrepo_check_email("email", v, err, sizeof(err)), err);
			snprintf(st.p.a.email, sizeof(st.p.a.email), "%s", v);
		} else if (!strcmp(k, "ca-bundle")) {
			kw_once(&seen, A_CA, k);
			parse_ca_bundle(kw_value(argc, argv, &i), st.p.ca_bundle,
					sizeof(st.p.ca_bundle));
		} else {
			usage_error("unknown keyword `%s'", k);
		}
	}
	if (!st.p.a.domains[0])
		usage_error("missing `domains D1[,D2...]'");

	r = cert_repo_open();
	rc = certrepo_get(r, name, &info, err, sizeof(err));
	certrepo_close(r);
	if (rc == 0) {
		if (info.acme_managed)
			errmsg("name `%s': already an ACME certificate (for %s): `cert acme renew "
			       "%s' renews it", name, info.acme.domains, name);
		else
			errmsg("name `%s': already exists (a %s not managed by ACME): choose "
			       "another name", name, certrepo_kind_name(info.kind));
		certrepo_info_free(&info);
		return EXIT_ERROR;
	}
	if (acme_dirs_make() || acme_lock())
		return EXIT_ERROR;
	if (state_load(name, &old) == 0 && (!strcmp(old.state, "requesting") ||
					    !strcmp(old.state, "renewing"))) {
		/* Under the lock: a run that died half-way, not a running one. */
		errmsg("name `%s': an earlier run ended unfinished; starting again", name);
	}
	rc = acme_run(name, &st, false);
	acme_unlock();
	return rc;
}

/* The parameters of NAME: the repository's record, the state's extras. */
static int renew_one(const char *name)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo_info info;
	struct acme_state st, saved;
	bool have_cert, have_state;
	struct certrepo *r;
	int rc;

	r = cert_repo_open();
	have_cert = certrepo_get(r, name, &info, err, sizeof(err)) == 0;
	certrepo_close(r);
	have_state = state_load(name, &saved) == 0;
	if (have_cert && !info.acme_managed) {
		errmsg("name `%s': not an ACME certificate (a %s imported or made otherwise): "
		       "renew it with `cert replace'", name, certrepo_kind_name(info.kind));
		certrepo_info_free(&info);
		return EXIT_ERROR;
	}
	if (!have_cert && !have_state) {
		errmsg("name `%s': no such ACME certificate", name);
		return EXIT_ERROR;
	}
	memset(&st, 0, sizeof(st));
	if (have_state)
		st = saved;
	if (have_cert) {
		st.p.a = info.acme;
		certrepo_info_free(&info);
	}
	if (acme_dirs_make() || acme_lock())
		return EXIT_ERROR;
	rc = acme_run(name, &st, have_cert);
	acme_unlock();
	return rc;
}

static int cmd_renew(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];

	if (argc < 2)
		usage_error("missing NAME");
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	check(certrepo_check_name("name", argv[1], err, sizeof(err)), err);
	return renew_one(argv[1]);
}

static int cmd_renew_due(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX];
	struct certrepo_info *v;
	unsigned long seen = 0;
	uint32_t days = ACME_RENEW_DAYS;
	struct certrepo *r;
	size_t n, i;
	int rc = EXIT_OK, k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "days")) {
			kw_once(&seen, 1, argv[k]);
			check(parse_u32("days", kw_value(argc, argv, &k), 1, CERTREPO_DAYS_MAX, &days,
					err, sizeof(err)), err);
		} else {
			usage_error("unknown keyword `%s'", argv[k]);
		}
	}
	r = cert_repo_open();
	if (certrepo_list(r, &v, &n, err, sizeof(err))) {
		certrepo_close(r);
		return cert_fail(err);
	}
	certrepo_close(r);
	for (i = 0; i < n; i++) {
		if (!v[i].acme_managed || v[i].kind != CERTREPO_CERT || v[i].replaced_by[0])
			continue;
		cout_obj_begin();
		cout_name("name", v[i].name);
		if (v[i].days_left > (long)days) {
			cout_str("result", "not-due");
			cout_num("days-left", v[i].days_left);
			cout_obj_end();
			continue;
		}
		fflush(stdout);
		if (renew_one(v[i].name) == EXIT_OK) {
			cout_str("result", "renewed");
		} else {
			cout_str("result", "failed");
			rc = EXIT_ERROR;
		}
		cout_obj_end();
	}
	certrepo_list_free(v, n);
	return rc;
}

static void print_status(const char *name, const struct certrepo_info *info,
			 const struct acme_state *st)
{
	const struct certrepo_acme *a = info ? &info->acme : &st->p.a;
	char t[32];

	cout_obj_begin();
	cout_name("name", name);
	/* A run under way or failed says so; else the certificate is there. */
	if (st && st->state[0] && (strcmp(st->state, "valid") || !info))
		cout_str("state", st->state);
	else
		cout_str("state", info ? "valid" : "unknown");
	cout_str("domains", a->domains);
	cout_str("key", a->key);
	cout_str("directory", a->directory);
	if (a->email[0])
		cout_str("email", a->email);
	if (info) {
		cout_str("cert-status", certrepo_status_name(info->status));
		cout_str("not-after", certrepo_time_str(info->not_after, t, sizeof(t)));
		cout_num("days-left", info->days_left);
		cout_str("next-renewal", certrepo_time_str(info->not_after -
				(time_t)ACME_RENEW_DAYS * 86400, t, sizeof(t)));
		cout_str("serial", info->serial);
	}
	if (st && st->p.ca_bundle[0])
		cout_str("ca-bundle", st->p.ca_bundle);
	if (st && st->last_attempt)
		cout_str("last-attempt", certrepo_time_str((time_t)st->last_attempt, t, sizeof(t)));
	if (st && st->last_success)
		cout_str("last-success", certrepo_time_str((time_t)st->last_success, t, sizeof(t)));
	if (st && st->progress[0])
		cout_str("progress", st->progress);
	if (st && st->last_error[0])
		cout_str("last-error", st->last_error);
	cout_obj_end();
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_status(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX], p[PATH_MAX], **names = NULL;
	struct certrepo_info *v = NULL;
	struct acme_state st;
	size_t n = 0, i, nn = 0, j;
	const char *only = NULL;
	struct certrepo *r;
	struct dirent *de;
	DIR *dir;
	int rc = EXIT_OK;

	if (argc > 1) {
		only = argv[1];
		check(certrepo_check_name("name", only, err, sizeof(err)), err);
	}
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	r = cert_repo_open();
	if (certrepo_list(r, &v, &n, err, sizeof(err))) {
		certrepo_close(r);
		return cert_fail(err);
	}
	certrepo_close(r);
	/* Every ACME name: certificates, and requests that have none yet. */
	names = calloc(n + 1024, sizeof(*names));
	if (!names)
		return cert_fail("out of memory");
	for (i = 0; i < n; i++)
		if (v[i].acme_managed && !v[i].replaced_by[0])
			names[nn++] = strdup(v[i].name);
	pathf(p, sizeof(p), "%s/state%s", "");
	dir = opendir(p);
	while (dir && (de = readdir(dir)) && nn < n + 1024) {
		bool dup = false;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp") ||
		    certrepo_check_name("name", de->d_name, err, sizeof(err)))
			continue;
		for (j = 0; j < nn; j++)
			dup |= names[j] && !strcmp(names[j], de->d_name);
		if (!dup)
			names[nn++] = strdup(de->d_name);
	}
	if (dir)
		closedir(dir);
	qsort(names, nn, sizeof(*names), cmp_name);
	if (!only)
		cout_list_begin();
	for (j = 0; j < nn; j++) {
		const struct certrepo_info *info = NULL;
		bool have_st;

		if (!names[j] || (only && strcmp(names[j], only)))
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(v[i].name, names[j]))
				info = &v[i];
		if (info && !info->acme_managed)
			continue;	/* the name went to another object since */
		have_st = state_load(names[j], &st) == 0;
		if (!info && !have_st)
			continue;
		print_status(names[j], info, have_st ? &st : NULL);
		if (only)
			break;
	}
	if (only && j == nn) {
		errmsg("name `%s': no such ACME certificate", only);
		rc = EXIT_ERROR;
	}
	if (!only)
		cout_list_end();
	for (j = 0; j < nn; j++)
		free(names[j]);
	free(names);
	certrepo_list_free(v, n);
	return rc;
}

static void rm_tree(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d))) {
		char p[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", path, de->d_name) >= sizeof(p))
			continue;
		if (de->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static int cmd_del(int argc, char **argv)
{
	char err[CERTREPO_ERR_MAX], who[512], p[PATH_MAX];
	struct certrepo_info info;
	struct acme_state st;
	bool have_cert, have_state;
	const char *name;
	struct certrepo *r;
	int rc = EXIT_OK;

	if (argc < 2)
		usage_error("missing NAME");
	if (argc > 2)
		usage_error("unexpected argument `%s'", argv[2]);
	name = argv[1];
	check(certrepo_check_name("name", name, err, sizeof(err)), err);
	r = cert_repo_open();
	have_cert = certrepo_get(r, name, &info, err, sizeof(err)) == 0;
	have_state = state_load(name, &st) == 0;
	if (have_cert && !info.acme_managed) {
		errmsg("name `%s': not an ACME certificate: `cert del' deletes it", name);
		rc = EXIT_ERROR;
	} else if (!have_cert && !have_state) {
		errmsg("name `%s': no such ACME certificate", name);
		rc = EXIT_ERROR;
	} else if (have_cert && ssl_repo_name_users(name, false, who, sizeof(who))) {
		errmsg("certificate `%s' is used by %s", name, who);
		rc = EXIT_ERROR;
	} else if (have_cert && certrepo_del(r, name, err, sizeof(err))) {
		rc = cert_fail(err);
	}
	if (have_cert)
		certrepo_info_free(&info);
	certrepo_close(r);
	if (rc)
		return rc;
	if (acme_lock())
		return EXIT_ERROR;
	pathf(p, sizeof(p), "%s/state/%s", name);
	unlink(p);
	pathf(p, sizeof(p), "%s/log/%s", name);
	unlink(p);
	pathf(p, sizeof(p), "%s/uacme/%s", name);
	rm_tree(p);
	acme_unlock();
	return EXIT_OK;
}

static const struct command cmds[] = {
	{ "request", cmd_request, NULL },
	{ "renew", cmd_renew, NULL },
	{ "renew-due", cmd_renew_due, NULL },
	{ "status", cmd_status, NULL },
	{ "show", cmd_status, NULL },
	{ "list", cmd_status, NULL },
	{ "del", cmd_del, NULL },
	{ NULL, NULL, NULL }
};

int cert_acme_main(int argc, char **argv)
{
	argv[0] = "cert acme";	/* messages and hints name the whole command */
	return dispatch(argc, argv, cmds, help);
}
