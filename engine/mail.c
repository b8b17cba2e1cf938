// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal SMTP, IMAP and POP3 decoders: enough to recognise the protocol
 * (so smtp/imap/pop3 rules apply to the connection) and, for SMTP, to hand
 * the message text between DATA and the terminating "." line to the BODY
 * stream (file.data), with dot-stuffing undone. Commands and responses are
 * otherwise inspected as the raw stream.
 */
#include "compat.h"
#include "engine.h"

static int istarts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if (tlsi_lower(p[i]) != tlsi_lower((uint8_t)s[i]))
			return 0;
	return 1;
}

/*
 * Recognise the protocol from a direction's first bytes: 1 recognised,
 * 0 not this, -1 not known yet. Server greetings decide POP3 ("+OK") and
 * IMAP ("* OK", "* PREAUTH"); a "220" greeting is SMTP once the client
 * says EHLO or HELO (FTP greets with 220 too).
 */
static int prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i < n && i < k; i++)
		if (tlsi_lower(p[i]) != tlsi_lower((uint8_t)s[i]))
			return 0;
	return n >= k ? 1 : -1;
}

int tlsi_mail_detect(struct tlsi_eng_flow *f, unsigned int dir,
		     const uint8_t *p, size_t n)
{
	static const char *const server[] = { "+OK", "* OK", "* PREAUTH" };
	static const uint8_t apps[] = { TLSI_APP_POP3, TLSI_APP_IMAP, TLSI_APP_IMAP };
	static const char *const client[] = { "EHLO ", "HELO ", "EHLO\r", "HELO\r" };
	int maybe = 0, r;
	unsigned int i;

	if (dir == TLSI_DIR_TO_CLIENT) {
		for (i = 0; i < TLSI_ENG_ARRAY_SIZE(server); i++) {
			r = prefix(p, n, server[i]);
			if (r > 0) {
				f->apps |= TLSI_APPS(apps[i]);
				return 1;
			}
			maybe |= r < 0;
		}
		return maybe ? -1 : 0;
	}
	for (i = 0; i < TLSI_ENG_ARRAY_SIZE(client); i++) {
		r = prefix(p, n, client[i]);
		if (r > 0) {
			f->apps |= TLSI_APPS(TLSI_APP_SMTP);
			return 1;
		}
		maybe |= r < 0;
	}
	return maybe ? -1 : 0;
}

/* SMTP client side: find DATA, then pass the message to BODY. */
static void smtp_client(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
			const uint8_t *p, size_t n)
{
	struct tlsi_mail_dir *m = &f->dir[TLSI_DIR_TO_SERVER].mail;
	struct tlsi_http_dir *hd = &f->dir[TLSI_DIR_TO_SERVER].http;
	size_t i = 0, start;

	while (i < n && !f->passed) {
		if (!m->data) {
			/* command line: remember its first bytes */
			if (m->bol)
				hd->line_len = 0;
			m->bol = 0;
			for (; i < n && p[i] != '\n'; i++)
				if (hd->line_len < sizeof(hd->line))
					hd->line[hd->line_len++] = (char)p[i];
			if (i == n)
				break;
			i++;
			m->bol = 1;
			m->lines++;
			if (hd->line_len >= 4 &&
			    istarts((const uint8_t *)hd->line, hd->line_len, "DATA") &&
			    (hd->line_len == 4 || hd->line[4] == '\r' || hd->line[4] == ' ')) {
				struct tlsi_eng_stream *st = &f->dir[TLSI_DIR_TO_SERVER].body;

				m->data = 1;
				m->dot = 1;
				hd->tx++;
				st->off = 0;
				st->mpm_state = 0;
				st->win_len = 0;
				st->npend = 0;
				st->nfired = 0;
			}
			continue;
		}
		/*
		 * In DATA: m->dot is 1 at the start of a line, 2 after a
		 * leading '.', 3 after ".\r", else 0. A leading '.' is never
		 * passed on: it ends the message (".\r\n") or is stuffing.
		 */
		start = i;
		for (; i < n; i++) {
			uint8_t b = p[i];

			if (m->dot == 1 && b == '.') {
				if (i > start)
					tlsi_eng_stream(c, f, TLSI_DIR_TO_SERVER,
							TLSI_BUF_BODY, p + start,
							i - start, 0);
				start = i + 1;
				m->dot = 2;
				continue;
			}
			if (m->dot == 2 && b == '\r') {
				m->dot = 3;
				continue;
			}
			if ((m->dot == 2 || m->dot == 3) && b == '\n') {
				i++;
				m->data = 0;
				m->bol = 1;
				hd->line_len = 0;
				tlsi_eng_stream(c, f, TLSI_DIR_TO_SERVER,
						TLSI_BUF_BODY, NULL, 0, 1);
				start = i;
				break;
			}
			m->dot = b == '\n';
		}
		if (m->data && i > start)
			tlsi_eng_stream(c, f, TLSI_DIR_TO_SERVER, TLSI_BUF_BODY,
					p + start, i - start, 0);
	}
}

void tlsi_mail_feed(struct tlsi_eng_ctx *c, struct tlsi_eng_flow *f,
		    unsigned int dir, const uint8_t *data, size_t len)
{
	struct tlsi_mail_dir *m = &f->dir[dir].mail;
	size_t i;

	if ((f->apps & TLSI_APPS(TLSI_APP_SMTP)) && dir == TLSI_DIR_TO_SERVER) {
		if (!m->lines && !m->data && !m->bol)
			m->bol = 1;
		smtp_client(c, f, data, len);
		return;
	}
	/* IMAP, POP3 and SMTP replies: count lines (raw inspection does the
	 * matching) */
	for (i = 0; i < len; i++)
		if (data[i] == '\n')
			m->lines++;
}
