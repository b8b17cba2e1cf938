// SPDX-License-Identifier: GPL-2.0
/*
 * The line syntax of tlsictl configuration files (see conffile.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"

void conf_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

static int add_word(char ***argv, int *argc, const char *w, size_t len)
{
	char **nv, *copy;

	if (*argc >= CONF_ARGS_MAX)
		return -1;
	copy = strndup(w, len);
	if (!copy)
		return -1;
	nv = realloc(*argv, (*argc + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -1;
	}
	nv[(*argc)++] = copy;
	nv[*argc] = NULL;
	*argv = nv;
	return 0;
}

int conf_split(const char *s, int *argc, char ***argv, char *err, size_t errlen)
{
	size_t cap = strlen(s) + 1;
	char *word = malloc(cap);
	const char *p = s;

	*argc = 0;
	*argv = NULL;
	if (!word) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		size_t len = 0;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
			if ((unsigned char)*p < ' ' || *p == 0x7f) {
				snprintf(err, errlen, "control character 0x%02x",
					 (unsigned char)*p);
				goto fail;
			}
			if (*p != '"') {
				word[len++] = *p++;
				continue;
			}
			/* "...": blanks and # kept, \" and \\ escaped */
			quoted = true;
			for (p++; *p != '"'; p++) {
				if (!*p) {
					snprintf(err, errlen, "unterminated quote");
					goto fail;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if ((unsigned char)*p < ' ' && *p != '\t') {
					snprintf(err, errlen, "control character 0x%02x",
						 (unsigned char)*p);
					goto fail;
				}
				word[len++] = *p;
			}
			p++;
		}
		(void)quoted;
		if (add_word(argv, argc, word, len) < 0) {
			snprintf(err, errlen, *argc >= CONF_ARGS_MAX ?
				 "more than %d words" : "out of memory", CONF_ARGS_MAX);
			goto fail;
		}
	}
	free(word);
	return 0;
fail:
	free(word);
	conf_argv_free(*argv);
	*argv = NULL;
	*argc = 0;
	return -1;
}

void conf_free(struct conf_file *cf)
{
	size_t i;

	for (i = 0; i < cf->n; i++)
		conf_argv_free(cf->lines[i].argv);
	free(cf->lines);
	memset(cf, 0, sizeof(*cf));
}

static int keep_line(struct conf_file *cf, unsigned int lineno, int argc,
		     char **argv)
{
	if (cf->n == cf->cap) {
		size_t cap = cf->cap ? cf->cap * 2 : 64;
		struct conf_line *nl = realloc(cf->lines, cap * sizeof(*nl));

		if (!nl)
			return -1;
		cf->lines = nl;
		cf->cap = cap;
	}
	cf->lines[cf->n++] = (struct conf_line){ lineno, argc, argv };
	return 0;
}

/* A line ends in a backslash that continues it (outside a comment). */
static bool continues(const char *buf, size_t len)
{
	return len > 0 && buf[len - 1] == '\\' && !(len > 1 && buf[len - 2] == '\\');
}

int conf_read(FILE *f, struct conf_file *cf, unsigned int *errline,
	      char *err, size_t errlen)
{
	char *phys = NULL, *logical = malloc(CONF_LINE_MAX + 1);
	size_t physcap = 0, len = 0;
	unsigned int lineno = 0, start = 0;
	ssize_t n;

	memset(cf, 0, sizeof(*cf));
	*errline = 0;
	if (!logical) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		bool more;
		int argc;
		char **argv;

		n = getline(&phys, &physcap, f);
		if (n < 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "read error: %s", strerror(errno));
				*errline = lineno;
				goto fail;
			}
			if (!len)
				break;
			n = 0;	/* a continuation at the end of the file */
		} else {
			lineno++;
			if (!len)
				start = lineno;
		}
		if (n > 0 && phys[n - 1] == '\n')
			n--;
		if (n > 0 && phys[n - 1] == '\r')
			n--;
		if (memchr(phys, '\0', n)) {
			snprintf(err, errlen, "NUL byte");
			*errline = lineno;
			goto fail;
		}
		more = n > 0 && continues(phys, n) && !feof(f);
		if (more)
			n--;
		if (len + n > CONF_LINE_MAX) {
			snprintf(err, errlen, "line longer than %d bytes", CONF_LINE_MAX);
			*errline = start;
			goto fail;
		}
		memcpy(logical + len, phys, n);
		len += n;
		if (more) {
			logical[len++] = ' ';
			continue;
		}
		logical[len] = '\0';
		len = 0;
		if (conf_split(logical, &argc, &argv, err, errlen) < 0) {
			*errline = start;
			goto fail;
		}
		if (argc && keep_line(cf, start, argc, argv) < 0) {
			conf_argv_free(argv);
			snprintf(err, errlen, "out of memory");
			*errline = start;
			goto fail;
		}
		if (feof(f))
			break;
	}
	free(phys);
	free(logical);
	return 0;
fail:
	free(phys);
	free(logical);
	conf_free(cf);
	return -1;
}

static bool needs_quotes(const char *v)
{
	const char *p;

	if (!*v)
		return true;
	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\' || *p == '#')
			return true;
	return false;
}

void conf_print_argv(FILE *f, int argc, char **argv)
{
	const char *p;
	int i;

	for (i = 0; i < argc; i++) {
		if (i)
			fputc(' ', f);
		if (!needs_quotes(argv[i])) {
			fputs(argv[i], f);
			continue;
		}
		fputc('"', f);
		for (p = argv[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	fputc('\n', f);
}
