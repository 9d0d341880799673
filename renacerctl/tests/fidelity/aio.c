#include "fidelity.h"
#include <linux/aio_abi.h>
int main(void) {
    aio_context_t ctx = 0;
    S(SYS_io_setup, 4, &ctx);
    S(SYS_io_destroy, ctx);
    S(SYS_io_destroy, 0);
    return 0;
}
