// SPDX-License-Identifier: GPL-2.0
/* engine/hpack.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/hpack.o). */
#include "../engine/hpack.c"
