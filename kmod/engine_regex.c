// SPDX-License-Identifier: GPL-2.0
/* engine/regex.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/regex.o). */
#include "../engine/regex.c"
