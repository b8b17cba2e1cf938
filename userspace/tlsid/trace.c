// SPDX-License-Identifier: GPL-2.0
/*
 * Packet trace on the userspace relay (--trace-file FILE): the same IPS
 * action as tlsi.ko's (kmod/trace.c), written straight to a pcap file with
 * the writer tlsictl uses (userspace/lib/pcap.c). Once a traced rule fires
 * on a session tlsid relays itself, the chunk that fired it and every later
 * chunk of both directions, up to the kernel's trace-bytes per flow, are
 * appended as TCP segments of that flow (handshake first, FINs at the end).
 *
 * Workers append under one mutex, a chunk at a time, and flush, so the file
 * is whole between chunks (tcpdump can read it while tlsid runs). A write
 * error is counted and logged once; the sessions go on. The file is bounded:
 * once it holds --trace-file-max bytes (checked before each chunk, so it
 * may pass the bound by one chunk's packets) nothing more is added
 * (ips_trace_file_full, logged once); rotate it by hand and restart tlsid.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

#include "pcap.h"
#include "tlsid.h"

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tlsi_pcap trace_w;		/* under trace_lock */
static bool trace_open, trace_error_logged, trace_full_logged;
static uint64_t trace_size;			/* the file's bytes, under trace_lock */

int tlsid_trace_open(const char *path)
{
	char err[512];
	int rc = 0;

	pthread_mutex_lock(&trace_lock);
	if (trace_open)
		tlsi_pcap_commit(&trace_w, err, sizeof(err));
	trace_open = false;
	if (tlsi_pcap_append(&trace_w, path, TLSI_PCAP_LINKTYPE_RAW, err, sizeof(err))) {
		tlsid_log_error("--trace-file: %s", err);
		rc = -1;
	} else {
		struct stat st;

		trace_open = true;
		trace_error_logged = false;
		trace_size = fstat(fileno(trace_w.f), &st) ? 0 : (uint64_t)st.st_size;
	}
	pthread_mutex_unlock(&trace_lock);
	return rc;
}

void tlsid_trace_close(void)
{
	char err[512];

	pthread_mutex_lock(&trace_lock);
	if (trace_open && tlsi_pcap_commit(&trace_w, err, sizeof(err)))
		tlsid_log_error("--trace-file: %s", err);
	trace_open = false;
	pthread_mutex_unlock(&trace_lock);
}

bool tlsid_trace_enabled(void)
{
	bool on;

	pthread_mutex_lock(&trace_lock);
	on = trace_open;
	pthread_mutex_unlock(&trace_lock);
	return on;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Under trace_lock: room for more? (counted and logged once when not) */
static bool trace_room(void)
{
	if (trace_size < tlsid_cfg.trace_file_max)
		return true;
	tlsid_count(TLSID_C_ips_trace_file_full);
	if (!trace_full_logged)
		tlsid_log_error("--trace-file: %s holds %llu bytes (--trace-file-max): no more traces",
				trace_w.path, (unsigned long long)trace_size);
	trace_full_logged = true;
	return false;
}

/* Under trace_lock, after a write: where the file ends now. */
static void trace_grew(void)
{
	long pos = ftell(trace_w.f);

	if (pos > 0)
		trace_size = (uint64_t)pos;
}

/* Under trace_lock: a write failed. */
static void trace_failed(const char *err)
{
	tlsid_count(TLSID_C_ips_trace_errors);
	if (!trace_error_logged)
		tlsid_log_error("--trace-file: %s (traces are incomplete from here)", err);
	trace_error_logged = true;
}

void tlsid_trace_start(const struct tlsid_session *s, struct tlsid_trace *t, uint64_t flow_id,
		       uint32_t sid, const uint64_t base[2])
{
	uint8_t c[16], d[16];

	if (t->on || !tlsid_trace_enabled())
		return;
	t->on = true;
	t->sid = sid;
	tlsid_sockaddr_bytes(&s->client, c);
	tlsid_sockaddr_bytes(&s->server, d);
	tlsi_pcap_flow_init_addr(&t->pf, c, tlsid_sockaddr_port(&s->client), d,
				 tlsid_sockaddr_port(&s->server), flow_id, base);
	tlsid_count(TLSID_C_ips_traces_started);
	tlsid_log_debug("IPS trace of flow %llu (sid %u) to the trace file",
			(unsigned long long)flow_id, sid);
}

void tlsid_trace_data(struct tlsid_trace *t, unsigned int dir, uint64_t off,
		      const uint8_t *data, size_t len, uint64_t cap)
{
	size_t take;
	char err[512];

	if (!t->on || t->capped || !len)
		return;
	take = t->bytes >= cap ? 0 : (cap - t->bytes < len ? (size_t)(cap - t->bytes) : len);
	pthread_mutex_lock(&trace_lock);
	if (trace_open && take && trace_room()) {
		if (tlsi_pcap_data(&trace_w, &t->pf, (int)dir, off, data, take, now_ns(), err,
				   sizeof(err)))
			trace_failed(err);
		else if (fflush(trace_w.f))
			trace_failed(strerror(errno));
		trace_grew();
	}
	pthread_mutex_unlock(&trace_lock);
	t->bytes += take;
	tlsid_count_add(TLSID_C_ips_trace_bytes, take);
	if (take < len) {
		t->capped = true;
		tlsid_count(TLSID_C_ips_trace_capped);
	}
}

void tlsid_trace_end(struct tlsid_trace *t, const uint64_t seen[2])
{
	char err[512];
	uint64_t ts = now_ns();
	int d;

	if (!t->on)
		return;
	pthread_mutex_lock(&trace_lock);
	/* A flow whose handshake never made it into the file gets no FINs. */
	for (d = 0; d < 2 && trace_open && t->pf.started && trace_room(); d++) {
		err[0] = '\0';
		if (tlsi_pcap_fin(&trace_w, &t->pf, d, seen[d], ts, err, sizeof(err))) {
			trace_failed(err);
			break;
		}
	}
	if (trace_open && fflush(trace_w.f))
		trace_failed(strerror(errno));
	if (trace_open)
		trace_grew();
	pthread_mutex_unlock(&trace_lock);
	t->on = false;
}
