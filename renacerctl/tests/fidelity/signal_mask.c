#include "fidelity.h"
int main(void) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGRTMIN + 3);
    S(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, 8);
    S(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8);
    sigfillset(&set);
    sigdelset(&set, SIGTERM);
    S(SYS_rt_sigprocmask, SIG_SETMASK, &set, &old, 8);
    S(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &old, 8);
    S(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
    return 0;
}
