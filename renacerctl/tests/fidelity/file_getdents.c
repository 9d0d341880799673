#include "fidelity.h"
int main(void) {
    char buf[4096];
    S(SYS_mkdir, "empty", 0755);
    int fd = S(SYS_openat, AT_FDCWD, "empty", O_RDONLY | O_DIRECTORY);
    S(SYS_getdents64, 99, buf, sizeof buf);
    S(SYS_getdents64, fd, buf, sizeof buf);
    S(SYS_getdents64, fd, buf, sizeof buf);
    S(SYS_close, fd);
    return 0;
}
