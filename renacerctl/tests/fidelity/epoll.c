#include "fidelity.h"
#include <sys/epoll.h>
int main(void) {
    int ep = S(SYS_epoll_create1, EPOLL_CLOEXEC);
    int p[2];
    S(SYS_pipe2, p, 0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 42};
    S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev);
    ev.events = EPOLLOUT;
    S(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[0], &ev);
    S(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL);
    S(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[1], &ev);
    struct epoll_event out[4];
    S(SYS_epoll_wait, ep, out, 4, 0);
    S(SYS_epoll_pwait, ep, out, 4, 0, NULL, 8);
    S(SYS_epoll_create, 5);
    return 0;
}
