#include "fidelity.h"
#include <sys/time.h>
#include <utime.h>
int main(void) {
    int fd = S(SYS_creat, "u", 0644);
    struct timespec ts[2] = {{1, 2}, {3, UTIME_OMIT}};
    S(SYS_utimensat, AT_FDCWD, "u", ts, 0);
    struct timespec now[2] = {{0, UTIME_NOW}, {5, 6}};
    S(SYS_utimensat, fd, NULL, now, 0);
    S(SYS_utimensat, AT_FDCWD, "u", NULL, AT_SYMLINK_NOFOLLOW);
    struct timeval tv[2] = {{7, 8}, {9, 10}};
    S(SYS_utimes, "u", tv);
    S(SYS_futimesat, AT_FDCWD, "u", tv);
    struct utimbuf ub = {11, 12};
    S(SYS_utime, "u", &ub);
    S(SYS_utime, "u", NULL);
    return 0;
}
