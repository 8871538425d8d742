/*
 * Stream throughput and latency through the C library: events/s to a ccb_event_cb that only
 * counts, and the time from injecting one event to the callback on an idle stream.
 *
 * The same procedure as the Rust benchmark (src/main.rs, src/latency.rs): the simulator
 * binary runs as its own process; throughput queues N events on the stream's session
 * through the simulator's control API (POST /sim/events) and times until the callback has
 * counted all of them (maxEvents=200, buffer room for the whole burst), median/min/max over
 * R rounds, with and without acknowledgement. Latency (with --latency N): a simulator whose
 * long poll waits the documented 15 s, one stream; before each sample a random pause of
 * 2..=10 ms, then the simulator is asked until the session's GET /events is waiting
 * (activePolls of GET /sim/sessions/{id}); the sample is from just before the control
 * request that queues one event to the callback's first instruction. 20 warm-up samples are
 * left out. The control requests are plain HTTP/1.1 on a new loopback connection each.
 *
 * Prints one JSON object. Built by tests/bench/run.sh against libccbridge_c.
 *
 * Usage: c_callback --sim PATH [--events N] [--rounds R] [--latency N]
 */
#define _POSIX_C_SOURCE 200809L

#include "ccbridge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 20
#define PAUSE_MIN_MS 2
#define PAUSE_MAX_MS 10
#define LATENCY_POLL_WAIT_MS 15000

static void die(const char *what, ccb_error_t *err) {
    fprintf(stderr, "c_callback: %s: %s\n", what, err ? ccb_error_message(err) : strerror(errno));
    ccb_error_free(err);
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- the simulator process and its control API ---- */

typedef struct {
    pid_t pid;
    int port;
    char url[128];
} sim_t;

static void sim_start(sim_t *sim, const char *path, int poll_wait_ms) {
    int fds[2];
    if (pipe(fds) != 0) die("pipe", NULL);
    char wait_arg[32];
    snprintf(wait_arg, sizeof wait_arg, "%d", poll_wait_ms);
    pid_t pid = fork();
    if (pid < 0) die("fork", NULL);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        FILE *null = freopen("/dev/null", "w", stderr);
        (void)null;
        execl(path, path, "--port", "0", "--poll-wait-ms", wait_arg, "--rate-limit", "0",
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* "ccbridge-sim listening on http://127.0.0.1:PORT" */
    char line[256];
    size_t n = 0;
    while (n + 1 < sizeof line) {
        ssize_t r = read(fds[0], line + n, 1);
        if (r <= 0 || line[n] == '\n') break;
        n++;
    }
    line[n] = '\0';
    close(fds[0]);
    const char *url = strrchr(line, ' ');
    const char *colon = url ? strrchr(url, ':') : NULL;
    if (!url || !colon) {
        fprintf(stderr, "c_callback: unexpected simulator output '%s'\n", line);
        exit(1);
    }
    snprintf(sim->url, sizeof sim->url, "%s", url + 1);
    sim->port = atoi(colon + 1);
    sim->pid = pid;
}

static void sim_stop(sim_t *sim) {
    kill(sim->pid, SIGTERM);
    waitpid(sim->pid, NULL, 0);
}

/* One HTTP/1.1 request on a new connection (Connection: close); the answer's body into
 * `out` (NUL-terminated, truncated to `cap`). Returns the status code. */
static int http(const sim_t *sim, const char *method, const char *path, const char *body,
                char *out, size_t cap) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket", NULL);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)sim->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect", NULL);
    char req[2048];
    size_t blen = body ? strlen(body) : 0;
    int len = snprintf(req, sizeof req,
                       "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                       method, path, sim->port, blen, body ? body : "");
    for (int sent = 0; sent < len;) {
        ssize_t w = write(fd, req + sent, (size_t)(len - sent));
        if (w <= 0) die("write", NULL);
        sent += (int)w;
    }
    char resp[8192];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, resp + got, sizeof resp - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
        if (got == sizeof resp - 1) break;
    }
    resp[got] = '\0';
    close(fd);
    int status = 0;
    sscanf(resp, "HTTP/1.1 %d", &status);
    if (out && cap) {
        const char *b = strstr(resp, "\r\n\r\n");
        snprintf(out, cap, "%s", b ? b + 4 : "");
    }
    return status;
}

static void inject(const sim_t *sim, const char *session_id, unsigned long count) {
    char body[1024];
    snprintf(body, sizeof body,
             "{\"sessionId\":\"%s\",\"eventType\":\"engagementCenter.ScreenPop\","
             "\"payload\":{\"userId\":\"bench\",\"ehubSessionId\":100,\"ehubSessionIdRev\":\"100\","
             "\"payload\":{\"interactionId\":1,\"interactionIdRev\":\"1\",\"mediaType\":\"InboundACD\"}},"
             "\"count\":%lu}",
             session_id, count);
    int status = http(sim, "POST", "/sim/events", body, NULL, 0);
    if (status < 200 || status > 299) {
        fprintf(stderr, "c_callback: POST /sim/events answered %d\n", status);
        exit(1);
    }
}

static long active_polls(const sim_t *sim, const char *session_id) {
    char path[256], body[2048];
    snprintf(path, sizeof path, "/sim/sessions/%s", session_id);
    if (http(sim, "GET", path, NULL, body, sizeof body) != 200) return 0;
    const char *p = strstr(body, "\"activePolls\":");
    return p ? strtol(p + strlen("\"activePolls\":"), NULL, 10) : 0;
}

static ccb_client_t *client_for(const sim_t *sim) {
    ccb_client_options_t o;
    ccb_client_options_init(&o);
    o.org_id = "simorg";
    o.client_id = "sim-client";
    o.client_secret = "sim-secret";
    o.api_key = "sim-api-key";
    o.base_url = sim->url;
    ccb_client_t *client = NULL;
    ccb_error_t *err = ccb_client_new(&o, &client);
    if (err) die("ccb_client_new", err);
    return client;
}

static char *session_id(const ccb_stream_t *stream) {
    char *sid = NULL;
    ccb_error_t *err = ccb_stream_session_id(stream, &sid);
    if (err) die("ccb_stream_session_id", err);
    return sid;
}

/* ---- throughput ---- */

/* The callback counts and says when the last event is in: a waiting loop that looked
 * every few hundred microseconds took a core's turn from the stream on a machine of two. */
typedef struct {
    atomic_ulong seen;
    unsigned long target;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool all_in;
} counter_t;

static void count_event(void *user_data, const ccb_event_t *event) {
    (void)event;
    counter_t *c = user_data;
    if (atomic_fetch_add_explicit(&c->seen, 1, memory_order_relaxed) + 1 == c->target) {
        pthread_mutex_lock(&c->lock);
        c->all_in = true;
        pthread_cond_signal(&c->cond);
        pthread_mutex_unlock(&c->lock);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void throughput(const sim_t *sim, ccb_client_t *client, unsigned long events, int rounds,
                       bool ack, bool last) {
    double *rates = calloc((size_t)rounds, sizeof *rates);
    for (int r = 0; r < rounds; r++) {
        counter_t c;
        atomic_init(&c.seen, 0);
        c.target = events;
        c.all_in = events == 0;
        pthread_mutex_init(&c.lock, NULL);
        pthread_cond_init(&c.cond, NULL);
        ccb_stream_options_t o;
        ccb_stream_options_init(&o);
        o.max_events = 200;
        o.require_acknowledgement = ack;
        /* Room for the whole burst: without acknowledgement a full buffer drops events. */
        o.buffer_capacity = (uint32_t)(events ? events : 1);
        ccb_stream_t *stream = NULL;
        ccb_error_t *err = ccb_stream_start(client, &o, count_event, NULL, &c, &stream);
        if (err) die("ccb_stream_start", err);
        char *sid = session_id(stream);
        double started = now_s();
        inject(sim, sid, events);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 120;
        pthread_mutex_lock(&c.lock);
        while (!c.all_in) {
            if (pthread_cond_timedwait(&c.cond, &c.lock, &until) == ETIMEDOUT) {
                fprintf(stderr, "c_callback: benchmark stalled\n");
                exit(1);
            }
        }
        pthread_mutex_unlock(&c.lock);
        rates[r] = (double)events / (now_s() - started);
        err = ccb_stream_stop(stream);
        if (err) die("ccb_stream_stop", err);
        ccb_stream_free(stream);
        ccb_string_free(sid);
        pthread_cond_destroy(&c.cond);
        pthread_mutex_destroy(&c.lock);
        unsigned long seen = atomic_load(&c.seen);
        if (seen != events) {
            fprintf(stderr, "c_callback: %lu events seen of %lu (each exactly once expected)\n",
                    seen, events);
            exit(1);
        }
    }
    qsort(rates, (size_t)rounds, sizeof *rates, cmp_double);
    printf("\"c_callback_%s\": {\"events\": %lu, \"rounds\": %d, \"acknowledgement\": %s, "
           "\"events_per_second_median\": %.0f, \"events_per_second_min\": %.0f, "
           "\"events_per_second_max\": %.0f}%s\n",
           ack ? "ack" : "no_ack", events, rounds, ack ? "true" : "false", rates[rounds / 2],
           rates[0], rates[rounds - 1], last ? "" : ",");
    free(rates);
}

/* ---- latency ---- */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    double seen_at; /* 0: not yet */
    unsigned long seen;
} slot_t;

static void note_event(void *user_data, const ccb_event_t *event) {
    double t = now_s();
    (void)event;
    slot_t *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->seen_at = t;
    s->seen++;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* The 1-minute load average (/proc/loadavg): the cores are shared. */
static double load_average_1m(void) {
    double v = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &v) != 1) v = -1;
        fclose(f);
    }
    return v;
}

static uint64_t rng_state;

static unsigned long rng_between(unsigned long lo, unsigned long hi) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return lo + (unsigned long)(rng_state % (hi - lo + 1));
}

static double percentile(const double *sorted, int n, double p) {
    int rank = (int)(p * n + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

static void latency(const sim_t *sim, ccb_client_t *client, int samples, bool ack, bool last) {
    double load_before = load_average_1m();
    slot_t s;
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    s.seen_at = 0;
    s.seen = 0;
    ccb_stream_options_t o;
    ccb_stream_options_init(&o);
    o.max_events = 200;
    o.require_acknowledgement = ack;
    ccb_stream_t *stream = NULL;
    ccb_error_t *err = ccb_stream_start(client, &o, note_event, NULL, &s, &stream);
    if (err) die("ccb_stream_start", err);
    double *lat = calloc((size_t)samples, sizeof *lat);
    double *calls = calloc((size_t)samples, sizeof *calls);
    unsigned long waited = 0;
    for (int i = 0; i < WARMUP + samples; i++) {
        sleep_us((long)rng_between(PAUSE_MIN_MS, PAUSE_MAX_MS) * 1000);
        char *sid = session_id(stream);
        double since = now_s();
        if (active_polls(sim, sid) == 0) {
            waited++;
            while (active_polls(sim, sid) == 0) {
                if (now_s() - since > 10) {
                    fprintf(stderr, "c_callback: no poll outstanding\n");
                    exit(1);
                }
                sleep_us(200);
            }
        }
        pthread_mutex_lock(&s.lock);
        s.seen_at = 0;
        pthread_mutex_unlock(&s.lock);
        double t0 = now_s();
        inject(sim, sid, 1);
        double injected = now_s() - t0;
        pthread_mutex_lock(&s.lock);
        while (s.seen_at == 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 10;
            if (pthread_cond_timedwait(&s.cond, &s.lock, &until) == ETIMEDOUT) {
                fprintf(stderr, "c_callback: the event never reached the callback\n");
                exit(1);
            }
        }
        double at = s.seen_at;
        pthread_mutex_unlock(&s.lock);
        if (i >= WARMUP) {
            lat[i - WARMUP] = (at - t0) * 1e3;
            calls[i - WARMUP] = injected * 1e3;
        }
        ccb_string_free(sid);
    }
    err = ccb_stream_stop(stream);
    if (err) die("ccb_stream_stop", err);
    ccb_stream_free(stream);
    if (s.seen != (unsigned long)(WARMUP + samples)) {
        fprintf(stderr, "c_callback: %lu events seen of %d\n", s.seen, WARMUP + samples);
        exit(1);
    }
    qsort(lat, (size_t)samples, sizeof *lat, cmp_double);
    qsort(calls, (size_t)samples, sizeof *calls, cmp_double);
    double p99 = percentile(lat, samples, 0.99);
    printf("\"c_latency_%s\": {\"samples\": %d, \"acknowledgement\": %s, \"pause_ms\": [%d, %d], "
           "\"sim_poll_wait_ms\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, "
           "\"min_ms\": %.3f, \"inject_request_p50_ms\": %.3f, "
           "\"samples_that_waited_for_the_poll\": %lu, \"goal_p99_ms\": 5, "
           "\"p99_within_goal\": %s, \"load_average_1m\": {\"before\": %.2f, \"after\": %.2f}}%s\n",
           ack ? "ack" : "no_ack", samples, ack ? "true" : "false", PAUSE_MIN_MS, PAUSE_MAX_MS,
           LATENCY_POLL_WAIT_MS, percentile(lat, samples, 0.50), p99, lat[samples - 1], lat[0],
           percentile(calls, samples, 0.50), waited, p99 < 5.0 ? "true" : "false",
           load_before, load_average_1m(), last ? "" : ",");
    free(lat);
    free(calls);
    pthread_cond_destroy(&s.cond);
    pthread_mutex_destroy(&s.lock);
}

int main(int argc, char **argv) {
    const char *sim_path = NULL;
    unsigned long events = 20000;
    int rounds = 3, samples = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--sim") == 0) sim_path = argv[i + 1];
        else if (strcmp(argv[i], "--events") == 0) events = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0) rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--latency") == 0) samples = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: %s --sim PATH [--events N] [--rounds R] [--latency N]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!sim_path) {
        fprintf(stderr, "usage: %s --sim PATH [--events N] [--rounds R] [--latency N]\n", argv[0]);
        return 2;
    }
    if (rounds < 1) rounds = 1;
    rng_state = (uint64_t)time(NULL) * 2654435761u | 1;

    printf("{\n");
    if (events > 0) {
        sim_t sim;
        sim_start(&sim, sim_path, 500);
        ccb_client_t *client = client_for(&sim);
        throughput(&sim, client, events, rounds, true, false);
        throughput(&sim, client, events, rounds, false, samples <= 0);
        ccb_client_free(client);
        sim_stop(&sim);
    }
    if (samples > 0) {
        sim_t sim;
        sim_start(&sim, sim_path, LATENCY_POLL_WAIT_MS);
        ccb_client_t *client = client_for(&sim);
        latency(&sim, client, samples, true, false);
        latency(&sim, client, samples, false, true);
        ccb_client_free(client);
        sim_stop(&sim);
    }
    printf("}\n");
    return 0;
}
