/* A deterministic workload: a known number of each syscall.
 * Built statically so no dynamic loader adds calls of its own. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 7; i++) syscall(SYS_getppid);
    for (int i = 0; i < 11; i++) syscall(SYS_sched_yield);
    for (int i = 0; i < 5; i++) syscall(SYS_umask, 022);
    for (int i = 0; i < 3; i++) {
        int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY);
        syscall(SYS_write, fd, "renacer", 7);
        syscall(SYS_close, fd);
    }
    /* Two failures with ENOENT. */
    for (int i = 0; i < 2; i++)
        syscall(SYS_openat, AT_FDCWD, "/nonexistent/renacer", O_RDONLY);
    return 0;
}
