#include "fidelity.h"
static void handler(int sig) { (void)sig; }
int main(void) {
    signal(SIGUSR1, handler);
    S(SYS_kill, getpid(), SIGUSR1);
    return 0;
}
