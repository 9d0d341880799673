#include "fidelity.h"
int main(void) {
    char path[1200];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = 0;
    for (int i = 200; i < 1199; i += 200) path[i] = '/';
    S(SYS_openat, AT_FDCWD, path, O_RDONLY);
    S(SYS_access, path, F_OK);
    S(SYS_mkdir, path, 0755);
    return 0;
}
