#include "fidelity.h"
#include <sys/file.h>
int main(void) {
    int fd = S(SYS_creat, "k", 0644);
    S(SYS_flock, fd, LOCK_EX);
    S(SYS_flock, fd, LOCK_SH | LOCK_NB);
    S(SYS_flock, fd, LOCK_UN);
    S(SYS_flock, 99, LOCK_EX);
    return 0;
}
