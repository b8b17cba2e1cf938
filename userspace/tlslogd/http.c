// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP endpoint (libmicrohttpd, its own thread), bound to 127.0.0.1 by
 * default:
 *   GET /metrics          Prometheus text format 0.0.4
 *   GET / or /graph       the traffic graph page (web/graph.html)
 *   GET /graph.json?range=hour|day   the page's data (metrics.c)
 *   GET /uPlot.iife.min.js, /uPlot.min.css   the charting library, shipped
 *                         in web/ (no CDN)
 * Anything else: 404; any method but GET and HEAD: 405. The web files are
 * read once at start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "tlslogd.h"

static struct MHD_Daemon *httpd;

static const struct web_file {
	const char *url, *file, *type;
	char *data;
	size_t len;
} web_init[] = {
	{ "/graph", "graph.html", "text/html; charset=utf-8", NULL, 0 },
	{ "/uPlot.iife.min.js", "uPlot.iife.min.js", "text/javascript", NULL, 0 },
	{ "/uPlot.min.css", "uPlot.min.css", "text/css", NULL, 0 },
};
#define NWEB (sizeof(web_init) / sizeof(web_init[0]))
static struct web_file web[NWEB];

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (64 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version,
			       const char *upload_data, size_t *upload_size, void **ptr)
{
	static char not_found[] = "not found\n", bad_method[] = "method not allowed\n";
	char *body;
	size_t len = 0, i;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
			     strlen(bad_method), MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/metrics")) {
		body = metrics_prometheus(&len);
		if (!body)
			return MHD_NO;
		return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			     body, len, MHD_RESPMEM_MUST_FREE);
	}
	if (!strcmp(url, "/graph.json")) {
		const char *range = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
								"range");

		body = metrics_graph_json(range && !strcmp(range, "day"), &len);
		if (!body)
			return MHD_NO;
		return reply(c, MHD_HTTP_OK, "application/json", body, len,
			     MHD_RESPMEM_MUST_FREE);
	}
	if (!strcmp(url, "/"))
		url = "/graph";
	for (i = 0; i < NWEB; i++)
		if (web[i].data && !strcmp(url, web[i].url))
			return reply(c, MHD_HTTP_OK, web[i].type, web[i].data, web[i].len,
				     MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
		     MHD_RESPMEM_PERSISTENT);
}

int http_start(const char *addr, uint16_t port, const char *web_dir)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	char path[4200];
	size_t i;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		tlslogd_error("--listen `%s': not an IPv4 address", addr);
		return -1;
	}
	for (i = 0; i < NWEB; i++) {
		web[i] = web_init[i];
		snprintf(path, sizeof(path), "%s/%s", web_dir, web[i].file);
		web[i].data = read_file(path, &web[i].len);
		if (!web[i].data)
			tlslogd_error("%s: %s (the graph page will lack it)", path,
				      strerror(errno ? errno : EIO));
	}
	httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				 port, NULL, NULL, handler, NULL,
				 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				 MHD_OPTION_END);
	if (!httpd) {
		tlslogd_error("--listen %s:%u: cannot start the HTTP server", addr, port);
		return -1;
	}
	return 0;
}

void http_stop(void)
{
	size_t i;

	if (httpd)
		MHD_stop_daemon(httpd);
	httpd = NULL;
	for (i = 0; i < NWEB; i++) {
		free(web[i].data);
		web[i].data = NULL;
	}
}
