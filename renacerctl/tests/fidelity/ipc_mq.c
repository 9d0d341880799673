#include "fidelity.h"
#include <mqueue.h>
int main(void) {
    S(SYS_mq_open, "fidelity-missing", O_RDONLY, 0, NULL);
    S(SYS_mq_unlink, "fidelity-missing");
    return 0;
}
