/* Deterministic workload for the strace golden test: files (open, write,
 * read, writev, readv, rename, unlink, a failing unlink and readv), loopback
 * sockets (a refused TCP connect, a UDP sendto, sendmsg and recvmsg over a
 * socketpair, one failing), a pipe, stat and rlimit structs, a signal
 * action and mask, and a nanosleep. Built static so that no dynamic
 * loader runs before main. Usage: file_net DIR */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0)
        return 2;
    int fd = open("data.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (write(fd, "renacer golden line\n\ttab\001end", 28) != 28)
        return 3;
    close(fd);
    char buf[64];
    fd = open("data.txt", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);

    fd = open("vectors.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct iovec out[3] = {{"vectored ", 9}, {"", 0}, {"write\n", 6}};
    writev(fd, out, 3);
    lseek(fd, 0, SEEK_SET);
    char head[4], body[16], tail[8];
    struct iovec in[3] = {{head, sizeof head}, {body, sizeof body}, {tail, sizeof tail}};
    readv(fd, in, 3);
    readv(-1, in, 3);
    close(fd);
    unlink("vectors.txt");
    rename("data.txt", "moved.txt");
    unlink("moved.txt");
    unlink("missing.txt");
    mkdir("sub", 0755);
    rmdir("sub");

    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(9);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    connect(tcp, (struct sockaddr *)&addr, sizeof addr);
    close(tcp);
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(udp, "ping", 4, 0, (struct sockaddr *)&addr, sizeof addr);
    struct iovec parts[2] = {{"pi", 2}, {"ng", 2}};
    struct msghdr named = {.msg_name = &addr, .msg_namelen = sizeof addr, .msg_iov = parts, .msg_iovlen = 2};
    sendmsg(udp, &named, MSG_DONTWAIT);
    close(udp);
    int pair[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, pair);
    struct msghdr sent = {.msg_iov = parts, .msg_iovlen = 2};
    sendmsg(pair[0], &sent, 0);
    char got[10];
    struct iovec into = {got, sizeof got};
    struct msghdr received = {.msg_iov = &into, .msg_iovlen = 1};
    recvmsg(pair[1], &received, 0);
    recvmsg(pair[1], &received, MSG_DONTWAIT);
    close(pair[0]);
    close(pair[1]);
    pipe2(pair, O_CLOEXEC);
    struct stat st;
    stat("/dev/null", &st);
    fstat(pair[0], &st);
    close(pair[0]);
    close(pair[1]);
    struct rlimit files;
    getrlimit(RLIMIT_NOFILE, &files);
    struct sigaction ignore = {.sa_handler = SIG_IGN, .sa_flags = SA_RESTART}, previous;
    sigaddset(&ignore.sa_mask, SIGTERM);
    sigaction(SIGPIPE, &ignore, &previous);
    sigset_t block, before;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &before);
    sigprocmask(SIG_SETMASK, &before, NULL);

    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
    if (n > 0 && write(1, buf, (size_t)n) != n)
        return 4;
    return 0;
}
