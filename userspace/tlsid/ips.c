// SPDX-License-Identifier: GPL-2.0
/*
 * The filter engine on the sessions tlsid relays itself (suites kTLS
 * cannot carry): the same rules and, through the engine's session driver
 * (engine/driver.h) that tlsi.ko's relay uses too, the same behaviour.
 * This file is the driver's userspace host: the published image, EVE
 * records for alerts, quarantine over netlink, the trace file, counters.
 *
 * The rules: `tlsictl rules load' publishes the image the kernel accepted
 * to a file (--rules-image, default /run/tlsi/rules.img; rules_image.h).
 * The main thread looks at the file about once a second and reads it again
 * when its mtime, inode or size changed (tlsi_eng_init() validates it; a
 * bad image is logged once and the previous one stays), or drops the rules
 * when the file is gone. The image is used while tlsi.ko runs the same
 * rules (RULES_GET: rules loaded, the same build id), so that a file left
 * over (another load, namespace or module life) never inspects what the
 * kernel does not; while the kernel runs other rules than the file holds
 * (a load whose file is not written yet), the rules in use stay; with
 * --no-kernel the file is used as it is. An image in use is
 * shared read-only by the workers and
 * counted: the current pointer holds one reference, and each worker holds
 * one on the image it last used (thread-local, refreshed when the
 * generation changes), with its own engine scratch. The threshold table is
 * per image, under the engine's lock, and so are the per-rule counters
 * (hits, alerts, drops: in the stats line, carried over when a `rules var'
 * rewrite keeps the rules).
 *
 * Sessions: the driver's flow state (struct tlsid_ips_flow, about 37 KB) is
 * allocated when a session goes to the userspace relay with rules loaded,
 * else with its first chunk under rules. As in the kernel, a session is
 * inspected with the rules current at each chunk: when they changed, the
 * engine restarts the flow's inspection state. tls.sni is matched with the
 * first engine call; each plaintext chunk is inspected before it is written
 * on (engine events counted as the kernel counts them: ips_depth_reached,
 * ips_engine_errors, ips_http_anomalies, ips_dns_anomalies,
 * ips_http2_anomalies, ips_stream_window_exceeded); at the end
 * both directions end (alerts only). A drop or reject rule
 * blocks the session (relay.c resets the server, and the client when the
 * SSL proxy says `reset'); a pass rule stops inspecting it. Alerts are EVE
 * records (--eve FILE) as `tlsictl monitor' prints the kernel's; a rule
 * with `tlsi_quarantine' metadata, or any blocking rule with the kernel's
 * `rules config quarantine on', quarantines the client in tlsi.ko.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "eve.h"
#include "json.h"
#include "nl.h"
#include "rules_image.h"
#include "tlsid.h"

/* relay.c passes the uapi's directions. */
_Static_assert((int)TLSI_IPS_DIR_TO_SERVER == TLSI_DIR_TO_SERVER &&
	       (int)TLSI_IPS_DIR_TO_CLIENT == TLSI_DIR_TO_CLIENT, "directions");

#define IPS_QUARANTINE_DEFAULT	3600	/* s, until the kernel's setting is known */

/* ---- images ------------------------------------------------------------- */

struct ips_image {
	atomic_int refs;
	struct tlsi_drv_image d;	/* engine, per-rule counters and metadata */
	uint8_t *img;
	size_t scratch_size;
};

/* The file as last acted on (loaded, refused or found missing). */
struct file_sig {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static pthread_mutex_t ips_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ips_image *ips_cur;		/* under ips_lock */
static atomic_uint ips_gen = 1;			/* bumped with each ips_cur change */
static struct ips_image *ips_file;		/* main thread: the file's, validated */
static struct file_sig ips_seen;		/* main thread only */
static bool ips_seen_valid;
static bool ips_mismatch_logged;		/* that ips_file is not used */

/* The kernel's IPS settings (rules config), read by the main thread. */
static atomic_uint_fast32_t ips_depth, ips_body_depth;
static atomic_bool ips_global_quarantine;
static atomic_uint_fast32_t ips_quarantine_timeout = IPS_QUARANTINE_DEFAULT;
static atomic_uint ips_trace_mode = TLSI_IPS_TRACE_OFF;
static atomic_uint_fast32_t ips_trace_bytes = TLSI_TRACE_BYTES_DEFAULT;

static const struct tlsi_drv_ops ips_ops;

static void image_put(struct ips_image *im)
{
	if (!im || atomic_fetch_sub(&im->refs, 1) != 1)
		return;
	tlsi_drv_image_free(&im->d, &ips_ops);
	free(im->img);
	free(im);
}

/* Everything inspecting with img (malloc'd, len bytes; taken) needs; NULL
 * with err. */
static struct ips_image *image_new(uint8_t *img, size_t len, char *err, size_t errlen)
{
	struct ips_image *im = calloc(1, sizeof(*im));

	if (!im) {
		free(img);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&im->refs, 1);
	im->img = img;
	if (tlsi_drv_image_init(&im->d, &ips_ops, img, len, err, errlen)) {
		free(img);
		free(im);
		return NULL;
	}
	im->scratch_size = tlsi_eng_scratch_size(&im->d.eng);
	return im;
}

/* Make im (a new reference, or NULL) the current image. */
static void image_publish(struct ips_image *im)
{
	struct ips_image *old;

	pthread_mutex_lock(&ips_lock);
	old = ips_cur;
	ips_cur = im;
	atomic_fetch_add_explicit(&ips_gen, 1, memory_order_release);
	pthread_mutex_unlock(&ips_lock);
	image_put(old);
}

static void sig_of(const struct stat *st, struct file_sig *f)
{
	f->exists = true;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
}

static bool sig_eq(const struct file_sig *a, const struct file_sig *b)
{
	if (a->exists != b->exists)
		return false;
	return !a->exists || (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
			      a->mtime.tv_sec == b->mtime.tv_sec &&
			      a->mtime.tv_nsec == b->mtime.tv_nsec);
}

/* Read and validate the file (it changed): on success it becomes ips_file;
 * a refusal is logged once (per version of the file) and changes nothing. */
static void image_load(const char *path)
{
	struct ips_image *im;
	struct file_sig sig;
	struct stat st;
	uint8_t *img = NULL;
	size_t got = 0;
	char err[512];
	int fd;

	memset(&sig, 0, sizeof(sig));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return;		/* gone meanwhile: the next check says so */
		snprintf(err, sizeof(err), "%s", strerror(errno));
		goto refused;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, sizeof(err), "%s", strerror(errno));
		goto refused;
	}
	sig_of(&st, &sig);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > TLSI_IMG_SIZE_MAX) {
		snprintf(err, sizeof(err), "not a regular file of 1..%u bytes", TLSI_IMG_SIZE_MAX);
		goto refused;
	}
	img = malloc((size_t)st.st_size);	/* malloc memory is 16-byte aligned */
	if (!img) {
		snprintf(err, sizeof(err), "out of memory");
		goto refused;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, img + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, sizeof(err), "%s", n ? strerror(errno) : "shorter than it was");
			goto refused;
		}
		got += (size_t)n;
	}
	close(fd);
	fd = -1;
	im = image_new(img, got, err, sizeof(err));
	img = NULL;
	if (!im)
		goto refused;
	ips_seen = sig;
	ips_seen_valid = true;
	/* The same rules (a `rules var' rewrite keeps the build id): their
	 * counters go on. */
	if (ips_file && ips_file->d.eng.nrules == im->d.eng.nrules &&
	    ips_file->d.eng.hdr->build_id == im->d.eng.hdr->build_id)
		tlsi_drv_image_copy_counters(&im->d, &ips_file->d, &ips_ops);
	tlsid_count(TLSID_C_ips_rule_loads);
	tlsid_log_debug("IPS rules image %s read: %u rules, build id 0x%08x", path,
			im->d.eng.nrules, le32v(im->d.eng.hdr->build_id));
	image_put(ips_file);
	ips_file = im;
	ips_mismatch_logged = false;
	return;
refused:
	if (fd >= 0)
		close(fd);
	free(img);
	/* The next check looks at the file again only when it changed. */
	ips_seen = sig;
	ips_seen_valid = true;
	tlsid_count(TLSID_C_ips_rule_loads_refused);
	tlsid_log_error("IPS rules image %s refused: %s%s", path, err,
			ips_file ? " (the rules read before stay)" : "");
}

/* ---- the kernel: its rules and IPS settings ------------------------------------ */

static struct tlsi_nl ips_nl;
static bool ips_nl_open, ips_nl_failed_logged;

/* What tlsi.ko runs (RULES_GET), as last heard. */
static bool kern_known, kern_loaded;
static uint32_t kern_build_id;

static int rules_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	kern_known = true;
	kern_loaded = tb[TLSI_A_COUNT] != NULL;
	kern_build_id = tb[TLSI_A_RULES_BUILD_ID] ? mnl_attr_get_u32(tb[TLSI_A_RULES_BUILD_ID]) : 0;
	return MNL_CB_OK;
}

static int cfg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TLSI_A_MAX + 1];

	if (tlsi_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (tb[TLSI_A_IPS_QUARANTINE])
		atomic_store(&ips_global_quarantine, mnl_attr_get_u8(tb[TLSI_A_IPS_QUARANTINE]) != 0);
	if (tb[TLSI_A_TIMEOUT])
		atomic_store(&ips_quarantine_timeout, mnl_attr_get_u32(tb[TLSI_A_TIMEOUT]));
	if (tb[TLSI_A_IPS_DEPTH])
		atomic_store(&ips_depth, mnl_attr_get_u32(tb[TLSI_A_IPS_DEPTH]));
	if (tb[TLSI_A_IPS_BODY_DEPTH])
		atomic_store(&ips_body_depth, mnl_attr_get_u32(tb[TLSI_A_IPS_BODY_DEPTH]));
	if (tb[TLSI_A_IPS_TRACE])
		atomic_store(&ips_trace_mode, mnl_attr_get_u8(tb[TLSI_A_IPS_TRACE]));
	if (tb[TLSI_A_IPS_TRACE_BYTES])
		atomic_store(&ips_trace_bytes, mnl_attr_get_u32(tb[TLSI_A_IPS_TRACE_BYTES]));
	return MNL_CB_OK;
}

static int kernel_request(uint8_t cmd, mnl_cb_t cb)
{
	char buf[TLSI_NL_MSGBUF], err[512];

	if (!ips_nl_open) {
		if (tlsi_nl_open(&ips_nl, err, sizeof(err)) < 0) {
			if (!ips_nl_failed_logged)
				tlsid_log_error("IPS rules: %s", err);
			ips_nl_failed_logged = true;
			return -1;
		}
		ips_nl_open = true;
	}
	if (tlsi_nl_request(&ips_nl, tlsi_nl_msg(&ips_nl, buf, cmd, 0), cb, NULL) < 0) {
		tlsi_nl_strerror(&ips_nl, err, sizeof(err));
		if (!ips_nl_failed_logged)
			tlsid_log_error("IPS rules: asking tlsi.ko: %s", err);
		ips_nl_failed_logged = true;
		tlsi_nl_close(&ips_nl);
		ips_nl_open = false;
		return -1;
	}
	ips_nl_failed_logged = false;
	return 0;
}

/* ---- main thread ------------------------------------------------------------ */

/*
 * The published image is used while tlsi.ko runs the same rules (the same
 * build id: `rules var' keeps it), so that a file left from another load,
 * another network namespace or before a module reload inspects nothing
 * the kernel does not; with --no-kernel it is used as it is.
 */
static void image_choose(const char *path)
{
	struct ips_image *want = ips_file, *cur;
	char why[96];

	why[0] = '\0';
	if (want && !tlsid_cfg.no_kernel) {
		if (!kern_known)
			snprintf(why, sizeof(why), "tlsi.ko's rules unknown");
		else if (!kern_loaded)
			snprintf(why, sizeof(why), "tlsi.ko has no rules loaded");
		else if (kern_build_id != le32v(want->d.eng.hdr->build_id))
			snprintf(why, sizeof(why), "tlsi.ko runs build id 0x%08x", kern_build_id);
	}
	pthread_mutex_lock(&ips_lock);
	cur = ips_cur;
	pthread_mutex_unlock(&ips_lock);
	if (why[0]) {
		want = NULL;
		/* tlsi.ko runs other rules: a load whose file has not been read
		 * yet (or not written): the rules in use stay meanwhile. */
		if (cur && kern_known && kern_loaded) {
			if (!ips_mismatch_logged)
				tlsid_log_info("IPS rules image %s (build id 0x%08x) is not what "
					       "tlsi.ko runs (%s): the rules in use (build id "
					       "0x%08x) stay", path,
					       le32v(ips_file->d.eng.hdr->build_id), why,
					       le32v(cur->d.eng.hdr->build_id));
			ips_mismatch_logged = true;
			return;
		}
	}
	if (want == cur) {
		if (!want && ips_file && !ips_mismatch_logged) {
			tlsid_log_info("IPS rules image %s (build id 0x%08x) not used: %s", path,
				       le32v(ips_file->d.eng.hdr->build_id), why);
			ips_mismatch_logged = true;
		}
		return;
	}
	if (want) {
		atomic_fetch_add(&want->refs, 1);
		tlsid_log_info("IPS rules for the userspace relay: %u rules from %s (build id 0x%08x)",
			       want->d.eng.nrules, path, le32v(want->d.eng.hdr->build_id));
	} else {
		tlsid_log_info("IPS rules image %s %s%s: the userspace relay stops inspecting", path,
			       ips_file ? "not used: " : "removed", ips_file ? why : "");
		ips_mismatch_logged = true;
	}
	image_publish(want);
}

void tlsid_ips_check(void)
{
	const char *path = tlsid_cfg.rules_image;
	struct file_sig sig = { .exists = false };
	struct stat st;

	if (!path)
		return;
	if (stat(path, &st) == 0)
		sig_of(&st, &sig);
	else if (errno != ENOENT)
		return;		/* cannot tell: keep what there is */
	if (!ips_seen_valid || !sig_eq(&sig, &ips_seen)) {
		if (sig.exists) {
			image_load(path);
		} else {
			image_put(ips_file);
			ips_file = NULL;
			ips_seen = sig;
			ips_seen_valid = true;
		}
	}
	if (ips_file && !tlsid_cfg.no_kernel) {
		kernel_request(TLSI_CMD_RULES_GET, rules_cb);
		kernel_request(TLSI_CMD_IPS_GET, cfg_cb);
	}
	image_choose(path);
}

void tlsid_ips_init(void)
{
	tlsid_ips_check();
}

void tlsid_ips_free(void)
{
	image_publish(NULL);
	image_put(ips_file);
	ips_file = NULL;
	if (ips_nl_open)
		tlsi_nl_close(&ips_nl);
	ips_nl_open = false;
}

/* ---- EVE --------------------------------------------------------------------- */

static int eve_fd = -1;

int tlsid_eve_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd < 0) {
		tlsid_log_perror("--eve `%s'", path);
		return -1;
	}
	if (eve_fd < 0) {
		eve_fd = fd;
		return 0;
	}
	/* Reopened (SIGHUP): the same descriptor number now names the new
	 * file, so workers writing meanwhile never use a closed descriptor. */
	if (dup3(fd, eve_fd, O_CLOEXEC) < 0)
		tlsid_log_perror("--eve `%s'", path);
	close(fd);
	return 0;
}

void tlsid_eve_close(void)
{
	if (eve_fd >= 0)
		close(eve_fd);
	eve_fd = -1;
}

/* ---- workers ------------------------------------------------------------------- */

/* What a worker thread inspects with. */
struct ips_worker {
	unsigned int gen;		/* of im; 0: never looked */
	struct ips_image *im;		/* a reference */
	struct tlsi_eng_scratch *s;
	size_t s_size;
};

static __thread struct ips_worker me;

/* The current image (NULL: none), with this thread's scratch for it. */
static struct ips_image *worker_image(void)
{
	unsigned int gen = atomic_load_explicit(&ips_gen, memory_order_acquire);
	struct ips_image *im;

	if (gen == me.gen)
		return me.im;
	pthread_mutex_lock(&ips_lock);
	im = ips_cur;
	if (im)
		atomic_fetch_add(&im->refs, 1);
	gen = atomic_load(&ips_gen);
	pthread_mutex_unlock(&ips_lock);
	image_put(me.im);
	me.im = im;
	me.gen = gen;
	if (im && im->scratch_size > me.s_size) {
		free(me.s);
		me.s = calloc(1, im->scratch_size);
		me.s_size = me.s ? im->scratch_size : 0;
		if (!me.s) {
			/* Uninspected until memory is back: look again next time. */
			tlsid_count(TLSID_C_internal_errors);
			image_put(me.im);
			me.im = NULL;
			me.gen = 0;
		}
	}
	return me.im;
}

void tlsid_ips_thread_done(void)
{
	image_put(me.im);
	free(me.s);
	memset(&me, 0, sizeof(me));
}

/* ---- sessions ---------------------------------------------------------------------- */

struct tlsid_ips_flow {
	struct tlsi_drv_flow d;		/* engine flow, verdicts (engine/driver.h) */
	struct tlsid_trace trace;	/* trace.c */
};

/* The host's side of one driver call. */
struct ips_call {
	struct tlsi_drv_call c;
	struct tlsid_session *s;
	struct tlsid_ips_flow *x;
	struct ips_image *im;
	struct tlsid_server_certs certs;	/* for the TLS step */
};

static struct ips_call *call_of(struct tlsi_drv_call *c)
{
	return (struct ips_call *)((char *)c - offsetof(struct ips_call, c));
}

static struct tlsid_ips_flow *flow_new(struct tlsid_session *s)
{
	struct tlsid_ips_flow *x = calloc(1, sizeof(*x));
	uint8_t c[16], d[16];
	uint64_t id = 0;

	if (!x) {
		tlsid_count(TLSID_C_internal_errors);
		tlsid_log_error("no memory to inspect a session: relayed uninspected");
		return NULL;
	}
	tlsid_sockaddr_bytes(&s->client, c);
	tlsid_sockaddr_bytes(&s->server, d);
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint64_t)random() << 31 ^ (uint64_t)random();
	tlsi_drv_flow_init(&x->d, c, tlsid_sockaddr_port(&s->client), d,
			   tlsid_sockaddr_port(&s->server), id,
			   TLSI_DRV_F_TLS);
	tlsi_drv_flow_service(&x->d, s->pol.service);
	s->ips = x;
	tlsid_count(TLSID_C_ips_inspected_sessions);
	return x;
}

void tlsid_ips_start(struct tlsid_session *s)
{
	if (!s->ips && worker_image())
		flow_new(s);
}

static void copy_str(char *buf, size_t len, const uint8_t *p, uint32_t n)
{
	snprintf(buf, len, "%.*s", (int)n, p ? (const char *)p : "");
}

/* ops->alert: one EVE record (and a debug line). */
static void on_alert(struct tlsi_drv_call *c, const struct tlsi_drv_alert *a)
{
	struct ips_call *k = call_of(c);
	const struct tlsi_img_rule *r = a->r;
	const struct tlsid_session *s = k->s;
	char msg[1024], cls[256], host[256], url[2048], method[32], ua[512];
	char cip[INET6_ADDRSTRLEN], sip[INET6_ADDRSTRLEN];
	bool ts = a->dir == TLSI_DIR_TO_SERVER;
	struct tlsi_http_meta m;
	struct eve_alert e;
	char *line = NULL;
	size_t len = 0;
	uint32_t n;
	const char *p;
	FILE *out;

	p = tlsi_eng_str(&k->im->d.eng, &r->msg, &n);
	copy_str(msg, sizeof(msg), (const uint8_t *)p, n);
	tlsid_log_debug("IPS alert sid %u (%s): %s", le32v(r->sid),
			a->blocked ? "blocked" : "allowed", msg);
	if (eve_fd < 0 && !tlsid_events_enabled())
		return;
	p = tlsi_eng_str(&k->im->d.eng, &r->classtype, &n);
	copy_str(cls, sizeof(cls), (const uint8_t *)p, n);
	tlsid_sockaddr_ip(&s->client, cip, sizeof(cip));
	tlsid_sockaddr_ip(&s->server, sip, sizeof(sip));
	eve_alert_init(&e);
	e.flow_id = k->x->d.flow_id;
	e.src_ip = ts ? cip : sip;
	e.src_port = tlsid_sockaddr_port(ts ? &s->client : &s->server);
	e.dest_ip = ts ? sip : cip;
	e.dest_port = tlsid_sockaddr_port(ts ? &s->server : &s->client);
	e.app_proto = tlsi_drv_app_name(&k->x->d);
	e.direction = ts ? "to_server" : "to_client";
	e.blocked = a->blocked;
	e.gid = le32v(r->gid);
	e.sid = le32v(r->sid);
	e.rev = le32v(r->rev);
	e.signature = msg;
	e.category = cls;
	e.severity = r->priority;
	e.ssl_inspected = 1;
	if (s->ch.has_sni)
		e.tls_sni = s->ch.sni;
	tlsi_drv_http_meta(&k->x->d, a->dir, &m);
	if (m.host) {
		copy_str(host, sizeof(host), m.host, m.host_len);
		e.http_hostname = host;
	}
	if (m.url) {
		copy_str(url, sizeof(url), m.url, m.url_len);
		e.http_url = url;
	}
	if (m.method) {
		copy_str(method, sizeof(method), m.method, m.method_len);
		e.http_method = method;
	}
	if (m.ua) {
		copy_str(ua, sizeof(ua), m.ua, m.ua_len);
		e.http_user_agent = ua;
	}
	e.http_status = m.status;
	if (a->quarantine) {
		e.quarantined = true;
		e.quarantine_timeout = a->quarantine - 1;
	}
	out = open_memstream(&line, &len);
	if (!out) {
		tlsid_count(TLSID_C_internal_errors);
		return;
	}
	eve_write(out, &e);
	/* One line, one write(): lines of concurrent workers never mix. */
	if (fclose(out) || !len)
		tlsid_count(TLSID_C_internal_errors);
	else if (!tlsid_events_send(line, len) && write(eve_fd, line, len) != (ssize_t)len)
		tlsid_count(TLSID_C_internal_errors);
	free(line);
}

/* ops->quarantine: TLSI_CMD_QUAR_NEW for the client, for seconds (0: no
 * expiry). */
static int on_quarantine(struct tlsi_drv_call *c, uint32_t seconds, const char *reason)
{
	const struct tlsid_session *s = call_of(c)->s;
	char buf[TLSI_NL_MSGBUF], err[512];
	struct tlsi_cidr host = { .family = s->client.sa.sa_family };
	struct nlmsghdr *nlh;
	struct tlsi_nl nl;
	int rc;

	if (host.family == AF_INET6) {
		host.plen = 128;
		memcpy(host.addr, &s->client.in6.sin6_addr, 16);
	} else {
		host.plen = 32;
		memcpy(host.addr, &s->client.in.sin_addr, 4);
	}
	if (tlsi_nl_open(&nl, err, sizeof(err)) < 0) {
		tlsid_log_error("quarantine: %s", err);
		return -1;
	}
	nlh = tlsi_nl_msg(&nl, buf, TLSI_CMD_QUAR_NEW, 0);
	tlsi_nl_put_cidr(nlh, TLSI_A_SRC, &host);
	mnl_attr_put_u32(nlh, TLSI_A_TIMEOUT, seconds);
	mnl_attr_put_strz(nlh, TLSI_A_REASON, reason);
	rc = tlsi_nl_request(&nl, nlh, NULL, NULL);
	if (rc < 0) {
		tlsi_nl_strerror(&nl, err, sizeof(err));
		tlsid_log_error("quarantine: %s", err);
	}
	tlsi_nl_close(&nl);
	return rc;
}

/* ops->trace_start: the trace file holds the flow from the chunk of len
 * bytes of dir on (its other direction from where it is now). */
static bool on_trace_start(struct tlsi_drv_call *c, uint32_t sid, unsigned int dir, size_t len)
{
	struct ips_call *k = call_of(c);
	uint64_t base[2] = { k->x->d.seen[0], k->x->d.seen[1] };

	if (len)
		base[dir] -= len;
	tlsid_trace_start(k->s, &k->x->trace, k->x->d.flow_id, sid, base);
	return k->x->trace.on;
}

static void on_trace_data(struct tlsi_drv_call *c, unsigned int dir, const uint8_t *data,
			  size_t len)
{
	struct tlsid_ips_flow *x = call_of(c)->x;

	tlsid_trace_data(&x->trace, dir, x->d.seen[dir] - len, data, len,
			 atomic_load(&ips_trace_bytes));
}

static void on_trace_end(struct tlsi_drv_call *c)
{
	struct tlsid_ips_flow *x = call_of(c)->x;

	tlsid_trace_end(&x->trace, x->d.seen);
}

/* ops->tls_info: the ClientHello's name and the server's certificates. */
static void on_tls_info(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti)
{
	struct ips_call *k = call_of(c);
	const struct tlsid_session *s = k->s;
	struct tlsid_server_certs *certs = &k->certs;

	ti->sni = (const uint8_t *)s->ch.sni;
	ti->sni_len = s->ch.has_sni ? (uint32_t)strlen(s->ch.sni) : 0;
	ti->client_hello = s->hello;
	ti->client_hello_len = s->hello_len;
	if (tlsid_server_certs_get(s->up, certs))
		return;
	ti->subject = (const uint8_t *)certs->subject;
	ti->subject_len = (uint32_t)certs->subject_len;
	ti->issuer = (const uint8_t *)certs->issuer;
	ti->issuer_len = (uint32_t)certs->issuer_len;
	ti->serial = (const uint8_t *)certs->serial;
	ti->serial_len = (uint32_t)certs->serial_len;
	ti->certs = certs->der;
	ti->cert_lens = certs->der_len;
	ti->ncerts = certs->nder;
}

static void on_tls_put(struct tlsi_drv_call *c, struct tlsi_eng_tls_info *ti)
{
	tlsid_server_certs_free(&call_of(c)->certs);
}

static const enum tlsid_counter ips_counters[TLSI_DRV_C_MAX] = {
	[TLSI_DRV_C_BYTES] = TLSID_C_ips_bytes,
	[TLSI_DRV_C_ALERTS] = TLSID_C_ips_alerts,
	[TLSI_DRV_C_BLOCKS] = TLSID_C_ips_blocks,
	[TLSI_DRV_C_PASSES] = TLSID_C_ips_passes,
	[TLSI_DRV_C_QUARANTINES] = TLSID_C_ips_quarantines,
	[TLSI_DRV_C_QUARANTINE_FAILED] = TLSID_C_ips_quarantine_failed,
	[TLSI_DRV_C_DEPTH] = TLSID_C_ips_depth_reached,
	[TLSI_DRV_C_ENGINE_ERRORS] = TLSID_C_ips_engine_errors,
	[TLSI_DRV_C_HTTP_ANOMALIES] = TLSID_C_ips_http_anomalies,
	[TLSI_DRV_C_DNS_ANOMALIES] = TLSID_C_ips_dns_anomalies,
	[TLSI_DRV_C_HTTP2_ANOMALIES] = TLSID_C_ips_http2_anomalies,
	[TLSI_DRV_C_TLS_ANOMALIES] = TLSID_C_ips_tls_anomalies,
	[TLSI_DRV_C_WINDOW] = TLSID_C_ips_stream_window_exceeded,
};

static void on_count(struct tlsi_drv_call *c, enum tlsi_drv_counter what, uint64_t n)
{
	tlsid_count_add(ips_counters[what], n);
}

static uint64_t on_now_ms(struct tlsi_drv_call *c)
{
	struct timespec now;

	clock_gettime(CLOCK_BOOTTIME, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/* The worker's scratch, sized for the image it holds (worker_image()). */
static struct tlsi_eng_scratch *on_scratch_get(struct tlsi_drv_call *c)
{
	return me.s;
}

static void *on_zalloc(size_t n, size_t size)
{
	return calloc(n, size);
}

static const struct tlsi_drv_ops ips_ops = {
	.alert = on_alert,
	.quarantine = on_quarantine,
	.trace_start = on_trace_start,
	.trace_data = on_trace_data,
	.trace_end = on_trace_end,
	.tls_info = on_tls_info,
	.tls_put = on_tls_put,
	.count = on_count,
	.now_ms = on_now_ms,
	.scratch_get = on_scratch_get,
	.zalloc = on_zalloc,
	.free = free,
};

/* A driver call on s with image im (may be NULL): the kernel's settings,
 * the profile's depth. */
static void call_init(struct ips_call *k, struct tlsid_session *s, struct tlsid_ips_flow *x,
		      struct ips_image *im)
{
	struct tlsi_drv_settings *set = &k->c.set;

	memset(k, 0, sizeof(*k));
	k->s = s;
	k->x = x;
	k->im = im;
	k->c.ops = &ips_ops;
	k->c.im = im ? &im->d : NULL;
	set->depth = s->pol.inspect_depth != TLSI_INSPECT_DEPTH_DEFAULT ?
		     s->pol.inspect_depth : atomic_load(&ips_depth);
	set->body_depth = atomic_load(&ips_body_depth);
	set->quarantine_blocks = atomic_load(&ips_global_quarantine);
	set->quarantine_timeout = (uint32_t)atomic_load(&ips_quarantine_timeout);
	set->quarantine_off = tlsid_cfg.no_kernel;
	set->trace_alerts = atomic_load(&ips_trace_mode) == TLSI_IPS_TRACE_ALERTS;
}

bool tlsid_ips_data(struct tlsid_session *s, unsigned int dir, const uint8_t *data, size_t len)
{
	struct tlsid_ips_flow *x = s->ips;
	struct ips_image *im;
	struct ips_call k;

	if (!len)
		return x && x->d.blocked;
	im = worker_image();
	if (!x) {
		if (!im)
			return false;
		x = flow_new(s);
		if (!x)
			return false;
	}
	/* With no rules now, a traced session still records its chunks. */
	call_init(&k, s, x, im);
	if (!tlsi_drv_data(&k.c, &x->d, dir, data, len))
		return false;
	if (!s->ips_blocked) {
		s->result = TLSID_R_BLOCKED;
		s->kreason = TLSI_SSL_REASON_NONE;
		s->ips_blocked = true;
		if (x->d.block_rule && im)
			tlsi_drv_rule_reason(&im->d, x->d.block_rule - 1, s->reason,
					     sizeof(s->reason), sizeof(s->reason));
		else
			snprintf(s->reason, sizeof(s->reason), "ips: blocked");
	}
	return true;
}

bool tlsid_ips_rejected(const struct tlsid_session *s)
{
	return s->ips && s->ips->d.rejected;
}

void tlsid_ips_end(struct tlsid_session *s)
{
	struct tlsid_ips_flow *x = s->ips;
	struct ips_call k;

	if (!x)
		return;
	s->ips = NULL;
	call_init(&k, s, x, worker_image());
	tlsi_drv_end(&k.c, &x->d);
	free(x);
}

/* ---- per-rule counters ---------------------------------------------------------------- */

void tlsid_ips_rule_counters(struct json *j)
{
	struct ips_image *im;
	uint32_t i;

	pthread_mutex_lock(&ips_lock);
	im = ips_cur;
	if (im)
		atomic_fetch_add(&im->refs, 1);
	pthread_mutex_unlock(&ips_lock);
	if (!im)
		return;
	json_begin_array(j, "ips_rules");
	for (i = 0; i < im->d.eng.nrules; i++) {
		const struct tlsi_img_rule *r = &im->d.eng.rules[i];
		uint64_t hits = __atomic_load_n(&im->d.hits[i], __ATOMIC_RELAXED);
		uint64_t alerts = __atomic_load_n(&im->d.alerts[i], __ATOMIC_RELAXED);
		uint64_t drops = __atomic_load_n(&im->d.drops[i], __ATOMIC_RELAXED);

		if (!hits && !alerts && !drops)
			continue;
		json_begin_object(j, NULL);
		json_u64(j, "gid", le32v(r->gid));
		json_u64(j, "sid", le32v(r->sid));
		json_u64(j, "rev", le32v(r->rev));
		json_u64(j, "hits", hits);
		json_u64(j, "alerts", alerts);
		json_u64(j, "drops", drops);
		json_end_object(j);
	}
	json_end_array(j);
	image_put(im);
}
