/* Shared by the fidelity corpus: each program exercises one syscall family
 * with fixed arguments, so that strace's and renacer's lines can be compared
 * after normalising only pids, addresses and times. Built statically at test
 * time (no loader calls), run in a scratch directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define S(...) syscall(__VA_ARGS__)
