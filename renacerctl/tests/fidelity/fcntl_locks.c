#include "fidelity.h"
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "l", O_RDWR | O_CREAT, 0644);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    S(SYS_fcntl, fd, F_SETLK, &fl);
    fl.l_type = F_UNLCK;
    S(SYS_fcntl, fd, F_SETLKW, &fl);
    fl.l_type = F_RDLCK;
    fl.l_whence = SEEK_CUR;
    fl.l_start = 5;
    fl.l_len = 0;
    S(SYS_fcntl, fd, F_GETLK, &fl);
    struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 2};
    S(SYS_fcntl, fd, F_OFD_SETLK, &ofd);
    S(SYS_fcntl, fd, F_OFD_GETLK, &ofd);
    return 0;
}
