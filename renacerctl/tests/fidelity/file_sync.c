#include "fidelity.h"
int main(void) {
    int fd = S(SYS_creat, "s", 0644);
    S(SYS_fsync, fd);
    S(SYS_fdatasync, fd);
    S(SYS_sync_file_range, fd, 0, 0, 1);
    S(SYS_sync_file_range, fd, 0, 4096, 7);
    S(SYS_syncfs, fd);
    S(SYS_fsync, 99);
    return 0;
}
