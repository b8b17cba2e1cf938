// SPDX-License-Identifier: GPL-2.0
/* engine/eval.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/eval.o). */
#include "../engine/eval.c"
