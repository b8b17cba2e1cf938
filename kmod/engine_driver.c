// SPDX-License-Identifier: GPL-2.0
/* engine/driver.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/driver.o). */
#include "../engine/driver.c"
