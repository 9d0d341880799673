/* Two threads, one after the other, each writing a line and exiting; the
 * main thread reads their lines from a pipe and sleeps before joining, so
 * that it never waits on a futex (the same calls under any tracer). */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static void *worker(void *arg) {
    const char *line = arg;
    write(fds[1], line, strlen(line));
    return NULL;
}

int main(void) {
    static const char *lines[] = {"first thread\n", "second thread\n"};
    char buf[64];
    if (pipe(fds) != 0)
        return 1;
    for (int i = 0; i < 2; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker, (void *)lines[i]) != 0)
            return 1;
        ssize_t n = read(fds[0], buf, sizeof buf);
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
        pthread_join(thread, NULL);
        write(1, buf, n > 0 ? (size_t)n : 0);
    }
    return 0;
}
