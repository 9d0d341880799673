#include "fidelity.h"
#include <sys/ioctl.h>
#include <termios.h>
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
    struct winsize ws = {24, 80, 0, 0};
    struct termios t;
    memset(&t, 0, sizeof t);
    S(SYS_ioctl, fd, TCGETS, &t);
    S(SYS_ioctl, fd, TIOCGWINSZ, &ws);
    S(SYS_ioctl, fd, TIOCGPGRP, &ws);
    S(SYS_ioctl, fd, FIONREAD, &ws);
    S(SYS_ioctl, fd, 0x402c542c, &t);
    S(SYS_ioctl, fd, TIOCSWINSZ, &ws);
    S(SYS_ioctl, fd, FIONBIO, &fd);
    S(SYS_ioctl, fd, FIOCLEX);
    S(SYS_ioctl, fd, TCFLSH, TCIFLUSH);
    return 0;
}
