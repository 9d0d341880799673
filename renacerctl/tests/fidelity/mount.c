#include "fidelity.h"
#include <sys/mount.h>
int main(void) {
    S(SYS_mount, "none", "/nonexistent", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m");
    S(SYS_umount2, "/nonexistent", MNT_DETACH);
    S(SYS_umount2, "/nonexistent", MNT_FORCE | UMOUNT_NOFOLLOW);
    S(SYS_chroot, "/nonexistent");
    return 0;
}
