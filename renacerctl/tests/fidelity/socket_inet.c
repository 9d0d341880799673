#include "fidelity.h"
#include <netinet/in.h>
#include <sys/socket.h>
int main(void) {
    int s = S(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(47321), .sin_addr.s_addr = htonl(0x7f000001)};
    S(SYS_bind, s, &a, sizeof a);
    S(SYS_listen, s, 5);
    socklen_t len = sizeof a;
    S(SYS_getsockname, s, &a, &len);
    S(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    S(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    S(SYS_shutdown, s, SHUT_RDWR);
    return 0;
}
