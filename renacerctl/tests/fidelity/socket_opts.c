#include "fidelity.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
int main(void) {
    int s = S(SYS_socket, AF_INET, SOCK_STREAM, 0);
    int one = 1, v = 0;
    socklen_t len = sizeof v;
    S(SYS_setsockopt, s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    S(SYS_getsockopt, s, SOL_SOCKET, SO_REUSEADDR, &v, &len);
    S(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &v, &len);
    S(SYS_setsockopt, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    S(SYS_getsockopt, s, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    struct linger l = {1, 5};
    S(SYS_setsockopt, s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    S(SYS_getsockopt, s, SOL_SOCKET, SO_ERROR, &v, &len);
    return 0;
}
