#include "fidelity.h"
#include <sys/eventfd.h>
int main(void) {
    int fd = S(SYS_eventfd2, 3, EFD_CLOEXEC | EFD_NONBLOCK);
    uint64_t v = 5;
    S(SYS_write, fd, &v, 8);
    S(SYS_read, fd, &v, 8);
    S(SYS_eventfd2, 0, EFD_SEMAPHORE);
    S(SYS_eventfd, 7);
    return 0;
}
