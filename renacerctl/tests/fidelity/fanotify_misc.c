#include "fidelity.h"
int main(void) {
    S(SYS_fanotify_init, 0, 0);
    S(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    S(SYS_perf_event_open, NULL, 0, -1, -1, 0);
    S(SYS_bpf, 99, NULL, 0);
    return 0;
}
