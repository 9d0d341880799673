#include "fidelity.h"
#include <sys/resource.h>
int main(void) {
    S(SYS_getpriority, PRIO_PROCESS, 0);
    S(SYS_setpriority, PRIO_PROCESS, 0, 5);
    S(SYS_getpriority, PRIO_PGRP, 0);
    S(SYS_setpriority, PRIO_USER, 0, 19);
    S(SYS_getpriority, 7, 0);
    return 0;
}
