// SPDX-License-Identifier: GPL-2.0
/*
 * The published rule image: see rules_image.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_image.h"
#include <uapi/linux/tlsi.h>

const char *ri_path(void)
{
	const char *p = getenv(TLSI_RULES_IMAGE_ENV);

	if (!p)
		return TLSI_RULES_IMAGE_DEFAULT;
	return p[0] ? p : NULL;
}

/* The directory part of path ("." when there is none) into buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int ri_publish(const char *path, const void *img, size_t len, char *err, size_t errlen)
{
	char dir[4096], tmp[4096 + 16];
	const uint8_t *p = img;
	size_t left = len;
	int fd;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	dir_of(path, dir, sizeof(dir));
	if (mkdir(dir, 0755) == 0) {
		chmod(dir, 0755);	/* whatever the umask */
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) < 0)
		goto fail;
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ENOSPC;
		if (n <= 0)
			goto fail;
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno ? errno : EIO));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int ri_unpublish(const char *path, char *err, size_t errlen)
{
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int ri_var_find(const struct tlsi_eng *e, const char *name)
{
	uint32_t nvars = tlsi_img_sect_size(e->img, TLSI_IMG_S_VARS) / sizeof(struct tlsi_img_var);
	size_t nlen = strlen(name);
	uint32_t i, len;

	for (i = 0; i < nvars; i++) {
		const char *s = tlsi_eng_str(e, &e->vars[i].name, &len);

		if (len == nlen && !memcmp(s, name, len))
			return (int)i;
	}
	return -1;
}

#define RI_ALIGN(x)	(((x) + TLSI_IMG_ALIGN - 1) & ~(uint64_t)(TLSI_IMG_ALIGN - 1))

int ri_with_vars(const void *img, size_t len, struct ri_var_update *u, unsigned int nu,
		 uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	static const uint32_t esz[TLSI_IMG_NSECT] = TLSI_IMG_SECT_ELEM_SIZES;
	const struct tlsi_img_hdr *oh = img;
	uint64_t add[TLSI_IMG_NSECT] = { 0 }, total = sizeof(*oh), cur;
	struct tlsi_img_hdr *nh;
	struct tlsi_img_var *vars;
	unsigned int k, j;
	uint8_t *buf;

	*out = NULL;
	*outlen = 0;
	if (len < sizeof(*oh)) {
		snprintf(err, errlen, "image of %zu bytes: no header", len);
		return -1;
	}
	for (j = 0; j < nu; j++) {
		unsigned int s = u[j].kind == TLSI_VAR_ADDR ? TLSI_IMG_S_ADDRS : TLSI_IMG_S_PORTS;

		add[s] += (uint64_t)u[j].count * esz[s];
	}
	for (k = 0; k < TLSI_IMG_NSECT; k++) {
		if ((uint64_t)le32v(oh->sect[k].off) + le32v(oh->sect[k].size) > len) {
			snprintf(err, errlen, "section %u beyond the image", k);
			return -1;
		}
		total = RI_ALIGN(total) + le32v(oh->sect[k].size) + add[k];
	}
	if (total > TLSI_IMG_SIZE_MAX) {
		snprintf(err, errlen, "the image would exceed its size limit");
		return -1;
	}
	buf = calloc(1, (size_t)total);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nh = (struct tlsi_img_hdr *)buf;
	memcpy(nh, oh, sizeof(*oh));
	cur = sizeof(*nh);
	for (k = 0; k < TLSI_IMG_NSECT; k++) {
		uint32_t osize = le32v(oh->sect[k].size);
		uint64_t at;

		cur = RI_ALIGN(cur);
		nh->sect[k].off = le32v((uint32_t)cur);
		nh->sect[k].size = le32v((uint32_t)(osize + add[k]));
		memcpy(buf + cur, (const uint8_t *)img + le32v(oh->sect[k].off), osize);
		at = cur + osize;
		for (j = 0; j < nu && add[k]; j++) {
			bool mine = (k == TLSI_IMG_S_ADDRS && u[j].kind == TLSI_VAR_ADDR) ||
				    (k == TLSI_IMG_S_PORTS && u[j].kind == TLSI_VAR_PORT);

			if (!mine)
				continue;
			u[j].first = (uint32_t)((at - cur) / esz[k]);
			memcpy(buf + at, u[j].items, (size_t)u[j].count * esz[k]);
			at += (uint64_t)u[j].count * esz[k];
		}
		cur += osize + add[k];
	}
	vars = (struct tlsi_img_var *)(buf + le32v(nh->sect[TLSI_IMG_S_VARS].off));
	for (j = 0; j < nu; j++) {
		if ((uint64_t)(u[j].var + 1) * sizeof(*vars) > le32v(nh->sect[TLSI_IMG_S_VARS].size)) {
			free(buf);
			snprintf(err, errlen, "variable %u beyond VARS", u[j].var);
			return -1;
		}
		vars[u[j].var].first = le32v(u[j].first);
		vars[u[j].var].count = le32v(u[j].count);
	}
	nh->total_size = le32v((uint32_t)total);
	nh->crc32 = 0;
	nh->crc32 = le32v(tlsi_img_crc32(0, buf, (size_t)total));
	*out = buf;
	*outlen = (size_t)total;
	return 0;
}

uint32_t ri_meta_quarantine(const char *m, uint32_t len)
{
	static const char key[] = "tlsi_quarantine";
	const uint32_t klen = sizeof(key) - 1;
	uint32_t i;
	uint64_t v;

	for (i = 0; i + klen <= len; i++) {
		if (memcmp(m + i, key, klen) ||
		    (i && m[i - 1] != ' ' && m[i - 1] != ',' && m[i - 1] != ':'))
			continue;
		i += klen;
		if (i < len && m[i] != ' ' && m[i] != ',' && m[i] != ';')
			continue;
		while (i < len && m[i] == ' ')
			i++;
		if (i < len && m[i] >= '0' && m[i] <= '9') {
			for (v = 0; i < len && m[i] >= '0' && m[i] <= '9'; i++) {
				v = v * 10 + (uint64_t)(m[i] - '0');
				if (v > TLSI_TIMEOUT_MAX)
					v = TLSI_TIMEOUT_MAX;
			}
			return v ? (uint32_t)v : UINT32_MAX;
		}
		return UINT32_MAX;
	}
	return 0;
}
