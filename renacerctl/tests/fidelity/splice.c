#include "fidelity.h"
int main(void) {
    int p[2], q[2];
    S(SYS_pipe2, p, 0);
    S(SYS_pipe2, q, 0);
    S(SYS_write, p[1], "splice", 6);
    S(SYS_splice, p[0], NULL, q[1], NULL, 6, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    S(SYS_tee, q[0], p[1], 3, 0);
    int fd = S(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY);
    S(SYS_sendfile, q[1], fd, NULL, 5);
    loff_t off = 2;
    S(SYS_sendfile, q[1], fd, &off, 5);
    S(SYS_copy_file_range, fd, NULL, q[1], NULL, 5, 0);
    return 0;
}
