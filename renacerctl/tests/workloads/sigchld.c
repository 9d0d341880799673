/* A parent with a SIGCHLD handler: it blocks SIGCHLD, forks a child that
 * exits with 3, waits for the signal in sigsuspend, then reaps the child. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_chld;

static void on_chld(int sig) {
    (void)sig;
    got_chld = 1;
}

int main(void) {
    struct sigaction action = {0};
    action.sa_handler = on_chld;
    sigemptyset(&action.sa_mask);
    sigaction(SIGCHLD, &action, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t child = fork();
    if (child == 0)
        _exit(3);
    while (!got_chld)
        sigsuspend(&old);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 3 ? 0 : 1;
}
