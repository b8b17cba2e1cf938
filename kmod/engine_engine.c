// SPDX-License-Identifier: GPL-2.0
/* engine/engine.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/engine.o). */
#include "../engine/engine.c"
