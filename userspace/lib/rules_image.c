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

int ri_with_vars(const void *img, size_t len, struct tlsi_img_var_update *u, unsigned int nu,
		 uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint64_t total = tlsi_img_with_vars_size(img, len, u, nu, err, errlen);
	uint8_t *buf;

	*out = NULL;
	*outlen = 0;
	if (!total)
		return -1;
	buf = calloc(1, (size_t)total);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tlsi_img_with_vars(img, u, nu, buf, total, err, errlen)) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = (size_t)total;
	return 0;
}
