#include "fidelity.h"
#include <time.h>
int main(void) {
    timer_t id;
    struct sigevent ev = {.sigev_notify = SIGEV_NONE};
    S(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id);
    struct itimerspec its = {{0, 0}, {100, 0}}, old;
    S(SYS_timer_settime, id, 0, &its, &old);
    S(SYS_timer_gettime, id, &old);
    S(SYS_timer_getoverrun, id);
    S(SYS_timer_delete, id);
    S(SYS_timer_delete, id);
    return 0;
}
