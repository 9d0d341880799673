#include "fidelity.h"
#include <linux/fs.h>
#include <linux/random.h>
#include <sys/ioctl.h>
int main(void) {
    int fd = S(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
    long v;
    S(SYS_ioctl, fd, FS_IOC_GETFLAGS, &v);
    S(SYS_ioctl, fd, BLKGETSIZE64, &v);
    S(SYS_ioctl, fd, RNDGETENTCNT, &v);
    S(SYS_ioctl, fd, _IOC(_IOC_WRITE, 0xfe, 0x2c, 0x2c), &v);
    S(SYS_ioctl, fd, _IO(0xfe, 1), 0);
    S(SYS_ioctl, fd, _IOR(0xfe, 2, int), &v);
    S(SYS_ioctl, fd, FICLONE, 0);
    return 0;
}
