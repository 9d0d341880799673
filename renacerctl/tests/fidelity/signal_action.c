#include "fidelity.h"
static void handler(int sig) { (void)sig; }
int main(void) {
    struct sigaction sa = {0}, old;
    sa.sa_handler = handler;
    sigaddset(&sa.sa_mask, SIGUSR2);
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigaction(SIGUSR1, &sa, &old);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGUSR1, NULL, &old);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGRTMIN + 2, &sa, NULL);
    return 0;
}
