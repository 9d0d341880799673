#include "fidelity.h"
int main(void) {
    signal(SIGUSR1, SIG_IGN);
    S(SYS_kill, getpid(), 0);
    S(SYS_kill, getpid(), SIGUSR1);
    S(SYS_tgkill, getpid(), getpid(), SIGUSR1);
    S(SYS_tkill, getpid(), SIGUSR1);
    S(SYS_kill, 999999, SIGKILL);
    S(SYS_kill, getpid(), 99);
    return 0;
}
