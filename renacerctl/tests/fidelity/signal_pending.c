#include "fidelity.h"
int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGHUP);
    S(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
    S(SYS_kill, getpid(), SIGUSR1);
    sigset_t pend;
    S(SYS_rt_sigpending, &pend, 8);
    siginfo_t info;
    struct timespec ts = {0, 1000};
    S(SYS_rt_sigtimedwait, &set, &info, &ts, 8);
    S(SYS_rt_sigtimedwait, &set, NULL, &ts, 8);
    return 0;
}
