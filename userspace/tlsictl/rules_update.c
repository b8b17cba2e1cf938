// SPDX-License-Identifier: GPL-2.0
#include "tlsictl.h"
int rules_update_main(int argc, char **argv)
{
	(void)argc; (void)argv;
	return EXIT_ERROR;
}
