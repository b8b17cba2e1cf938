// SPDX-License-Identifier: GPL-2.0
/*
 * tlsid: the TLS handshake daemon of tlsi. Options, start-up, signals and
 * the orderly shutdown. See Documentation/tlsid.md.
 *
 * Start-up order: the instance lock, keys and certificates, policy routing,
 * listeners, the kernel's divert-port (from then on tlsi.ko diverts),
 * daemonize, workers.
 * Shutdown runs it backwards, divert-port 0 first, so that new connections
 * pass uninspected instead of failing while tlsid goes away.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/err.h>

#include "decrypt.h"
#include "ready.h"
#include "rules_image.h"
#include "tlsid.h"

#ifndef TLSID_VERSION
#define TLSID_VERSION "0.1.0"
#endif

struct tlsid_config tlsid_cfg = {
	.port = TLSID_DEFAULT_PORT,
	.mark = TLSID_DEFAULT_MARK,
	.table = TLSID_DEFAULT_TABLE,
	.cache_size = TLSID_DEFAULT_CACHE,
	.max_sessions = TLSID_DEFAULT_SESSIONS,
	.hs_timeout = TLSID_DEFAULT_HS_TIMEOUT,
	.idle_timeout = TLSID_DEFAULT_IDLE,
	.pinned_ttl = PINNED_DEFAULT_TTL,
	.pinned_max = PINNED_DEFAULT_MAX,
};
atomic_bool tlsid_stopping;
/* --ready-fd: told once tlsid is ready (ready.c), -1: nobody. */
static int ready_fd = -1;

static const char usage[] =
"Usage: tlsid --ca-cert FILE --ca-key FILE [options]\n"
"       tlsid --cert-repo DIR [--signing-cert NAME] [options]\n"
"\n"
"The TLS handshake daemon of tlsi: takes the TLS connections tlsi.ko\n"
"diverts to it, connects to each server as the client, checks the server's\n"
"certificate and presents the client a certificate forged for the server,\n"
"then relays the decrypted stream.\n"
"\n"
"Signing CA (one of):\n"
"  --ca-cert FILE          the signing CA certificate (PEM; its chain may follow)\n"
"  --ca-key FILE           its private key (PEM, unencrypted)\n"
"  --cert-repo DIR         the certificate repository (tlsictl cert ...)\n"
"  --signing-cert NAME     a signing certificate of the repository\n"
"                          (SSL proxies name their own: tlsictl ssl-proxy ... cert)\n"
"  --keystore DIR          tlsid's copy of the repository's keys when its\n"
"                          persist-keys is on (default " TLSID_DEFAULT_KEYSTORE ")\n"
"Trust (upstream servers' chains must reach one of these):\n"
"  --trust FILE            extra CA certificates (PEM), repeatable (up to 16)\n"
"  --trust-store NAME      a trust store of the repository (with --cert-repo)\n"
"  --no-system-trust       leave out " TLSID_SYSTEM_TRUST "\n"
"Behaviour:\n"
"  --block-invalid         close connections to servers whose chain does not\n"
"                          validate (default: serve a leaf from the untrusted CA)\n"
"  --log FILE              SSL inspection log, one JSON object per line\n"
"  --log-all               log every session (default: those of SSL proxies\n"
"                          with `logging', and those no policy is known for)\n"
"  --rules-image PATH      the IPS rules for the sessions tlsid relays itself\n"
"                          (suites kTLS cannot carry), as `tlsictl rules load'\n"
"                          publishes them (default $" TLSI_RULES_IMAGE_ENV " or\n"
"                          " TLSI_RULES_IMAGE_DEFAULT "; \"\": none); reloaded when it changes\n"
"  --eve FILE              their alerts as Suricata EVE JSON lines\n"
"  --events PATH           send every record (inspection log, EVE alerts,\n"
"                          errors and warnings, the counters every 5 s) to\n"
"                          tlslogd's socket PATH instead of --log/--eve files\n"
"                          (Documentation/logging.md)\n"
"  --trace-file FILE       their packet traces (IPS action trace: rules with\n"
"                          metadata tlsi_trace, or every alert with `tlsictl\n"
"                          rules config trace alerts'), appended as pcap\n"
"  --trace-file-max BYTES  stop adding traces once the file has BYTES\n"
"                          (default 256 MiB; counted, logged once)\n"
"  --handshake-timeout S   from accept to relaying (default 15)\n"
"  --idle-timeout S        relayed sessions without traffic (default 300)\n"
"  --max-sessions N        concurrent sessions (default 10000; above: reset)\n"
"  --max-handshakes-per-source N\n"
"                          unfinished handshakes one client address may hold\n"
"                          (default: a tenth of --max-sessions; 0: no limit;\n"
"                          above: reset)\n"
"  --cache-size N          forged certificates kept (default 4096, 0: none)\n"
"  --workers N             worker threads (default: one per core)\n"
"Privileges (once set up; see Documentation/tlsid.md):\n"
"  --user NAME             run as NAME (default: `tlsid' if that user exists,\n"
"                          else root); either way only CAP_NET_ADMIN and\n"
"                          CAP_NET_BIND_SERVICE are kept, and no_new_privs\n"
"  --seccomp MODE          kill (default: a system call tlsid does not make\n"
"                          kills it), log (allow and log them) or off\n"
"Decryption policies:\n"
"  --decrypt-dir DIR       the decryption policies SSL client policies name\n"
"                          (tlsictl decrypt-policy; default $TLSI_DECRYPT_DIR,\n"
"                          else /etc/tlsi/decrypt), read when they change\n"
"  --pinned-cache FILE     the pinned-application cache (tlsictl pinned-cache;\n"
"                          default $TLSI_PINNED_CACHE, else " PINNED_DEFAULT_FILE ")\n"
"  --pinned-ttl SECONDS    how long a pinned server name passes through\n"
"                          (default 43200: 12 hours)\n"
"  --pinned-max N          names held at most (default 1024)\n"
"  --acme-challenges DIR   the http-01 answers `tlsictl cert acme' publishes,\n"
"                          served on port 80 of server proxies with\n"
"                          acme-http01 (default\n"
"                          " TLSID_DEFAULT_ACME_CHALLENGES ")\n"
"Plumbing:\n"
"  --port PORT             the transparent listener (default 15443)\n"
"  --mark MARK             fwmark of diverted packets (default 0x7a5)\n"
"  --table N               routing table for them (default 233)\n"
"  --no-route              do not set up the policy routing\n"
"  --no-kernel             do not use tlsi.ko (divert-port/divert-mark, the\n"
"                          kernel relay, /dev/tlsi): tlsid relays everything\n"
"  -f, --foreground        stay in the foreground, log to stderr\n"
"  --ready-fd N            once listening and diverted to, write \"ready PORT\"\n"
"                          and a newline to descriptor N and close it (systemd:\n"
"                          READY=1 to $NOTIFY_SOCKET when that is set)\n"
"  -v, --verbose           log every session\n"
"  -h, --help, --version\n"
"\n"
"Signals: TERM/INT stop (divert-port 0 first), USR1 dumps the counters to\n"
"the logs, HUP reopens the inspection log and the EVE file.\n";

enum {
	OPT_PORT = 256, OPT_MARK, OPT_TABLE, OPT_CA_CERT, OPT_CA_KEY, OPT_REPO,
	OPT_SIGNING, OPT_TRUST, OPT_TRUST_STORE, OPT_NO_SYSTEM_TRUST, OPT_LOG,
	OPT_BLOCK_INVALID, OPT_WORKERS, OPT_CACHE, OPT_MAX_SESSIONS, OPT_HS_TIMEOUT,
	OPT_IDLE, OPT_NO_KERNEL, OPT_NO_ROUTE, OPT_VERSION, OPT_LOG_ALL, OPT_KEYSTORE,
	OPT_RULES_IMAGE, OPT_EVE, OPT_TRACE_FILE, OPT_TRACE_FILE_MAX, OPT_HS_PER_SOURCE,
	OPT_USER, OPT_SECCOMP, OPT_READY_FD, OPT_DECRYPT_DIR, OPT_PINNED_CACHE,
	OPT_PINNED_TTL, OPT_PINNED_MAX, OPT_EVENTS, OPT_ACME_CHALLENGES,
};

static const struct option options[] = {
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "mark",		required_argument, NULL, OPT_MARK },
	{ "table",		required_argument, NULL, OPT_TABLE },
	{ "ca-cert",		required_argument, NULL, OPT_CA_CERT },
	{ "ca-key",		required_argument, NULL, OPT_CA_KEY },
	{ "cert-repo",		required_argument, NULL, OPT_REPO },
	{ "signing-cert",	required_argument, NULL, OPT_SIGNING },
	{ "trust",		required_argument, NULL, OPT_TRUST },
	{ "trust-store",	required_argument, NULL, OPT_TRUST_STORE },
	{ "no-system-trust",	no_argument,	   NULL, OPT_NO_SYSTEM_TRUST },
	{ "log",		required_argument, NULL, OPT_LOG },
	{ "log-all",		no_argument,	   NULL, OPT_LOG_ALL },
	{ "decrypt-dir",	required_argument, NULL, OPT_DECRYPT_DIR },
	{ "pinned-cache",	required_argument, NULL, OPT_PINNED_CACHE },
	{ "acme-challenges",	required_argument, NULL, OPT_ACME_CHALLENGES },
	{ "pinned-ttl",		required_argument, NULL, OPT_PINNED_TTL },
	{ "pinned-max",		required_argument, NULL, OPT_PINNED_MAX },
	{ "keystore",		required_argument, NULL, OPT_KEYSTORE },
	{ "rules-image",	required_argument, NULL, OPT_RULES_IMAGE },
	{ "eve",		required_argument, NULL, OPT_EVE },
	{ "events",		required_argument, NULL, OPT_EVENTS },
	{ "trace-file",		required_argument, NULL, OPT_TRACE_FILE },
	{ "trace-file-max",	required_argument, NULL, OPT_TRACE_FILE_MAX },
	{ "block-invalid",	no_argument,	   NULL, OPT_BLOCK_INVALID },
	{ "workers",		required_argument, NULL, OPT_WORKERS },
	{ "cache-size",		required_argument, NULL, OPT_CACHE },
	{ "max-sessions",	required_argument, NULL, OPT_MAX_SESSIONS },
	{ "max-handshakes-per-source", required_argument, NULL, OPT_HS_PER_SOURCE },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "seccomp",		required_argument, NULL, OPT_SECCOMP },
	{ "handshake-timeout",	required_argument, NULL, OPT_HS_TIMEOUT },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE },
	{ "no-kernel",		no_argument,	   NULL, OPT_NO_KERNEL },
	{ "no-route",		no_argument,	   NULL, OPT_NO_ROUTE },
	{ "ready-fd",		required_argument, NULL, OPT_READY_FD },
	{ "foreground",		no_argument,	   NULL, 'f' },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tlsid: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry `tlsid --help' for more information.\n");
	exit(2);
}

/* A number min..max (decimal, or 0x hex). */
static unsigned long number(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		usage_error("%s `%s': not a number in %lu..%lu", opt, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct tlsid_config *c)
{
	bool hs_per_source_set = false;
	int o;

	c->workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	c->rules_image = ri_path();
	c->trace_file_max = TLSID_TRACE_FILE_MAX_DEFAULT;
	while ((o = getopt_long(argc, argv, "fvh", options, NULL)) != -1) {
		switch (o) {
		case OPT_PORT:
			c->port = (uint16_t)number("--port", optarg, 1, 65535);
			break;
		case OPT_MARK:
			c->mark = (uint32_t)number("--mark", optarg, 1, UINT32_MAX);
			break;
		case OPT_TABLE:
			c->table = (uint32_t)number("--table", optarg, 1, UINT32_MAX - 1);
			if (c->table >= 253 && c->table <= 255)
				usage_error("--table `%s': the default, main and local tables are taken",
					    optarg);
			break;
		case OPT_CA_CERT:
			c->ca_cert = optarg;
			break;
		case OPT_CA_KEY:
			c->ca_key = optarg;
			break;
		case OPT_REPO:
			c->cert_repo = optarg;
			break;
		case OPT_SIGNING:
			c->signing_cert = optarg;
			break;
		case OPT_TRUST:
			if (c->n_trust == TLSID_TRUST_MAX)
				usage_error("--trust `%s': at most 16 files", optarg);
			c->trust[c->n_trust++] = optarg;
			break;
		case OPT_TRUST_STORE:
			c->trust_store = optarg;
			break;
		case OPT_NO_SYSTEM_TRUST:
			c->no_system_trust = true;
			break;
		case OPT_LOG:
			c->log_file = optarg;
			break;
		case OPT_BLOCK_INVALID:
			c->block_invalid = true;
			break;
		case OPT_LOG_ALL:
			c->log_all = true;
			break;
		case OPT_DECRYPT_DIR:
			c->decrypt_dir = optarg;
			break;
		case OPT_ACME_CHALLENGES:
			c->acme_challenges = optarg;
			break;
		case OPT_PINNED_CACHE:
			c->pinned_cache = optarg;
			break;
		case OPT_PINNED_TTL:
			c->pinned_ttl = number("--pinned-ttl", optarg, 1, 31536000);
			break;
		case OPT_PINNED_MAX:
			c->pinned_max = number("--pinned-max", optarg, 1, PINNED_MAX_LIMIT);
			break;
		case OPT_KEYSTORE:
			if (optarg[0] != '/')
				usage_error("--keystore `%s': not an absolute path", optarg);
			c->keystore = optarg;
			break;
		case OPT_RULES_IMAGE:
			c->rules_image = optarg[0] ? optarg : NULL;
			break;
		case OPT_EVE:
			c->eve_file = optarg;
			break;
		case OPT_TRACE_FILE:
			c->trace_file = optarg;
			break;
		case OPT_TRACE_FILE_MAX:
			c->trace_file_max = number("--trace-file-max", optarg, 1, 1UL << 40);
			break;
		case OPT_WORKERS:
			c->workers = (int)number("--workers", optarg, 1, TLSID_WORKERS_MAX);
			break;
		case OPT_CACHE:
			c->cache_size = (unsigned)number("--cache-size", optarg, 0, 1000000);
			break;
		case OPT_MAX_SESSIONS:
			c->max_sessions = (unsigned)number("--max-sessions", optarg, 1, 1000000);
			break;
		case OPT_HS_PER_SOURCE:
			c->max_hs_per_source = (unsigned)number("--max-handshakes-per-source", optarg,
								0, 1000000);
			hs_per_source_set = true;
			break;
		case OPT_EVENTS:
			c->events = optarg;
			break;
		case OPT_USER:
			if (!optarg[0])
				usage_error("--user: an empty name");
			c->user = optarg;
			break;
		case OPT_SECCOMP:
			if (!strcmp(optarg, "kill"))
				c->seccomp = TLSID_SECCOMP_KILL;
			else if (!strcmp(optarg, "log"))
				c->seccomp = TLSID_SECCOMP_LOG;
			else if (!strcmp(optarg, "off"))
				c->seccomp = TLSID_SECCOMP_OFF;
			else
				usage_error("--seccomp `%s': kill, log or off", optarg);
			break;
		case OPT_HS_TIMEOUT:
			c->hs_timeout = (unsigned)number("--handshake-timeout", optarg, 1, 3600);
			break;
		case OPT_IDLE:
			c->idle_timeout = (unsigned)number("--idle-timeout", optarg, 1, 864000);
			break;
		case OPT_NO_KERNEL:
			c->no_kernel = true;
			break;
		case OPT_NO_ROUTE:
			c->no_route = true;
			break;
		case OPT_READY_FD:
			ready_fd = (int)number("--ready-fd", optarg, 0, 65535);
			if (tlsid_ready_fd_check(ready_fd) < 0)
				usage_error("--ready-fd %d: not a descriptor open for writing", ready_fd);
			break;
		case 'f':
			c->foreground = true;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			puts("tlsid " TLSID_VERSION);
			exit(0);
		default:
			fprintf(stderr, "Try `tlsid --help' for more information.\n");
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument `%s'", argv[optind]);
	if (!hs_per_source_set) {
		c->max_hs_per_source = c->max_sessions / TLSID_DEFAULT_HS_PER_SOURCE_DIV;
		if (!c->max_hs_per_source)
			c->max_hs_per_source = 1;
	}
	if (c->workers < 1)
		c->workers = 1;
	if (c->workers > TLSID_WORKERS_MAX)
		c->workers = TLSID_WORKERS_MAX;
	if (c->signing_cert) {
		if (!c->cert_repo)
			usage_error("--signing-cert `%s' needs --cert-repo DIR", c->signing_cert);
		if (c->ca_cert || c->ca_key)
			usage_error("--signing-cert and --ca-cert/--ca-key exclude each other");
	} else if (!c->ca_cert != !c->ca_key) {
		usage_error("--ca-cert FILE and --ca-key FILE go together");
	} else if (!c->ca_cert && !c->cert_repo) {
		usage_error("no signing CA: give --ca-cert FILE and --ca-key FILE "
			    "(or --cert-repo DIR [--signing-cert NAME])");
	}
	if (c->events && (c->log_file || c->eve_file))
		usage_error("--events sends the records to tlslogd: no --log or --eve with it");
	if (c->trust_store && !c->cert_repo)
		usage_error("--trust-store `%s' needs --cert-repo DIR", c->trust_store);
}

/* Two descriptors a session, and the kernel's default soft limit is low. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
	/* Blocked before the workers start: they inherit the mask. */
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return -1;
	return signalfd(-1, set, SFD_CLOEXEC);
}

static void main_loop(int sfd)
{
	struct signalfd_siginfo si;
	time_t next_check = tlsid_now() + 1, next_stats = tlsid_now() + 1;

	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		time_t now = tlsid_now();
		ssize_t n;

		/* The IPS rules image, about once a second (ips.c). */
		if (now >= next_check) {
			tlsid_ips_check();
			next_check = tlsid_now() + 1;
		}
		/* The counters for tlslogd's /metrics. */
		if (now >= next_stats) {
			tlsid_stats_send();
			next_stats = tlsid_now() + 5;
		}
		n = poll(&p, 1, 1000);
		if (n < 0 && errno != EINTR) {
			tlsid_log_perror("poll");
			return;
		}
		if (n <= 0)
			continue;
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si)) {
			tlsid_log_perror("signalfd");
			return;
		}
		switch (si.ssi_signo) {
		case SIGUSR1:
			tlsid_stats_dump();
			break;
		case SIGHUP:
			if (tlsid_cfg.log_file) {
				tlsid_inspect_log_close();
				tlsid_inspect_log_open(tlsid_cfg.log_file);
			}
			if (tlsid_cfg.eve_file)
				tlsid_eve_open(tlsid_cfg.eve_file);
			break;
		default:
			tlsid_log_info("signal %u: stopping", si.ssi_signo);
			tlsid_stopping_notify();
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct tlsid_config *c = &tlsid_cfg;
	bool routed = false, diverting = false, running = false;
	int rc = 1, sfd = -1;
	sigset_t set;

	parse_args(argc, argv, c);
	tlsid_log_init(true, c->verbose);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();

	/* First: the setup's warnings (certificates near expiry) are records. */
	if (c->events && tlsid_events_open(c->events))
		goto out;
	if (tlsid_sandbox_prepare(c) || tlsid_instance_lock(c->port) < 0)
		goto out;
	if (tlsid_keys_init(c) || tlsid_forge_cache_init(c->cache_size) || tlsid_ssl_ctx_init())
		goto out;
	if (tlsid_ktls_init()) {
		tlsid_log_ssl("OpenSSL's TLS13-KDF and TLS1-PRF");
		goto out;
	}
	if (c->log_file && tlsid_inspect_log_open(c->log_file))
		goto out;
	if (c->eve_file && tlsid_eve_open(c->eve_file))
		goto out;
	if (c->trace_file && tlsid_trace_open(c->trace_file))
		goto out;
	tlsid_ips_init();
	/* Opened as root: written through this descriptor after the drop. */
	if (tlsid_pinned_open())
		goto out;
	/* Opened as root too: the sandboxed user reads the answers through it
	 * (whatever the modes of the directories above). */
	tlsid_acme_init(c->acme_challenges ? c->acme_challenges : TLSID_DEFAULT_ACME_CHALLENGES);
	if (!c->no_route) {
		if (tlsid_route_setup(c->mark, c->table))
			goto out;
		routed = true;
	}
	if (tlsid_listeners_open(c->workers, c->port))
		goto out;
	if (!c->no_kernel) {
		if (tlsid_kernel_set_divert(c->port, c->mark, true))
			goto out;
		diverting = true;
		/* Without it tlsid works as before: it relays every session. */
		if (tlsid_dev_open())
			tlsid_log_perror("/dev/" TLSI_DEV_NAME " (no kernel relay; tlsid relays "
					 "every session)");
	}
	tlsid_log_info("listening on port %u (fwmark %#x, table %u), %d workers%s%s",
		       c->port, c->mark, c->table, c->workers,
		       c->no_kernel ? "" : "; tlsi.ko diverts to it",
		       tlsid_dev_ready() ? " and relays with kTLS" : "");
	if (!c->foreground) {
		if (daemon(0, 0) < 0) {
			tlsid_log_perror("daemon");
			goto out;
		}
		tlsid_log_init(false, c->verbose);
	}
	sfd = signals_block(&set);
	if (sfd < 0) {
		tlsid_log_perror("signals");
		goto out;
	}
	running = true;
	tlsid_certs_daemonized();
	/* From here on: parsing what anyone sends, with least privilege. */
	if (tlsid_sandbox_enter(c) || tlsid_workers_start())
		goto out;
	tlsid_ready(ready_fd, c->port);
	ready_fd = -1;
	main_loop(sfd);
	rc = 0;
out:
	/* Fail open first: the kernel stops diverting, then the rest goes. */
	if (diverting)
		tlsid_kernel_set_divert(0, 0, false);
	tlsid_workers_stop();
	if (routed)
		tlsid_route_teardown(c->mark, c->table);
	if (running)
		tlsid_stats_dump();
	tlsid_inspect_log_close();
	tlsid_eve_close();
	tlsid_events_close();
	tlsid_trace_close();
	tlsid_ips_free();
	tlsid_decrypt_free();
	tlsid_dev_close();
	tlsid_ktls_free();
	tlsid_ssl_ctx_free();
	tlsid_forge_cache_free();
	tlsid_server_free();	/* its certificate references first */
	tlsid_keys_free();
	if (sfd >= 0)
		close(sfd);
	/* Never ready: a --ready-fd reader sees end-of-file without the line. */
	if (ready_fd >= 0)
		close(ready_fd);
	return rc;
}
