#include "fidelity.h"
#include <sys/time.h>
#include <time.h>
int main(void) {
    struct itimerval it = {{0, 0}, {0, 0}}, old;
    S(SYS_setitimer, ITIMER_REAL, &it, &old);
    S(SYS_getitimer, ITIMER_VIRTUAL, &old);
    S(SYS_setitimer, ITIMER_PROF, &it, NULL);
    S(SYS_alarm, 0);
    return 0;
}
