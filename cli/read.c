/* read.c: the read commands of the deliberation model (spec/model.md):
 * process list|show, idea show|list. Everything printed is folded by the
 * model from the held events; --json is byte-identical on any two nodes
 * holding the same events (no arrival order, no local paths or times). */
#include <stdio.h>

#include "cli/cli.h"

int process_list_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(EXIT_FAIL, "process list", "not yet available");
}

int process_show_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(EXIT_FAIL, "process show", "not yet available");
}

int idea_show_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(EXIT_FAIL, "idea show", "not yet available");
}

int idea_list_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_fail(EXIT_FAIL, "idea list", "not yet available");
}
