#include "fidelity.h"
#include <sched.h>
int main(void) {
    S(SYS_sched_yield);
    S(SYS_sched_getscheduler, 0);
    S(SYS_sched_get_priority_max, SCHED_FIFO);
    S(SYS_sched_get_priority_min, SCHED_RR);
    S(SYS_sched_get_priority_max, SCHED_IDLE);
    struct sched_param p = {0};
    S(SYS_sched_getparam, 0, &p);
    S(SYS_sched_setscheduler, 0, SCHED_BATCH, &p);
    S(SYS_sched_getscheduler, 0);
    S(SYS_sched_setparam, 0, &p);
    struct timespec ts;
    S(SYS_sched_rr_get_interval, 0, &ts);
    return 0;
}
