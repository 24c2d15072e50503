/*
 * An actor that does nothing: the idle benchmark runs 1,000 of these
 * (and 100 with liveness checks) under herdd and counts how often herdd
 * and they wake. No callback: all the work is libherd's own.
 */
#include <herd.h>

int
main(int argc, char **argv)
{
	static const struct herd_actor_ops ops = { 0 };

	return herd_actor_run(&ops, NULL, argc, argv) < 0 ? 1 : 0;
}
