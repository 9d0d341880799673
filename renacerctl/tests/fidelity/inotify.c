#include "fidelity.h"
#include <sys/inotify.h>
int main(void) {
    int fd = S(SYS_inotify_init1, IN_CLOEXEC | IN_NONBLOCK);
    int wd = S(SYS_inotify_add_watch, fd, ".", IN_CREATE | IN_DELETE | IN_MODIFY);
    S(SYS_inotify_rm_watch, fd, wd);
    S(SYS_inotify_add_watch, fd, "/nonexistent", IN_ALL_EVENTS);
    S(SYS_inotify_init);
    return 0;
}
