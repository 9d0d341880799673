#include "fidelity.h"
int main(void) {
    S(SYS_keyctl, 0, -3, 0, 0, 0);
    S(SYS_add_key, "user", "fid", "x", 1, -3);
    S(SYS_request_key, "user", "missing", NULL, 0);
    return 0;
}
