/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A deterministic synthetic HTTP/1.1 corpus: keep-alive connections of
 * browser-like requests (paths, queries, real User-Agents, cookies, form
 * posts) and server answers (HTML, JavaScript, JSON; Content-Length or
 * chunked). Used by the Hyperscan differential test and `make bench-engine`.
 * Optionally, given strings are planted at random places (every `every'
 * bytes on average) so that a matcher has something to find.
 */
#ifndef TLSI_HTTP_CORPUS_H
#define TLSI_HTTP_CORPUS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct corpus_flow {
	uint8_t *c, *s;		/* what the client sent, what the server sent */
	size_t clen, slen;
};

struct corpus {
	struct corpus_flow *f;
	size_t n;
	size_t bytes;
};

struct corpus_plant {
	const uint8_t *p;
	uint32_t len;
};

struct cbuf {
	uint8_t *p;
	size_t len, cap;
};

static uint64_t corpus_rng;

static uint32_t crnd(void)
{
	corpus_rng ^= corpus_rng << 13;
	corpus_rng ^= corpus_rng >> 7;
	corpus_rng ^= corpus_rng << 17;
	return (uint32_t)(corpus_rng >> 11);
}

static void cput(struct cbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void cputs(struct cbuf *b, const char *s)
{
	cput(b, s, strlen(s));
}

static void cprintf(struct cbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cprintf(struct cbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	cput(b, tmp, (size_t)(n < (int)sizeof(tmp) ? n : (int)sizeof(tmp) - 1));
}

#define PICK(a) ((a)[crnd() % (sizeof(a) / sizeof((a)[0]))])

static const char *const c_words[] = {
	"the", "news", "account", "search", "product", "images", "video", "about", "contact",
	"login", "user", "profile", "settings", "cart", "checkout", "blog", "article", "2024",
	"weather", "sports", "finance", "music", "download", "help", "support", "static",
	"assets", "api", "v1", "v2", "items", "list", "detail", "page", "index", "home",
	"media", "content", "category", "tags", "share", "comments", "latest", "popular",
	"world", "business", "technology", "science", "health", "travel", "style", "food",
};
static const char *const c_ext[] = { "", "", "", ".html", ".php", ".js", ".css", ".png",
				     ".jpg", ".json", ".aspx", "/" };
static const char *const c_ua[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"curl/8.5.0",
	"Microsoft-CryptoAPI/10.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
};
static const char *const c_host[] = { "www.example.com", "news.example.org", "cdn.example.net",
				      "api.example.com", "shop.example.co.uk", "static.example.com" };
static const char *const c_text[] = {
	"<div class=\"container\">", "</div>", "<p>", "</p>", "<a href=\"/", "\">", "</a>",
	"<span class=\"title\">", "</span>", "<li>", "</li>", "<img src=\"/images/", ".jpg\" alt=\"",
	"function(", "){", "return ", "var ", "const ", "document.getElementById(", "window.",
	"addEventListener(\"click\", ", "JSON.parse(", ".then(function(r){", "});", "if (",
	" && ", " || ", "null", "undefined", "true", "false", "\"id\":", "\"name\":", "\"value\":",
	"{", "}", "[", "]", ", ", ". ", "\n", "  ", "<script src=\"/assets/app.", ".js\"></script>",
	"<meta name=\"viewport\" content=\"width=device-width\">", "<link rel=\"stylesheet\" href=\"",
};

static void cwords(struct cbuf *b, size_t n, const struct corpus_plant *pl, size_t npl,
		   unsigned int every)
{
	size_t start = b->len;

	while (b->len - start < n) {
		if (crnd() % 3)
			cputs(b, PICK(c_text));
		cputs(b, PICK(c_words));
		cputs(b, crnd() % 4 ? " " : "-");
		if (npl && every && crnd() % every < 24) {
			const struct corpus_plant *x = &pl[crnd() % npl];

			cput(b, x->p, x->len);
		}
	}
}

static void corpus_free(struct corpus *cp)
{
	size_t i;

	for (i = 0; i < cp->n; i++) {
		free(cp->f[i].c);
		free(cp->f[i].s);
	}
	free(cp->f);
	memset(cp, 0, sizeof(*cp));
}

/*
 * About `bytes' of traffic (both directions). Planted strings appear on
 * average once per `every' bytes of generated text (0: never).
 */
static void corpus_make(struct corpus *cp, size_t bytes, uint64_t seed,
			const struct corpus_plant *pl, size_t npl, unsigned int every)
{
	memset(cp, 0, sizeof(*cp));
	corpus_rng = seed * 2654435761u + 88172645463325252ull;
	while (cp->bytes < bytes) {
		struct cbuf c = { 0 }, s = { 0 }, body = { 0 };
		unsigned int tx, ntx = 1 + crnd() % 5;
		const char *host = PICK(c_host), *ua = PICK(c_ua);

		for (tx = 0; tx < ntx; tx++) {
			unsigned int k, segs = 1 + crnd() % 4;
			bool post = crnd() % 5 == 0, chunked = crnd() % 3 == 0;
			size_t blen;

			cputs(&c, post ? "POST /" : "GET /");
			for (k = 0; k < segs; k++)
				cprintf(&c, "%s%s", PICK(c_words), k + 1 < segs ? "/" : "");
			cputs(&c, PICK(c_ext));
			if (crnd() % 3 == 0)
				cprintf(&c, "?%s=%u&%s=%s", PICK(c_words), crnd() % 100000,
					PICK(c_words), PICK(c_words));
			if (npl && every && crnd() % 8 == 0) {
				const struct corpus_plant *x = &pl[crnd() % npl];

				cput(&c, x->p, x->len);
			}
			cprintf(&c, " HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
				"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
				"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
				"Connection: keep-alive\r\n", host, ua);
			if (crnd() % 2)
				cprintf(&c, "Cookie: session=%08x%08x; theme=%s; consent=yes\r\n", crnd(),
					crnd(), PICK(c_words));
			if (crnd() % 2)
				cprintf(&c, "Referer: https://%s/%s/%s\r\n", host, PICK(c_words),
					PICK(c_words));
			if (post) {
				body.len = 0;
				cprintf(&body, "%s=%s&%s=%u&token=%08x", PICK(c_words), PICK(c_words),
					PICK(c_words), crnd() % 1000, crnd());
				cwords(&body, crnd() % 400, pl, npl, every);
				cprintf(&c, "Content-Type: application/x-www-form-urlencoded\r\n"
					"Content-Length: %zu\r\n\r\n", body.len);
				cput(&c, body.p, body.len);
			} else {
				cputs(&c, "\r\n");
			}
			/* the answer */
			body.len = 0;
			blen = 200 + (crnd() % 4 == 0 ? crnd() % 60000 : crnd() % 8000);
			cwords(&body, blen, pl, npl, every);
			cprintf(&s, "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n"
				"Date: Mon, 25 Nov 2024 10:%02u:%02u GMT\r\n"
				"Content-Type: %s\r\nCache-Control: max-age=%u\r\n",
				crnd() % 60, crnd() % 60,
				crnd() % 3 ? "text/html; charset=utf-8" : "application/javascript",
				crnd() % 86400);
			if (chunked) {
				size_t off = 0;

				cputs(&s, "Transfer-Encoding: chunked\r\n\r\n");
				while (off < body.len) {
					size_t n = 1 + crnd() % 8192;

					if (n > body.len - off)
						n = body.len - off;
					cprintf(&s, "%zx\r\n", n);
					cput(&s, body.p + off, n);
					cputs(&s, "\r\n");
					off += n;
				}
				cputs(&s, "0\r\n\r\n");
			} else {
				cprintf(&s, "Content-Length: %zu\r\n\r\n", body.len);
				cput(&s, body.p, body.len);
			}
		}
		free(body.p);
		cp->f = realloc(cp->f, (cp->n + 1) * sizeof(*cp->f));
		if (!cp->f)
			abort();
		cp->f[cp->n].c = c.p;
		cp->f[cp->n].clen = c.len;
		cp->f[cp->n].s = s.p;
		cp->f[cp->n].slen = s.len;
		cp->n++;
		cp->bytes += c.len + s.len;
	}
}

#endif /* TLSI_HTTP_CORPUS_H */
