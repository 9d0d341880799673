#include "fidelity.h"
int main(void) {
    int fd = S(SYS_pidfd_open, getpid(), 0);
    S(SYS_pidfd_getfd, fd, 0, 0);
    S(SYS_pidfd_open, 999999, 0);
    S(SYS_pidfd_open, getpid(), 04000);
    return 0;
}
