// SPDX-License-Identifier: GPL-2.0
/* engine/tls.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/tls.o). */
#include "../engine/tls.c"
