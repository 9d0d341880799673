#include "fidelity.h"
#include <time.h>
int main(void) {
    struct timespec ts = {0, 1000}, rem;
    S(SYS_nanosleep, &ts, &rem);
    S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, &rem);
    struct timespec past = {1, 0};
    S(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL);
    struct timespec bad = {0, 1000000000};
    S(SYS_nanosleep, &bad, NULL);
    return 0;
}
