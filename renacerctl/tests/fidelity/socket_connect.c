#include "fidelity.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(void) {
    int s = S(SYS_socket, AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(0x7f000001)};
    S(SYS_connect, s, &a, sizeof a);
    int s6 = S(SYS_socket, AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    S(SYS_connect, s6, &a6, sizeof a6);
    S(SYS_connect, 99, &a, sizeof a);
    return 0;
}
