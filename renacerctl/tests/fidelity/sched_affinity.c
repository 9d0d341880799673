#include "fidelity.h"
#include <sched.h>
int main(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    S(SYS_sched_setaffinity, 0, sizeof set, &set);
    S(SYS_sched_getaffinity, 0, sizeof set, &set);
    S(SYS_sched_getaffinity, 0, 8, &set);
    S(SYS_sched_setaffinity, 0, 8, NULL);
    return 0;
}
