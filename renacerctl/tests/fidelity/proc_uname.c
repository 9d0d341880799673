#include "fidelity.h"
#include <sys/utsname.h>
int main(void) {
    S(SYS_sethostname, "x", 1);
    S(SYS_setdomainname, "y", 1);
    S(SYS_uname, NULL);
    struct utsname u;
    S(SYS_uname, &u);
    return 0;
}
