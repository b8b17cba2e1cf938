/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer. Output is compact; the elements of a
 * top-level array go one per line so that line tools work on big dumps.
 */
#ifndef TLSI_JSON_H
#define TLSI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

struct json {
	FILE *f;
	int depth;
	bool comma[JSON_DEPTH_MAX];	/* an element was written at depth */
	bool array[JSON_DEPTH_MAX];	/* the container at depth is an array */
};

void json_init(struct json *j, FILE *f);
/* key is the member name inside an object, NULL inside an array/at top. */
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/*
 * Write s as a JSON string literal, quotes included: '"' '\\' and control
 * characters escaped, invalid UTF-8 bytes replaced by \ufffd.
 */
void json_write_string(FILE *f, const char *s);

#endif /* TLSI_JSON_H */
