#include "fidelity.h"
int main(void) {
    int fd = S(SYS_creat, "t", 0644);
    S(SYS_ftruncate, fd, 4096);
    S(SYS_truncate, "t", 10);
    S(SYS_truncate, "t", -1);
    S(SYS_fallocate, fd, 0, 0, 8192);
    S(SYS_fallocate, fd, 1, 0, 100);
    S(SYS_fallocate, fd, 3, 0, 100);
    return 0;
}
