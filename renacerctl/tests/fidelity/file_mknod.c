#include "fidelity.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>
int main(void) {
    S(SYS_mknod, "fifo", S_IFIFO | 0644, 0);
    S(SYS_mknodat, AT_FDCWD, "sock", S_IFSOCK | 0600, 0);
    S(SYS_mknod, "chr", S_IFCHR | 0600, makedev(1, 3));
    S(SYS_mknodat, AT_FDCWD, "blk", S_IFBLK | 0600, makedev(8, 1));
    S(SYS_mknod, "reg", S_IFREG | 0600, 0);
    return 0;
}
