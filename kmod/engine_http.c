// SPDX-License-Identifier: GPL-2.0
/* engine/http.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/http.o). */
#include "../engine/http.c"
