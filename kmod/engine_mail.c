// SPDX-License-Identifier: GPL-2.0
/* engine/mail.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/mail.o). */
#include "../engine/mail.c"
