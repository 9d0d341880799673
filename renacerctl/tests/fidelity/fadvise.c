#include "fidelity.h"
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
    S(SYS_fadvise64, fd, 0, 4096, 4);
    S(SYS_fadvise64, fd, 0, 0, 2);
    S(SYS_readahead, fd, 0, 4096);
    return 0;
}
