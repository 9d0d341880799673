#include "fidelity.h"
#include <linux/futex.h>
int main(void) {
    static uint32_t word = 1;
    struct timespec ts = {0, 1000};
    S(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
    S(SYS_futex, &word, FUTEX_WAIT, 0, &ts, NULL, 0);
    S(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    S(SYS_futex, &word, FUTEX_WAKE, 2147483647, NULL, NULL, 0);
    S(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
    S(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0xff);
    S(SYS_futex, &word, FUTEX_REQUEUE_PRIVATE, 1, 2, &word, 0);
    S(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &word, 1);
    return 0;
}
