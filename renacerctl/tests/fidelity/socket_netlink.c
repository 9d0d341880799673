#include "fidelity.h"
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(void) {
    int s = S(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl a = {.nl_family = AF_NETLINK};
    S(SYS_bind, s, &a, sizeof a);
    S(SYS_socket, AF_PACKET, SOCK_DGRAM, 0);
    S(SYS_socket, AF_UNIX, SOCK_SEQPACKET, 0);
    S(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    return 0;
}
