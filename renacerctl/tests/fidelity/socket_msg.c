#include "fidelity.h"
#include <sys/socket.h>
#include <sys/uio.h>
int main(void) {
    int sv[2];
    S(SYS_socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
    struct iovec iov[1] = {{"message", 7}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 1};
    S(SYS_sendmsg, sv[0], &m, MSG_DONTWAIT);
    char buf[16];
    struct iovec in[1] = {{buf, sizeof buf}};
    struct msghdr r = {.msg_iov = in, .msg_iovlen = 1};
    S(SYS_recvmsg, sv[1], &r, 0);
    S(SYS_recvmsg, sv[1], &r, MSG_DONTWAIT);
    return 0;
}
