#include "fidelity.h"
#include <sys/signalfd.h>
int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    S(SYS_signalfd4, -1, &set, 8, SFD_CLOEXEC | SFD_NONBLOCK);
    S(SYS_signalfd, -1, &set, 8);
    return 0;
}
