/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a configuration file asks for against what runs: the commands that
 * turn the running configuration (as `tlsictl save' prints it) into the
 * file's, touching only what differs.
 */
#ifndef TLSI_CONFDIFF_H
#define TLSI_CONFDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "conffile.h"

enum conf_kind {
	CONF_OBJECT,	/* named objects: OBJECT VERB NAME [KEYWORD VALUE]... */
	CONF_SETTINGS,	/* one set of settings: OBJECT VERB [KEYWORD VALUE]... */
	CONF_ACTION,	/* done each time the file is applied (rules load) */
};

/*
 * One kind of line a configuration file may hold. The file's order of
 * types is conf_types[]'s: a type may refer to those before it.
 */
struct conf_type {
	const char *object;		/* "tm" */
	const char *verb;		/* what the file says: "add" */
	enum conf_kind kind;
	bool ordered;			/* the file's order is the table's
					 * (VERB takes `position N') */
	const char *key_kw;		/* a keyword whose value is part of the
					 * object's identity (ssl-policy: profile) */
	const char *set_verb;		/* changes an object in place; NULL: del
					 * and add again */
	const char *const *flags;	/* keywords without a value */
	const char *const *pairs;	/* keywords with two values */
	const char *const *defaults;	/* "keyword value": the same as absent */
	const char *const *durations;	/* values in seconds or with s/m/h/d */
	const char *const *sizes;	/* values in bytes or with k/m/g */
	bool cidr_name;			/* NAME is an address: 10.0.0.1 is 10.0.0.1/32 */
	const char *manages;		/* CONF_ACTION: while the file has this
					 * line, running objects of this type
					 * that the file lacks stay (a bulk load
					 * keeps the table) */
	bool keep_unlisted;		/* running objects the file lacks stay:
					 * they live in files of their own
					 * (decrypt-policy), not in the kernel,
					 * and a file written before they were
					 * saved must not delete them */
	int (*save)(void);		/* prints the running objects (tlsictl) */
};

struct conf_op {
	int argc;
	char **argv;			/* owned, NULL-terminated */
	unsigned int lineno;		/* the file's line; 0: undoes a running
					 * object the file does not have */
};

struct conf_ops {
	struct conf_op *v;
	size_t n, cap;
	size_t added, changed, removed;	/* objects, for the summary */
};

/* The type of a line (its first two words), NULL if none. */
const struct conf_type *conf_type_find(const struct conf_type *types,
				       int argc, char **argv);

/*
 * Check `want' (every line a known type, a name, no object twice, no
 * `position' on ordered types) and compute the commands that make `have'
 * into `want': deletions first (last type first), then additions and
 * changes in type order, ordered types inserted at their file position,
 * then the actions. -1 with *errline and err on a bad line of want (or
 * of have: *errline 0).
 */
int conf_diff(const struct conf_type *types, const struct conf_file *have,
	      const struct conf_file *want, struct conf_ops *ops,
	      unsigned int *errline, char *err, size_t errlen);
void conf_ops_free(struct conf_ops *ops);

/*
 * The first of ops that would change or delete an object `have' runs
 * with `locked on' (the kernel refuses those without an unlock): its
 * index, with err naming the object and *errline the line of `want' that
 * asks for the change (0: the file drops the object); -1 if none does.
 */
long conf_locked_op(const struct conf_type *types, const struct conf_file *have,
		    const struct conf_file *want, const struct conf_ops *ops,
		    unsigned int *errline, char *err, size_t errlen);

#endif
