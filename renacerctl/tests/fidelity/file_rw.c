#include "fidelity.h"
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "rw.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[64];
    S(SYS_write, fd, "0123456789abcdef", 16);
    S(SYS_lseek, fd, 0, SEEK_SET);
    S(SYS_read, fd, buf, sizeof buf);
    S(SYS_pwrite64, fd, "xy", 2, 4);
    S(SYS_pread64, fd, buf, 8, 2);
    S(SYS_lseek, fd, -3, SEEK_END);
    S(SYS_lseek, fd, 1, SEEK_CUR);
    S(SYS_read, 99, buf, 4);
    S(SYS_write, fd, "\0\1\2\377\n\t\\\"", 8);
    S(SYS_close, fd);
    return 0;
}
