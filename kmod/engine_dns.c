// SPDX-License-Identifier: GPL-2.0
/* engine/dns.c built into tlsi.ko under its own object name (Kbuild and the
 * userspace Makefile would otherwise both write engine/dns.o). */
#include "../engine/dns.c"
