#include "fidelity.h"
#include <sys/mman.h>
int main(void) {
    void *p = (void *)S(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    S(SYS_mprotect, p, 4096, PROT_READ);
    S(SYS_mprotect, p, 4096, PROT_NONE);
    S(SYS_munmap, p, 8192);
    S(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    int fd = S(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY);
    S(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    S(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 4096);
    S(SYS_mmap, NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return 0;
}
