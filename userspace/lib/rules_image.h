/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule image tlsi.ko runs, published for tlsid: `tlsictl rules load'
 * writes the image the kernel accepted to a file (atomically: a temporary
 * file renamed over it), `rules flush' removes it, and `rules var' rewrites
 * it the way the kernel rewrites its copy (tlsi_img_with_vars()), so that tlsid's
 * userspace relay inspects with the same rules as the kernel relay.
 */
#ifndef TLSI_RULES_IMAGE_H
#define TLSI_RULES_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define TLSI_RULES_IMAGE_DEFAULT	"/run/tlsi/rules.img"
#define TLSI_RULES_IMAGE_ENV		"TLSI_RULES_IMAGE"

/* $TLSI_RULES_IMAGE when set, else TLSI_RULES_IMAGE_DEFAULT; NULL when the
 * variable is set but empty (nothing published). */
const char *ri_path(void);

/*
 * Write len bytes of img to path atomically: a temporary file in the same
 * directory (mode 0644), written whole and synced, renamed over path. The
 * directory is created (0755) if it is missing, its parent is not. 0, or -1
 * with a message in err.
 */
int ri_publish(const char *path, const void *img, size_t len, char *err, size_t errlen);

/* Remove path; a missing file is not an error. 0, or -1 with err. */
int ri_unpublish(const char *path, char *err, size_t errlen);

/* The VARS index of variable name in e, or -1. */
int ri_var_find(const struct tlsi_eng *e, const char *name);

/*
 * What tlsi.ko makes of a validated image img when variables change: the
 * engine's tlsi_img_with_vars() (the kernel runs the same code), into a
 * malloc'd *out; not validated here. 0, or -1 with err.
 */
int ri_with_vars(const void *img, size_t len, struct tlsi_img_var_update *u, unsigned int nu,
		 uint8_t **out, size_t *outlen, char *err, size_t errlen);

#endif /* TLSI_RULES_IMAGE_H */
