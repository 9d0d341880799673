#include "fidelity.h"
#include <sys/socket.h>
#include <sys/un.h>
int main(void) {
    int sv[2];
    char buf[16];
    S(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
    S(SYS_sendto, sv[0], "data", 4, MSG_NOSIGNAL, NULL, 0);
    S(SYS_recvfrom, sv[1], buf, sizeof buf, MSG_PEEK, NULL, NULL);
    S(SYS_recvfrom, sv[1], buf, sizeof buf, 0, NULL, NULL);
    int u = S(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "sock"};
    S(SYS_bind, u, &a, sizeof a);
    S(SYS_connect, u, &a, sizeof a);
    return 0;
}
