// SPDX-License-Identifier: GPL-2.0
/* engine/http2.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/http2.o). */
#include "../engine/http2.c"
