/*
 * Starts and stops the ccbridge simulator (tests/sim) for the C and C++ tests.
 *
 * The binary is $CCBRIDGE_SIM, or CCB_SIM_DEFAULT (set by CMake to
 * <repo>/target/debug/ccbridge-sim). It runs with a short long-poll wait so tests are fast,
 * and with --exit-on-stdin-close: the test holds the write end of the simulator's stdin, so
 * a test that crashes or is killed never leaves a simulator behind.
 *
 * Header-only (static functions), usable from C99 and C++.
 */
#ifndef CCB_TEST_SIM_H
#define CCB_TEST_SIM_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CCB_SIM_DEFAULT
#define CCB_SIM_DEFAULT "ccbridge-sim"
#endif

#define CCB_SIM_PREFIX "ccbridge-sim listening on "

typedef struct ccb_test_sim {
    pid_t pid;
    int stdin_fd;
    int stdout_fd;
    char url[256];
} ccb_test_sim;

/* Starts the simulator and reads its URL line. Returns 0 on success. */
static int ccb_test_sim_start(ccb_test_sim *sim) {
    const char *path = getenv("CCBRIDGE_SIM");
    int in_pipe[2], out_pipe[2];
    size_t used = 0;
    pid_t pid;

    memset(sim, 0, sizeof *sim);
    sim->pid = -1;
    if (path == NULL || path[0] == '\0') {
        path = CCB_SIM_DEFAULT;
    }
    /* The simulator's info logs would drown the tests' own output. */
    setenv("RUST_LOG", "warn", 0);
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) {
        perror("pipe");
        return -1;
    }
    /* The test's ends must not leak into other children. */
    fcntl(in_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(out_pipe[0], F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        dup2(in_pipe[0], STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        close(in_pipe[0]);
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execl(path, path, "--port", "0", "--poll-wait-ms", "200", "--exit-on-stdin-close",
              (char *)NULL);
        fprintf(stderr, "cannot run the simulator %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    sim->pid = pid;
    sim->stdin_fd = in_pipe[1];
    sim->stdout_fd = out_pipe[0];

    /* Read the one line, for at most 30 s (valgrind makes everything slower). */
    for (;;) {
        struct pollfd p;
        ssize_t n;
        char *nl;
        p.fd = sim->stdout_fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 30000) <= 0) {
            fprintf(stderr, "the simulator %s printed no URL in time\n", path);
            return -1;
        }
        n = read(sim->stdout_fd, sim->url + used, sizeof sim->url - 1 - used);
        if (n <= 0) {
            fprintf(stderr, "the simulator %s exited before printing its URL\n", path);
            return -1;
        }
        used += (size_t)n;
        sim->url[used] = '\0';
        nl = strchr(sim->url, '\n');
        if (nl != NULL) {
            size_t prefix = strlen(CCB_SIM_PREFIX);
            *nl = '\0';
            if (strncmp(sim->url, CCB_SIM_PREFIX, prefix) != 0) {
                fprintf(stderr, "unexpected simulator output: %s\n", sim->url);
                return -1;
            }
            memmove(sim->url, sim->url + prefix, strlen(sim->url + prefix) + 1);
            return 0;
        }
        if (used >= sizeof sim->url - 1) {
            fprintf(stderr, "simulator line too long\n");
            return -1;
        }
    }
}

/* Stops the simulator: closes its stdin (it exits on that), sends SIGTERM, and after 10 s
 * SIGKILL. Safe to call twice. */
static void ccb_test_sim_stop(ccb_test_sim *sim) {
    if (sim->stdin_fd > 0) {
        close(sim->stdin_fd);
        sim->stdin_fd = -1;
    }
    if (sim->pid > 0) {
        int status = 0;
        int waited_ms = 0;
        kill(sim->pid, SIGTERM);
        for (;;) {
            pid_t r = waitpid(sim->pid, &status, WNOHANG);
            if (r == sim->pid || (r < 0 && errno != EINTR)) {
                break;
            }
            if (waited_ms == 10000) {
                fprintf(stderr, "the simulator did not exit; killing it\n");
                kill(sim->pid, SIGKILL);
            }
            {
                struct timespec ts;
                ts.tv_sec = 0;
                ts.tv_nsec = 10000000L;
                nanosleep(&ts, NULL);
            }
            waited_ms += 10;
        }
        sim->pid = -1;
    }
    if (sim->stdout_fd > 0) {
        close(sim->stdout_fd);
        sim->stdout_fd = -1;
    }
}

#endif /* CCB_TEST_SIM_H */
