/*
 * The tutorials' first server in C: it answers every recv(1024) with the
 * same bytes upper-cased, raw. Built static in the tests (cc -static), so
 * that the trace is shown to need no LD_PRELOAD and no Python.
 *
 *     cc -O2 -static -o upper_server_naive upper_server_naive.c -lpthread
 *     ./upper_server_naive PORT [single|thread|fork]
 *
 * single: one connection at a time; thread: a thread per connection;
 * fork: a process per connection (as dnsmasq serves TCP).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void serve(int fd) {
    char buf[1024];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0); /* the bug: one recv() is not one message */
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
        for (ssize_t off = 0; off < n;) {
            ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w <= 0) goto done;
            off += w;
        }
    }
done:
    close(fd);
}

static void *serve_thread(void *arg) {
    serve((int)(long)arg);
    return NULL;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 9000;
    const char *mode = argc > 2 ? argv[2] : "single";
    signal(SIGCHLD, SIG_IGN); /* forked children reap themselves */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 16)) {
        perror("bind/listen");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        if (strcmp(mode, "thread") == 0) {
            pthread_t t;
            pthread_create(&t, NULL, serve_thread, (void *)(long)c);
            pthread_detach(t);
        } else if (strcmp(mode, "fork") == 0) {
            if (fork() == 0) {
                close(s);
                serve(c);
                _exit(0);
            }
            close(c);
        } else {
            serve(c);
        }
    }
}
