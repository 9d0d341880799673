#include "fidelity.h"
int main(void) {
    int fd = S(SYS_creat, "f", 0644);
    S(SYS_fcntl, fd, F_GETFD);
    S(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
    S(SYS_fcntl, fd, F_GETFL);
    S(SYS_fcntl, fd, F_SETFL, O_APPEND | O_NONBLOCK);
    S(SYS_fcntl, fd, F_DUPFD, 20);
    S(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 30);
    S(SYS_fcntl, fd, F_GETOWN);
    S(SYS_fcntl, fd, F_GETSIG);
    S(SYS_fcntl, fd, F_SETSIG, SIGUSR1);
    S(SYS_fcntl, fd, F_GETLEASE);
    S(SYS_fcntl, 99, F_GETFD);
    return 0;
}
