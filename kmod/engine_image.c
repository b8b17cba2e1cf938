// SPDX-License-Identifier: GPL-2.0
/* engine/image.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/image.o). */
#include "../engine/image.c"
