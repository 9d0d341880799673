#include "fidelity.h"
#include <time.h>
int main(void) {
    struct timespec ts;
    S(SYS_clock_getres, CLOCK_MONOTONIC, &ts);
    S(SYS_clock_getres, CLOCK_REALTIME_COARSE, &ts);
    S(SYS_clock_getres, CLOCK_BOOTTIME, NULL);
    S(SYS_clock_gettime, 99, &ts);
    struct timespec set = {0, 0};
    S(SYS_clock_settime, CLOCK_MONOTONIC, &set);
    return 0;
}
