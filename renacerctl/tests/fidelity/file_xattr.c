#include "fidelity.h"
#include <sys/xattr.h>
int main(void) {
    int fd = S(SYS_creat, "x", 0644);
    char buf[64];
    S(SYS_setxattr, "x", "user.k", "value", 5, XATTR_CREATE);
    S(SYS_getxattr, "x", "user.k", buf, sizeof buf);
    S(SYS_fgetxattr, fd, "user.missing", buf, sizeof buf);
    S(SYS_listxattr, "x", buf, sizeof buf);
    S(SYS_flistxattr, fd, NULL, 0);
    S(SYS_removexattr, "x", "user.k");
    S(SYS_lsetxattr, "x", "trusted.k", "v", 1, XATTR_REPLACE);
    return 0;
}
