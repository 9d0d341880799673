#include "fidelity.h"
#include <sys/uio.h>
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "v.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct iovec out[2] = {{"abc", 3}, {"defgh", 5}};
    S(SYS_writev, fd, out, 2);
    char a[4], b[8];
    struct iovec in[2] = {{a, 4}, {b, 8}};
    S(SYS_preadv, fd, in, 2, 1);
    S(SYS_pwritev, fd, out, 1, 2);
    S(SYS_preadv2, fd, in, 2, 0, 0, RWF_HIPRI);
    S(SYS_pwritev2, fd, out, 2, 3, 0, RWF_DSYNC);
    S(SYS_pwritev2, fd, out, 1, -1, -1, 0);
    return 0;
}
