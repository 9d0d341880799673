#include "fidelity.h"
#include <sys/timerfd.h>
int main(void) {
    int fd = S(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec its = {{0, 0}, {100, 0}}, old;
    S(SYS_timerfd_settime, fd, 0, &its, &old);
    S(SYS_timerfd_gettime, fd, &old);
    S(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME, &its, NULL);
    S(SYS_timerfd_create, CLOCK_REALTIME, 0);
    return 0;
}
