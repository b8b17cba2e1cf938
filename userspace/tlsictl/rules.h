/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsictl rules, split along its parts: rules.c (help, check, compile,
 * load, show IMAGE, the command table), rules_test.c (test), rules_kernel.c
 * (the kernel's rules: loading, show), rules_config.c (stats, config,
 * flush), rules_var.c (var), rules_update.c (update).
 */
#ifndef TLSICTL_RULES_H
#define TLSICTL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsictl.h"
#include "engine.h"

/* What the kernel said at RULES_COMMIT. */
struct load_result {
	uint32_t rules, size, build_id;
};

/* RULES_GET: the loaded image and the engine's memory. */
struct summary {
	bool loaded;
	uint32_t rules, size, build_id, img_flags, vars_changed;
	uint32_t sessions, session_bytes, scratch_bytes;
	uint64_t loaded_at, memory;
};


/* rules.c */
void rules_str_field(const struct tlsi_eng *e, const struct tlsi_img_str *s,
		     char *buf, size_t len);
int rules_show_image(int argc, char **argv);
/* rules_kernel.c */
int rules_kernel_load(const uint8_t *img, size_t len, struct load_result *lr);
int rules_get_summary(struct tlsi_nl *nl, struct summary *s);
int rules_cmd_show(int argc, char **argv);
/* rules_test.c */
int rules_cmd_test(int argc, char **argv);
/* rules_config.c */
int rules_cmd_stats(int argc, char **argv);
int rules_cmd_config(int argc, char **argv);
int rules_cmd_flush(int argc, char **argv);
/* rules_var.c */
int rules_cmd_var(int argc, char **argv);

#endif
