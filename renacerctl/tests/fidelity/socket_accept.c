#include "fidelity.h"
#include <netinet/in.h>
#include <sys/socket.h>
int main(void) {
    int s = S(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    S(SYS_listen, s, 1);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    S(SYS_accept, s, &a, &len);
    S(SYS_accept4, s, NULL, NULL, SOCK_CLOEXEC);
    S(SYS_accept4, s, &a, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return 0;
}
