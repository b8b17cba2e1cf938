/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by `tlsictl cert' (cert.c) and `tlsictl truststore'
 * (truststore.c): the repository option, passwords, output with lists.
 */
#ifndef TLSICTL_CERT_H
#define TLSICTL_CERT_H

#include <stdbool.h>
#include <stdio.h>

#include "certrepo.h"
#include "tlsictl.h"

/* Take "--repo DIR" / "--repo=DIR" out of argv (anywhere after OBJECT). */
void cert_take_repo_option(const char *object, int *argc, char **argv);
/* The repository: --repo, else $TLSI_CERT_REPO, else the default. Exits 1
 * on failure. */
struct certrepo *cert_repo_open(void);
/* The first line of file, else $TLSI_PASSWORD, else NULL. Exits 1 if file
 * cannot be read. */
const char *cert_password(const char *file);
void cert_password_wipe(void);
/* Print what a library call refused; returns EXIT_ERROR. */
int cert_fail(const char *err);
/* Write len bytes to path (NULL or "-": standard output); secret files
 * are created 0600. Returns an exit status. */
int cert_write_out(const char *path, const char *buf, size_t len, bool secret);

/* tlsictl cert acme (acme.c). */
int cert_acme_main(int argc, char **argv);

/*
 * Output: plain is one line per object, "NAME key value ..."; JSON is an
 * array of objects (or one object). Lists print as repeated "key value"
 * pairs in plain text and as arrays in JSON.
 */
void cout_list_begin(void);
void cout_list_end(void);
void cout_obj_begin(void);
void cout_obj_end(void);
void cout_name(const char *key, const char *val);
void cout_str(const char *key, const char *val);
void cout_num(const char *key, long long v);
/* plain: " key" when set; JSON: true/false. */
void cout_flag(const char *key, bool set);
/* plain: " key v1 key v2"; JSON: "json_key":["v1","v2"]. */
void cout_strv(const char *key, const char *json_key, char *const *v, size_t n);
/* `show NAME': "key  value" lines in plain text, one object in JSON. */
void cout_detail(const char *key, const char *val);

#endif /* TLSICTL_CERT_H */
