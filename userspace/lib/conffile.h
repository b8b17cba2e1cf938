/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration files of tlsictl (`tlsictl -f FILE'): one tlsictl command
 * per line without the word `tlsictl', `#' comments, double quotes with
 * \" and \\ inside, a backslash at the end of a line continues it.
 */
#ifndef TLSI_CONFFILE_H
#define TLSI_CONFFILE_H

#include <stddef.h>
#include <stdio.h>

#define CONF_LINE_MAX	65536	/* bytes of one logical line */
#define CONF_ARGS_MAX	1024	/* words of one line */

struct conf_line {
	unsigned int lineno;	/* where the logical line starts (1-based) */
	int argc;
	char **argv;		/* NULL-terminated */
};

struct conf_file {
	struct conf_line *lines;
	size_t n, cap;
};

/*
 * Split one logical line into words. 0 and *argc = 0 for a blank or
 * comment line; -1 with err set on an unterminated quote, a control
 * character or too many words.
 */
int conf_split(const char *s, int *argc, char ***argv, char *err, size_t errlen);
void conf_argv_free(char **argv);

/*
 * Read a whole file: every non-empty logical line. -1 on the first bad
 * line with *errline its number and err the reason (nothing kept).
 */
int conf_read(FILE *f, struct conf_file *cf, unsigned int *errline,
	      char *err, size_t errlen);
void conf_free(struct conf_file *cf);

/* Print argv as a line that conf_split() reads back (quoting as needed). */
void conf_print_argv(FILE *f, int argc, char **argv);

#endif
