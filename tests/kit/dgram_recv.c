/* dgram_recv.c - the receiver tests/test_kit.sh runs for examples/custom_backend: binds a UNIX
   datagram socket at argv[1], prints "ready", then each datagram as one line, and exits after argv[2]
   datagrams or argv[3] milliseconds, whichever comes first. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    static char buf[1 << 16];
    struct sockaddr_un addr;
    long count, end;
    int fd;
    if (argc != 4 || strlen(argv[1]) >= sizeof addr.sun_path) { fprintf(stderr, "usage: dgram_recv PATH COUNT MS\n"); return 2; }
    count = atol(argv[2]);
    end = now_ms() + atol(argv[3]);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, argv[1]);
    unlink(argv[1]);
    if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { perror("dgram_recv"); return 1; }
    printf("ready\n");
    fflush(stdout);
    while (count > 0 && now_ms() < end) {
        struct pollfd p;
        ssize_t n;
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, 100) <= 0) continue;
        if ((n = recv(fd, buf, sizeof buf - 1, 0)) <= 0) continue;
        buf[n] = 0;
        printf("%s\n", buf);
        fflush(stdout);
        count--;
    }
    close(fd);
    unlink(argv[1]);
    return 0;
}
