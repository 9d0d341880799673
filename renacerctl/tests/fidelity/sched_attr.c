#include "fidelity.h"
#include <linux/sched/types.h>
int main(void) {
    struct sched_attr a = {.size = sizeof a, .sched_policy = 0, .sched_nice = 3};
    S(SYS_sched_setattr, 0, &a, 0);
    struct sched_attr b;
    S(SYS_sched_getattr, 0, &b, sizeof b, 0);
    S(SYS_sched_getattr, 0, NULL, sizeof b, 0);
    return 0;
}
