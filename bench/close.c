/* bench/close.c: certificate latency on 4 local nodes after `wiec close`
 * (spec/close.md): runs bench/close.sh, which says what is measured and
 * against which ceiling. `make bench`, or build/bench-close from the
 * repository root (WIEC=path to the binary; CLOSE_VOTERS=N ballots for the
 * large process, default 900). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	execlp("sh", "sh", "bench/close.sh", (char *)NULL);
	perror("bench-close: sh bench/close.sh");
	return 1;
}
