#include "fidelity.h"
int main(void) {
    signal(SIGUSR1, SIG_IGN);
    siginfo_t info = {0};
    info.si_signo = SIGUSR1;
    info.si_code = SI_QUEUE;
    info.si_pid = 1;
    S(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &info);
    S(SYS_rt_tgsigqueueinfo, getpid(), getpid(), SIGUSR1, &info);
    S(SYS_pidfd_send_signal, -1, SIGUSR1, NULL, 0);
    return 0;
}
