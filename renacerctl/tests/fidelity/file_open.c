#include "fidelity.h"
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "a.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    S(SYS_write, fd, "hello\n", 6);
    S(SYS_close, fd);
    S(SYS_open, "a.txt", O_RDONLY | O_NOFOLLOW);
    S(SYS_openat, AT_FDCWD, "missing", O_RDONLY);
    S(SYS_creat, "b.txt", 0600);
    S(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK);
    S(SYS_openat, AT_FDCWD, "t", O_TMPFILE | O_RDWR, 0600);
    S(SYS_openat, AT_FDCWD, ".", O_TMPFILE | O_RDWR, 0600);
    return 0;
}
