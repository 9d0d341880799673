#include "fidelity.h"
#include <poll.h>
int main(void) {
    int p[2];
    S(SYS_pipe2, p, 0);
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT | POLLPRI, 0}};
    S(SYS_poll, fds, 2, 0);
    S(SYS_poll, NULL, 0, 1);
    struct timespec ts = {0, 1000};
    S(SYS_ppoll, fds, 1, &ts, NULL, 8);
    return 0;
}
