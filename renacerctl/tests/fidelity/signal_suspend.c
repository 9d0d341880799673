#include "fidelity.h"
static void handler(int sig) { (void)sig; }
int main(void) {
    signal(SIGALRM, handler);
    S(SYS_alarm, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    S(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8);
    S(SYS_kill, getpid(), SIGALRM);
    sigset_t empty;
    sigemptyset(&empty);
    S(SYS_rt_sigsuspend, &empty, 8);
    return 0;
}
