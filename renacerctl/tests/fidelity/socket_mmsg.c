#include "fidelity.h"
#include <sys/socket.h>
int main(void) {
    int sv[2];
    S(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv);
    struct iovec iov = {"mm", 2};
    struct mmsghdr m[1] = {{.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}}};
    S(SYS_sendmmsg, sv[0], m, 1, 0);
    char buf[8];
    struct iovec in = {buf, sizeof buf};
    struct mmsghdr r[1] = {{.msg_hdr = {.msg_iov = &in, .msg_iovlen = 1}}};
    S(SYS_recvmmsg, sv[1], r, 1, MSG_DONTWAIT, NULL);
    return 0;
}
