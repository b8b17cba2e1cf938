// SPDX-License-Identifier: GPL-2.0
/* engine/mpm.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/mpm.o). */
#include "../engine/mpm.c"
