#include "fidelity.h"
int main(void) {
    S(SYS_getuid);
    S(SYS_geteuid);
    S(SYS_getgid);
    S(SYS_getegid);
    S(SYS_getpgrp);
    S(SYS_getpgid, 0);
    S(SYS_getsid, 0);
    S(SYS_setpgid, 0, 0);
    S(SYS_getpgid, 999999);
    return 0;
}
