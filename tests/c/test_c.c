/*
 * Tests of the C API (include/ccbridge.h) against the simulator over loopback HTTP.
 *
 *   test_c            runs every test case
 *   test_c NAME       runs one (CTest registers each one this way)
 *   test_c --list     prints the names
 *
 * The whole binary also runs under valgrind memcheck (see CMakeLists.txt), so every case
 * frees what it owns: a leak is a failure.
 */
#define _POSIX_C_SOURCE 200809L

#include "ccbridge.h"
#include "sim.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static ccb_test_sim SIM;
static int failures = 0;

#define WAIT_MS 20000

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

#define REQUIRE(cond)                                                                   \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: requirement failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                                 \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define REQUIRE_OK(expr)                                                                 \
    do {                                                                                 \
        ccb_error_t *err_ = (expr);                                                      \
        if (err_ != NULL) {                                                              \
            fprintf(stderr, "%s:%d: %s failed: [%s] %s\n", __FILE__, __LINE__, #expr,    \
                    ccb_error_code_name(ccb_error_code(err_)), ccb_error_message(err_)); \
            ccb_error_free(err_);                                                        \
            failures++;                                                                  \
            return;                                                                      \
        }                                                                                \
    } while (0)

#define CHECK_STREQ(a, b) CHECK(streq((a), (b)))

/* Values that must never show up in an error message. */
static const char *const SECRETS[] = {"sim-secret", "sim-api-key", "wrong-secret-7f3a",
                                      "wrong-key-91c2"};

static int streq(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Checks `err` (its code, the field it names when `field` is not NULL, that its message is
 * non-empty and holds no secret), then frees it. */
static void expect_error_at(const char *file, int line, ccb_error_t *err, ccb_error_code_t code,
                            const char *field) {
    const char *message;
    size_t i;
    if (err == NULL) {
        fprintf(stderr, "%s:%d: expected error %s, got success\n", file, line,
                ccb_error_code_name(code));
        failures++;
        return;
    }
    message = ccb_error_message(err);
    if (ccb_error_code(err) != code) {
        fprintf(stderr, "%s:%d: expected error %s, got %s: %s\n", file, line,
                ccb_error_code_name(code), ccb_error_code_name(ccb_error_code(err)), message);
        failures++;
    }
    if (field != NULL && !streq(ccb_error_field(err), field)) {
        fprintf(stderr, "%s:%d: expected field %s, got %s (%s)\n", file, line, field,
                ccb_error_field(err) ? ccb_error_field(err) : "NULL", message);
        failures++;
    }
    if (message == NULL || message[0] == '\0') {
        fprintf(stderr, "%s:%d: empty error message\n", file, line);
        failures++;
    }
    for (i = 0; message != NULL && i < sizeof SECRETS / sizeof SECRETS[0]; i++) {
        if (strstr(message, SECRETS[i]) != NULL) {
            fprintf(stderr, "%s:%d: a secret leaked into: %s\n", file, line, message);
            failures++;
        }
    }
    ccb_error_free(err);
}

#define EXPECT_ERROR(expr, code, field) expect_error_at(__FILE__, __LINE__, (expr), (code), (field))

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static ccb_client_options_t sim_options(void) {
    ccb_client_options_t o;
    ccb_client_options_init(&o);
    o.org_id = ccb_simulator_org_id(SIM.sim);
    o.client_id = ccb_simulator_client_id(SIM.sim);
    o.client_secret = ccb_simulator_client_secret(SIM.sim);
    o.api_key = ccb_simulator_api_key(SIM.sim);
    o.base_url = SIM.url;
    o.request_timeout_ms = 10000;
    return o;
}

static ccb_client_t *sim_client(void) {
    ccb_client_options_t o = sim_options();
    ccb_client_t *client = NULL;
    ccb_error_t *err = ccb_client_new(&o, &client);
    if (err != NULL) {
        fprintf(stderr, "ccb_client_new: %s\n", ccb_error_message(err));
        ccb_error_free(err);
        failures++;
    }
    return client;
}

/* ---- Consuming events, the same way for both models ------------------------------------ */

/* Returns the next event, which must be of `type`; it stays valid until the next call. */
typedef const ccb_event_t *(*next_fn)(void *ctx, const char *type);

static int is_type(const ccb_event_t *ev, const char *type, const char *file, int line) {
    if (ev == NULL) {
        fprintf(stderr, "%s:%d: no %s event in time\n", file, line, type);
        failures++;
        return 0;
    }
    if (!streq(ccb_event_type(ev), type)) {
        fprintf(stderr, "%s:%d: expected %s, got %s\n", file, line, type, ccb_event_type(ev));
        failures++;
        return 0;
    }
    return 1;
}

#define EXPECT_NEXT(next, ctx, type, out)                       \
    do {                                                        \
        (out) = (next)((ctx), (type));                          \
        if (!is_type((out), (type), __FILE__, __LINE__)) return; \
    } while (0)

typedef struct pull_ctx {
    ccb_stream_t *stream;
    ccb_event_t *last;
} pull_ctx;

static const ccb_event_t *pull_next(void *p, const char *type) {
    pull_ctx *ctx = (pull_ctx *)p;
    ccb_error_t *err;
    (void)type;
    ccb_event_free(ctx->last);
    ctx->last = NULL;
    err = ccb_stream_next_event(ctx->stream, WAIT_MS, &ctx->last);
    if (err != NULL) {
        fprintf(stderr, "ccb_stream_next_event: %s\n", ccb_error_message(err));
        ccb_error_free(err);
    }
    return ctx->last;
}

#define MAX_EVENTS 64
#define MAX_STATUSES 32

typedef struct collector {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ccb_event_t *events[MAX_EVENTS];
    int n_events;
    int taken;
    char statuses[MAX_STATUSES][32];
    int n_statuses;
    int callbacks_after_stopped;
    /* stop-from-callback test */
    ccb_stream_t *stream;
    int stop_on_first_event;
    int stop_result;
} collector;

static void collector_init(collector *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->stop_result = -1;
}

static void collector_destroy(collector *c) {
    int i;
    for (i = 0; i < c->n_events; i++) {
        ccb_event_free(c->events[i]);
    }
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

static int stopped_seen(collector *c) {
    return c->n_statuses > 0 && strcmp(c->statuses[c->n_statuses - 1], "stopped") == 0;
}

static void on_event(void *user_data, const ccb_event_t *event) {
    collector *c = (collector *)user_data;
    ccb_event_t *copy = NULL;
    ccb_error_t *err = ccb_event_clone(event, &copy);
    ccb_stream_t *stream;
    int stop_now;
    if (err != NULL) {
        ccb_error_free(err);
        failures++;
        return;
    }
    pthread_mutex_lock(&c->mu);
    if (stopped_seen(c)) {
        c->callbacks_after_stopped++;
    }
    if (c->n_events < MAX_EVENTS) {
        c->events[c->n_events++] = copy;
        copy = NULL;
    }
    stop_now = c->stop_on_first_event && c->n_events == 1;
    stream = c->stream;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    ccb_event_free(copy);
    if (stop_now) {
        /* Must return at once: waiting for this very callback would deadlock. */
        ccb_error_t *e = ccb_stream_stop(stream);
        pthread_mutex_lock(&c->mu);
        c->stop_result = e == NULL ? 0 : 1;
        pthread_mutex_unlock(&c->mu);
        ccb_error_free(e);
    }
}

static void on_status(void *user_data, const char *status, const char *description,
                      const ccb_error_t *error) {
    collector *c = (collector *)user_data;
    (void)error;
    CHECK(description != NULL && description[0] != '\0');
    pthread_mutex_lock(&c->mu);
    if (stopped_seen(c)) {
        c->callbacks_after_stopped++;
    }
    if (c->n_statuses < MAX_STATUSES) {
        snprintf(c->statuses[c->n_statuses++], sizeof c->statuses[0], "%s", status);
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void deadline_in(struct timespec *ts, long ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static const ccb_event_t *callback_next(void *p, const char *type) {
    collector *c = (collector *)p;
    const ccb_event_t *ev = NULL;
    struct timespec ts;
    (void)type;
    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&c->mu);
    while (c->taken >= c->n_events) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) {
            break;
        }
    }
    if (c->taken < c->n_events) {
        ev = c->events[c->taken++];
    }
    pthread_mutex_unlock(&c->mu);
    return ev;
}

static int wait_stopped(collector *c) {
    struct timespec ts;
    int seen;
    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&c->mu);
    while (!stopped_seen(c)) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) {
            break;
        }
    }
    seen = stopped_seen(c);
    pthread_mutex_unlock(&c->mu);
    return seen;
}

/* ---- The agent flow: connect, notReady(Park), ready, keepAlive, disconnect --------------- */

static void agent_flow(ccb_client_t *client, ccb_stream_t *stream, const char *user,
                       next_fn next, void *ctx) {
    char *sid = NULL;
    char *ehub = NULL;
    char *user_in_payload = NULL;
    char *typed = NULL;
    char expected[160];
    char correlation[128];
    const ccb_event_t *ev;

    REQUIRE_OK(ccb_stream_session_id(stream, &sid));
    REQUIRE(sid != NULL && sid[0] != '\0');

    REQUIRE_OK(ccb_ec_connect(client, sid, user, "Idle", "9785551212", false));
    EXPECT_NEXT(next, ctx, "engagementCenter.Connecting", ev);
    CHECK_STREQ(ccb_event_kind(ev), "via#engagementCenterEvent");
    CHECK(ccb_event_id(ev) != NULL && ccb_event_id(ev)[0] != '\0');
    CHECK(ccb_event_published_time(ev) != NULL && ccb_event_published_time(ev)[0] != '\0');
    CHECK(ccb_event_schema_version(ev) != NULL && ccb_event_schema_version(ev)[0] != '\0');
    CHECK(ccb_event_payload_json(ev) != NULL && ccb_event_payload_json(ev)[0] == '{');
    CHECK(ccb_event_raw_payload(ev) != NULL && ccb_event_raw_payload(ev)[0] == '{');
    CHECK(strstr(ccb_event_json(ev), "\"eventType\":\"engagementCenter.Connecting\"") != NULL);
    CHECK(strstr(ccb_event_json(ev), "\"payload\":{") != NULL);
    REQUIRE(ccb_event_correlation_id(ev) != NULL && ccb_event_correlation_id(ev)[0] != '\0');
    snprintf(correlation, sizeof correlation, "%s", ccb_event_correlation_id(ev));

    EXPECT_NEXT(next, ctx, "engagementCenter.ConnectConfirm", ev);
    CHECK_STREQ(ccb_event_correlation_id(ev), correlation);
    REQUIRE_OK(ccb_event_payload_get(ev, "/payload/ehubSessionId", &ehub));
    REQUIRE(ehub != NULL && ehub[0] != '\0');
    REQUIRE_OK(ccb_event_payload_get(ev, "/userId", &user_in_payload));
    CHECK_STREQ(user_in_payload, user);
    ccb_string_free(user_in_payload);
    REQUIRE_OK(ccb_event_typed_payload_json(ev, &typed));
    REQUIRE(typed != NULL);
    snprintf(expected, sizeof expected, "\"ehubSessionId\":\"%s\"", ehub);
    CHECK(strstr(typed, expected) != NULL);
    CHECK(strstr(typed, "ehubSessionIdRev") == NULL);
    ccb_string_free(typed);

    EXPECT_NEXT(next, ctx, "engagementCenter.Connected", ev);
    CHECK_STREQ(ccb_event_correlation_id(ev), correlation);
    EXPECT_NEXT(next, ctx, "engagementCenter.Idle", ev);

    REQUIRE_OK(ccb_ec_not_ready(client, sid, user, ehub, "12", "Park"));
    EXPECT_NEXT(next, ctx, "engagementCenter.Park", ev);
    CHECK(!streq(ccb_event_correlation_id(ev), correlation));

    REQUIRE_OK(ccb_ec_ready(client, sid, user, ehub));
    EXPECT_NEXT(next, ctx, "engagementCenter.Idle", ev);

    REQUIRE_OK(ccb_ec_keep_alive(client, sid, user, ehub, 90, "2024-05-01T10:00:00Z"));
    EXPECT_NEXT(next, ctx, "engagementCenter.ClientSessionKeepAlive", ev);
    REQUIRE_OK(ccb_ec_keep_alive(client, sid, user, ehub, 0, NULL));
    EXPECT_NEXT(next, ctx, "engagementCenter.ClientSessionKeepAlive", ev);

    REQUIRE_OK(ccb_ec_disconnect(client, sid, user, ehub, "0"));
    EXPECT_NEXT(next, ctx, "engagementCenter.Disconnected", ev);

    ccb_string_free(ehub);
    ccb_string_free(sid);
}

/* ---- Test cases ------------------------------------------------------------------------- */

static void test_version_and_codes(void) {
    CHECK(ccb_version() != NULL && strchr(ccb_version(), '.') != NULL);
    CHECK(CCB_OK == 0);
    CHECK(CCB_ERR_INVALID_ARGUMENT == 1);
    CHECK(CCB_ERR_CLOSED == 12);
    CHECK_STREQ(ccb_error_code_name(CCB_OK), "ok");
    CHECK_STREQ(ccb_error_code_name(CCB_ERR_AUTH), "auth");
    CHECK_STREQ(ccb_error_code_name(CCB_ERR_SESSION_EXPIRED), "session_expired");
    CHECK_STREQ(ccb_error_code_name(-5), "unknown");
}

/* A count out of range is refused whatever the runtime's state; once a request has run
 * on the runtime, a valid count is accepted but no longer applies. */
static void test_worker_threads(void) {
    ccb_client_t *client = sim_client();
    char *result = NULL;
    bool applied = true;
    REQUIRE(client != NULL);
    EXPECT_ERROR(ccb_configure_worker_threads(0, &applied), CCB_ERR_INVALID_ARGUMENT, "workers");
    EXPECT_ERROR(ccb_configure_worker_threads(257, NULL), CCB_ERR_INVALID_ARGUMENT, "workers");
    CHECK(applied);
    REQUIRE_OK(ccb_client_call(client, "streaming.createSession", "{}", &result));
    ccb_string_free(result);
    ccb_client_free(client);
    REQUIRE_OK(ccb_configure_worker_threads(1, &applied));
    CHECK(!applied);
    REQUIRE_OK(ccb_configure_worker_threads(4, NULL));
}

static void test_agent_flow_pull(void) {
    ccb_client_t *client = sim_client();
    ccb_stream_options_t so;
    pull_ctx ctx = {NULL, NULL};
    ccb_event_t *ev = (ccb_event_t *)&ctx;
    REQUIRE(client != NULL);
    ccb_stream_options_init(&so);
    so.max_events = 10;
    REQUIRE_OK(ccb_stream_start_pull(client, &so, &ctx.stream));

    /* Nothing queued yet: a short wait times out with no event and no error. */
    REQUIRE_OK(ccb_stream_next_event(ctx.stream, 50, &ev));
    CHECK(ev == NULL);

    agent_flow(client, ctx.stream, "c-pull-agent", pull_next, &ctx);
    ccb_event_free(ctx.last);
    ctx.last = NULL;

    REQUIRE_OK(ccb_stream_stop(ctx.stream));
    REQUIRE_OK(ccb_stream_stop(ctx.stream)); /* again: harmless */
    EXPECT_ERROR(ccb_stream_next_event(ctx.stream, 100, &ev), CCB_ERR_CLOSED, NULL);
    CHECK(ev == NULL);
    ccb_stream_free(ctx.stream);
    ccb_client_free(client);
}

static void test_agent_flow_callback(void) {
    ccb_client_t *client = sim_client();
    ccb_stream_t *stream = NULL;
    ccb_event_t *ev = NULL;
    collector c;
    int events_at_stop, statuses_at_stop;
    REQUIRE(client != NULL);
    collector_init(&c);
    REQUIRE_OK(ccb_stream_start(client, NULL, on_event, on_status, &c, &stream));

    /* A callback stream is not pulled. */
    EXPECT_ERROR(ccb_stream_next_event(stream, 10, &ev), CCB_ERR_INVALID_ARGUMENT, "stream");

    agent_flow(client, stream, "c-callback-agent", callback_next, &c);

    REQUIRE_OK(ccb_stream_stop(stream));
    /* Once stop returned, no callback runs any more and "stopped" was the last one. */
    pthread_mutex_lock(&c.mu);
    events_at_stop = c.n_events;
    statuses_at_stop = c.n_statuses;
    CHECK(c.n_statuses >= 2);
    CHECK(strcmp(c.statuses[0], "started") == 0);
    CHECK(stopped_seen(&c));
    pthread_mutex_unlock(&c.mu);
    sleep_ms(300);
    pthread_mutex_lock(&c.mu);
    CHECK(c.n_events == events_at_stop);
    CHECK(c.n_statuses == statuses_at_stop);
    CHECK(c.callbacks_after_stopped == 0);
    CHECK(c.n_events == 9);
    pthread_mutex_unlock(&c.mu);

    ccb_stream_free(stream);
    ccb_client_free(client);
    collector_destroy(&c);
}

static void test_stop_from_callback(void) {
    ccb_client_t *client = sim_client();
    ccb_stream_t *stream = NULL;
    char *sid = NULL;
    collector c;
    REQUIRE(client != NULL);
    collector_init(&c);
    c.stop_on_first_event = 1;
    REQUIRE_OK(ccb_stream_start(client, NULL, on_event, on_status, &c, &stream));
    pthread_mutex_lock(&c.mu);
    c.stream = stream;
    pthread_mutex_unlock(&c.mu);
    REQUIRE_OK(ccb_stream_session_id(stream, &sid));
    REQUIRE_OK(ccb_ec_connect(client, sid, "c-self-stop", NULL, NULL, false));
    CHECK(wait_stopped(&c));
    pthread_mutex_lock(&c.mu);
    CHECK(c.stop_result == 0);
    CHECK(c.n_events >= 1);
    CHECK(c.callbacks_after_stopped == 0);
    pthread_mutex_unlock(&c.mu);
    ccb_stream_free(stream);
    ccb_string_free(sid);
    ccb_client_free(client);
    collector_destroy(&c);
}

typedef struct waiter {
    ccb_stream_t *stream;
    ccb_error_code_t code;
    ccb_event_t *event;
} waiter;

static void *wait_for_event(void *p) {
    waiter *w = (waiter *)p;
    ccb_error_t *err = ccb_stream_next_event(w->stream, WAIT_MS, &w->event);
    w->code = ccb_error_code(err);
    ccb_error_free(err);
    return NULL;
}

static void test_stop_wakes_a_blocked_pull(void) {
    ccb_client_t *client = sim_client();
    ccb_stream_t *stream = NULL;
    waiter w;
    pthread_t t;
    struct timespec start, end;
    double waited;
    REQUIRE(client != NULL);
    REQUIRE_OK(ccb_stream_start_pull(client, NULL, &stream));
    w.stream = stream;
    w.code = CCB_OK;
    w.event = NULL;
    clock_gettime(CLOCK_MONOTONIC, &start);
    REQUIRE(pthread_create(&t, NULL, wait_for_event, &w) == 0);
    sleep_ms(200);
    REQUIRE_OK(ccb_stream_stop(stream));
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    waited = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    CHECK(w.code == CCB_ERR_CLOSED);
    CHECK(w.event == NULL);
    CHECK(waited < WAIT_MS / 1000.0 / 2);
    ccb_stream_free(stream);
    ccb_client_free(client);
}

static void test_client_call(void) {
    ccb_client_t *client = sim_client();
    char *result = NULL;
    char sid[128];
    char params[512];
    const char *p;
    size_t len;
    REQUIRE(client != NULL);

    REQUIRE_OK(ccb_client_call(client, "streaming.createSession",
                               "{\"body\":{\"inactivityDelay\":120,\"requireAcknowledgement\":false}}",
                               &result));
    REQUIRE(result != NULL);
    p = strstr(result, "\"sessionId\":\"");
    REQUIRE(p != NULL);
    p += strlen("\"sessionId\":\"");
    len = strcspn(p, "\"");
    REQUIRE(len > 0 && len < sizeof sid);
    memcpy(sid, p, len);
    sid[len] = '\0';
    CHECK(strstr(result, "\"inactivityDelay\":120") != NULL);
    ccb_string_free(result);

    snprintf(params, sizeof params,
             "{\"userId\":\"c-call-agent\",\"sessionId\":\"%s\",\"body\":{\"attach\":false,"
             "\"initialState\":\"NotReady\"}}",
             sid);
    REQUIRE_OK(ccb_client_call(client, "engagementCenter.connect", params, &result));
    CHECK_STREQ(result, "null"); /* 202 Accepted, no body */
    ccb_string_free(result);

    snprintf(params, sizeof params, "{\"sessionId\":\"%s\",\"query\":{\"maxEvents\":10}}", sid);
    REQUIRE_OK(ccb_client_call(client, "streaming.getEvents", params, &result));
    REQUIRE(result != NULL);
    CHECK(strstr(result, "engagementCenter.Connecting") != NULL);
    CHECK(strstr(result, "engagementCenter.ConnectConfirm") != NULL);
    CHECK(strstr(result, "engagementCenter.NotReady") != NULL);
    ccb_string_free(result);

    /* Bad input is rejected before any request. */
    EXPECT_ERROR(ccb_client_call(client, "streaming.noSuchOperation", "{}", &result),
                 CCB_ERR_INVALID_ARGUMENT, NULL);
    CHECK(result == NULL);
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", "{not json", &result),
                 CCB_ERR_INVALID_ARGUMENT, "params_json");
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", "[1,2]", &result),
                 CCB_ERR_INVALID_ARGUMENT, "params");
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", "{}", &result),
                 CCB_ERR_INVALID_ARGUMENT, "sessionId");

    snprintf(params, sizeof params, "{\"sessionId\":\"%s\"}", sid);
    REQUIRE_OK(ccb_client_call(client, "streaming.deleteSession", params, &result));
    ccb_string_free(result);
    /* The session is gone now. */
    snprintf(params, sizeof params, "{\"sessionId\":\"%s\",\"query\":{\"maxEvents\":1}}", sid);
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", params, &result),
                 CCB_ERR_SESSION_EXPIRED, NULL);
    ccb_client_free(client);
}

/* max_response_bytes: 0 after init (16 MiB), a small limit refuses a larger answer with
 * CCB_ERR_DECODE naming the option (the token endpoint's answer here), a roomy one reads it. */
static void test_max_response_bytes(void) {
    ccb_client_options_t o;
    ccb_client_t *client = NULL;
    char *result = NULL;
    ccb_error_t *err;

    ccb_client_options_init(&o);
    CHECK(o.max_response_bytes == 0);

    o = sim_options();
    o.max_response_bytes = 32;
    REQUIRE_OK(ccb_client_new(&o, &client));
    err = ccb_client_call(client, "streaming.createSession", "{}", &result);
    REQUIRE(err != NULL);
    CHECK(strstr(ccb_error_message(err), "max_response_bytes") != NULL);
    EXPECT_ERROR(err, CCB_ERR_DECODE, NULL);
    CHECK(result == NULL);
    ccb_client_free(client);

    o = sim_options();
    o.max_response_bytes = 64 * 1024;
    REQUIRE_OK(ccb_client_new(&o, &client));
    REQUIRE_OK(ccb_client_call(client, "streaming.createSession", "{}", &result));
    CHECK(result != NULL && strstr(result, "sessionId") != NULL);
    ccb_string_free(result);
    ccb_client_free(client);
}

static void test_client_raw(void) {
    ccb_client_t *client = sim_client();
    char *result = NULL;
    char sid[128];
    char params[512];
    const char *p;
    size_t len;
    REQUIRE(client != NULL);

    /* A documented path reached raw: same auth, headers and answer. */
    REQUIRE_OK(ccb_client_raw(client, "POST", "v3", "streaming/session",
                              "{\"body\":{\"inactivityDelay\":60}}", &result));
    p = strstr(result, "\"sessionId\":\"");
    REQUIRE(p != NULL);
    p += strlen("\"sessionId\":\"");
    len = strcspn(p, "\"");
    REQUIRE(len > 0 && len < sizeof sid);
    memcpy(sid, p, len);
    sid[len] = '\0';
    ccb_string_free(result);
    snprintf(params, sizeof params, "{\"sessionId\":\"%s\",\"query\":{\"maxEvents\":\"1\"}}", sid);
    REQUIRE_OK(ccb_client_raw(client, "GET", "v3", "streaming/events", params, &result));
    CHECK(strstr(result, "\"totalItems\":0") != NULL);
    ccb_string_free(result);

    /* An API the simulator does not serve: a typed error. NULL version means v2. */
    EXPECT_ERROR(ccb_client_raw(client, "GET", NULL, "provisioning/users", NULL, &result),
                 CCB_ERR_NOT_FOUND, NULL);
    CHECK(result == NULL);
    /* Nothing leaves the organization's Via APIs; bad input names its field. */
    EXPECT_ERROR(ccb_client_raw(client, "GET", "v2", "../../oauth2/token", NULL, &result),
                 CCB_ERR_INVALID_ARGUMENT, "path");
    EXPECT_ERROR(ccb_client_raw(client, "GET", "2", "provisioning/users", NULL, &result),
                 CCB_ERR_INVALID_ARGUMENT, "version");
    EXPECT_ERROR(ccb_client_raw(client, "FETCH", "v2", "provisioning/users", NULL, &result),
                 CCB_ERR_INVALID_ARGUMENT, "method");
    EXPECT_ERROR(ccb_client_raw(client, "GET", "v2", "provisioning/users", "{\"bogus\":1}", &result),
                 CCB_ERR_INVALID_ARGUMENT, "bogus");
    EXPECT_ERROR(ccb_client_raw(NULL, "GET", "v2", "provisioning/users", NULL, &result),
                 CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_client_raw(client, "GET", "v2", NULL, NULL, &result),
                 CCB_ERR_INVALID_ARGUMENT, "path");
    EXPECT_ERROR(ccb_client_raw(client, "GET", "v2", "provisioning/users", NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "result_json");
    ccb_client_free(client);
}

static void test_null_pointers(void) {
    ccb_client_t *client = sim_client();
    ccb_client_options_t o = sim_options();
    ccb_stream_t *stream = NULL;
    ccb_client_t *c_out = (ccb_client_t *)&o; /* garbage that must be cleared */
    ccb_stream_t *s_out = (ccb_stream_t *)&o;
    ccb_event_t *e_out = (ccb_event_t *)&o;
    char *str = (char *)&o;
    REQUIRE(client != NULL);
    REQUIRE_OK(ccb_stream_start_pull(client, NULL, &stream));

    EXPECT_ERROR(ccb_client_new(NULL, &c_out), CCB_ERR_INVALID_ARGUMENT, "options");
    CHECK(c_out == NULL);
    EXPECT_ERROR(ccb_client_new(&o, NULL), CCB_ERR_INVALID_ARGUMENT, "out");

    EXPECT_ERROR(ccb_client_call(NULL, "streaming.getEvents", "{}", &str), CCB_ERR_INVALID_ARGUMENT, "client");
    CHECK(str == NULL);
    EXPECT_ERROR(ccb_client_call(client, NULL, "{}", &str), CCB_ERR_INVALID_ARGUMENT, "operation");
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", NULL, &str), CCB_ERR_INVALID_ARGUMENT, "params_json");
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", "{}", NULL), CCB_ERR_INVALID_ARGUMENT, "result_json");

    EXPECT_ERROR(ccb_ec_connect(NULL, "s", "u", NULL, NULL, false), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_ec_connect(client, NULL, "u", NULL, NULL, false), CCB_ERR_INVALID_ARGUMENT, "session_id");
    EXPECT_ERROR(ccb_ec_connect(client, "s", NULL, NULL, NULL, false), CCB_ERR_INVALID_ARGUMENT, "user_id");

    EXPECT_ERROR(ccb_ec_ready(NULL, "s", "u", "1"), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_ec_ready(client, NULL, "u", "1"), CCB_ERR_INVALID_ARGUMENT, "session_id");
    EXPECT_ERROR(ccb_ec_ready(client, "s", NULL, "1"), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_ec_ready(client, "s", "u", NULL), CCB_ERR_INVALID_ARGUMENT, "ehub_session_id");

    EXPECT_ERROR(ccb_ec_not_ready(NULL, "s", "u", "1", "2", "Park"), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_ec_not_ready(client, NULL, "u", "1", "2", "Park"), CCB_ERR_INVALID_ARGUMENT, "session_id");
    EXPECT_ERROR(ccb_ec_not_ready(client, "s", NULL, "1", "2", "Park"), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_ec_not_ready(client, "s", "u", NULL, "2", "Park"), CCB_ERR_INVALID_ARGUMENT, "ehub_session_id");
    EXPECT_ERROR(ccb_ec_not_ready(client, "s", "u", "1", NULL, "Park"), CCB_ERR_INVALID_ARGUMENT, "reason_id");
    EXPECT_ERROR(ccb_ec_not_ready(client, "s", "u", "1", "2", NULL), CCB_ERR_INVALID_ARGUMENT, "not_ready_type");

    EXPECT_ERROR(ccb_ec_disconnect(NULL, "s", "u", "1", "0"), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_ec_disconnect(client, NULL, "u", "1", "0"), CCB_ERR_INVALID_ARGUMENT, "session_id");
    EXPECT_ERROR(ccb_ec_disconnect(client, "s", NULL, "1", "0"), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_ec_disconnect(client, "s", "u", NULL, "0"), CCB_ERR_INVALID_ARGUMENT, "ehub_session_id");
    EXPECT_ERROR(ccb_ec_disconnect(client, "s", "u", "1", NULL), CCB_ERR_INVALID_ARGUMENT, "reason_id");

    EXPECT_ERROR(ccb_ec_keep_alive(NULL, "s", "u", "1", 0, NULL), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_ec_keep_alive(client, NULL, "u", "1", 0, NULL), CCB_ERR_INVALID_ARGUMENT, "session_id");
    EXPECT_ERROR(ccb_ec_keep_alive(client, "s", NULL, "1", 0, NULL), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_ec_keep_alive(client, "s", "u", NULL, 0, NULL), CCB_ERR_INVALID_ARGUMENT, "ehub_session_id");

    EXPECT_ERROR(ccb_stream_start(NULL, NULL, on_event, NULL, NULL, &s_out), CCB_ERR_INVALID_ARGUMENT, "client");
    CHECK(s_out == NULL);
    EXPECT_ERROR(ccb_stream_start(client, NULL, NULL, NULL, NULL, &s_out), CCB_ERR_INVALID_ARGUMENT, "on_event");
    EXPECT_ERROR(ccb_stream_start(client, NULL, on_event, NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_stream_start_pull(NULL, NULL, &s_out), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_stream_start_pull(client, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_stream_next_event(NULL, 0, &e_out), CCB_ERR_INVALID_ARGUMENT, "stream");
    CHECK(e_out == NULL);
    EXPECT_ERROR(ccb_stream_next_event(stream, 0, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_stream_session_id(NULL, &str), CCB_ERR_INVALID_ARGUMENT, "stream");
    EXPECT_ERROR(ccb_stream_session_id(stream, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_stream_stop(NULL), CCB_ERR_INVALID_ARGUMENT, "stream");

    EXPECT_ERROR(ccb_event_payload_get(NULL, "/a", &str), CCB_ERR_INVALID_ARGUMENT, "event");
    EXPECT_ERROR(ccb_event_clone(NULL, &e_out), CCB_ERR_INVALID_ARGUMENT, "event");
    EXPECT_ERROR(ccb_event_clone(NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    str = (char *)&o;
    EXPECT_ERROR(ccb_event_typed_payload_json(NULL, &str), CCB_ERR_INVALID_ARGUMENT, "event");
    CHECK(str == NULL);
    e_out = (ccb_event_t *)&o;
    EXPECT_ERROR(ccb_event_from_json(NULL, &e_out), CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    CHECK(e_out == NULL);
    EXPECT_ERROR(ccb_event_from_json("{\"eventId\":\"1\",\"eventType\":\"t\"}", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_operations_json(NULL), CCB_ERR_INVALID_ARGUMENT, "out_json");

    /* Accessors of NULL objects answer NULL / neutral values instead of crashing. */
    CHECK(ccb_event_type(NULL) == NULL);
    CHECK(ccb_event_id(NULL) == NULL);
    CHECK(ccb_event_correlation_id(NULL) == NULL);
    CHECK(ccb_event_kind(NULL) == NULL);
    CHECK(ccb_event_published_time(NULL) == NULL);
    CHECK(ccb_event_schema_version(NULL) == NULL);
    CHECK(ccb_event_payload_json(NULL) == NULL);
    CHECK(ccb_event_raw_payload(NULL) == NULL);
    CHECK(ccb_event_json(NULL) == NULL);
    CHECK(ccb_error_code(NULL) == CCB_OK);
    CHECK_STREQ(ccb_error_message(NULL), "");
    CHECK(ccb_error_http_status(NULL) == 0);
    CHECK(ccb_error_field(NULL) == NULL);

    /* Every free accepts NULL; the init functions ignore it. */
    ccb_client_free(NULL);
    ccb_stream_free(NULL);
    ccb_event_free(NULL);
    ccb_error_free(NULL);
    ccb_string_free(NULL);
    ccb_client_options_init(NULL);
    ccb_stream_options_init(NULL);

    ccb_stream_free(stream);
    ccb_client_free(client);
}

/* A client with options `o` creates a streaming session at the simulator. */
static void creates_a_session(const ccb_client_options_t *o) {
    ccb_client_t *client = NULL;
    char *result = NULL;
    REQUIRE_OK(ccb_client_new(o, &client));
    REQUIRE_OK(ccb_client_raw(client, "POST", "v3", "streaming/session",
                              "{\"body\":{\"inactivityDelay\":60}}", &result));
    CHECK(strstr(result, "\"sessionId\"") != NULL);
    ccb_string_free(result);
    ccb_client_free(client);
}

static void test_client_config_errors(void) {
    ccb_client_options_t o;
    ccb_client_t *client = (ccb_client_t *)&o;
    char bad_utf8[] = {'a', (char)0xC3, (char)0x28, '\0'};

    o = sim_options();
    o.org_id = "";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "org_id");
    CHECK(client == NULL);
    o = sim_options();
    o.org_id = NULL;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "org_id");
    o = sim_options();
    o.org_id = "acme/../x";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "org_id");
    o = sim_options();
    o.client_secret = "";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "client_secret");
    o = sim_options();
    o.api_key = NULL;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "api_key");
    o = sim_options();
    o.base_url = "not a url";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "base_url");
    o = sim_options();
    o.base_url = "ftp://127.0.0.1/";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "base_url");
    o = sim_options();
    o.base_url = "http://example.com";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "base_url");
    o = sim_options();
    o.token_url = "http://tokens.example.com/token";
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "token_url");
    o = sim_options();
    o.client_id = bad_utf8;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "client_id");
    o = sim_options();
    o.struct_size = 4;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "struct_size");
    CHECK(client == NULL);
    o = sim_options();
    o.http2 = 7;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "http2");
    CHECK(client == NULL);
    /* What `http2 = true` wrote when the field was a bool: refused, not read as "off". */
    o = sim_options();
    o.http2 = 1;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "http2");
    CHECK(client == NULL);

    /* Every HTTP/2 choice reaches the simulator: negotiation (the zeroed default) and off
     * speak HTTP/1.1 over plain http://, prior knowledge HTTP/2. */
    {
        const ccb_http2_t choices[] = {CCB_HTTP2_NEGOTIATE, CCB_HTTP2_OFF,
                                       CCB_HTTP2_PRIOR_KNOWLEDGE};
        size_t i;
        for (i = 0; i < sizeof choices / sizeof choices[0]; i++) {
            o = sim_options();
            o.http2 = choices[i];
            creates_a_session(&o);
        }
    }

    /* HTTP/1.1 pipelining is on unless turned off; any other value is refused. */
    o = sim_options();
    CHECK(o.http1_pipelining == CCB_HTTP1_PIPELINING_ON);
    o.http1_pipelining = 2;
    EXPECT_ERROR(ccb_client_new(&o, &client), CCB_ERR_INVALID_ARGUMENT, "http1_pipelining");
    CHECK(client == NULL);
    {
        const ccb_http1_pipelining_t choices[] = {CCB_HTTP1_PIPELINING_ON,
                                                  CCB_HTTP1_PIPELINING_OFF};
        size_t i;
        for (i = 0; i < sizeof choices / sizeof choices[0]; i++) {
            o = sim_options();
            o.http1_pipelining = choices[i];
            creates_a_session(&o);
        }
    }

    /* http:// to a non-loopback host is accepted only when explicitly allowed. */
    o = sim_options();
    o.base_url = "http://example.com";
    o.allow_insecure_http = true;
    REQUIRE_OK(ccb_client_new(&o, &client));
    CHECK(client != NULL);
    ccb_client_free(client);
}

static void test_stream_option_errors(void) {
    ccb_client_t *client = sim_client();
    ccb_stream_options_t so;
    ccb_stream_t *stream = (ccb_stream_t *)&so;
    collector c;
    REQUIRE(client != NULL);
    collector_init(&c);

#define BAD_STREAM(set, field)                                                                 \
    do {                                                                                       \
        ccb_stream_options_init(&so);                                                          \
        set;                                                                                   \
        EXPECT_ERROR(ccb_stream_start_pull(client, &so, &stream), CCB_ERR_INVALID_ARGUMENT, field); \
        CHECK(stream == NULL);                                                                 \
        EXPECT_ERROR(ccb_stream_start(client, &so, on_event, on_status, &c, &stream),         \
                     CCB_ERR_INVALID_ARGUMENT, field);                                          \
        CHECK(stream == NULL);                                                                 \
    } while (0)

    BAD_STREAM(so.inactivity_delay_s = 30, "inactivity_delay");
    BAD_STREAM(so.inactivity_delay_s = 700, "inactivity_delay");
    BAD_STREAM(so.max_events = 0, "max_events");
    BAD_STREAM(so.max_events = 500, "max_events");
    BAD_STREAM(so.buffer_capacity = 0, "buffer_capacity");
    BAD_STREAM(so.poll_timeout_ms = 0, "poll_timeout");
    BAD_STREAM(so.struct_size = 1, "struct_size");
#undef BAD_STREAM

    /* The bounds themselves are accepted. */
    ccb_stream_options_init(&so);
    CHECK(so.inactivity_delay_s == 120);
    CHECK(so.max_events == 50);
    CHECK(so.require_acknowledgement);
    so.inactivity_delay_s = 60;
    so.max_events = 200;
    so.poll_timeout_ms = 20000;
    REQUIRE_OK(ccb_stream_start_pull(client, &so, &stream));
    ccb_stream_free(stream);
    ccb_stream_options_init(&so);
    so.inactivity_delay_s = 600;
    so.max_events = 1;
    REQUIRE_OK(ccb_stream_start(client, &so, on_event, on_status, &c, &stream));
    ccb_stream_free(stream);
    /* Freed without an explicit stop: the status callback still saw the end. */
    CHECK(stopped_seen(&c));
    CHECK(c.n_events == 0);

    ccb_client_free(client);
    collector_destroy(&c);
}

static void test_command_argument_errors(void) {
    ccb_client_t *client = sim_client();
    ccb_stream_t *stream = NULL;
    char *sid = NULL;
    char bad_utf8[] = {'u', (char)0xFF, '\0'};
    REQUIRE(client != NULL);
    REQUIRE_OK(ccb_stream_start_pull(client, NULL, &stream));
    REQUIRE_OK(ccb_stream_session_id(stream, &sid));

    EXPECT_ERROR(ccb_ec_connect(client, sid, "u", "Busy", NULL, false), CCB_ERR_INVALID_ARGUMENT, "initialState");
    EXPECT_ERROR(ccb_ec_connect(client, sid, "u", "idle", NULL, false), CCB_ERR_INVALID_ARGUMENT, "initialState");
    EXPECT_ERROR(ccb_ec_connect(client, sid, "", "Idle", NULL, false), CCB_ERR_INVALID_ARGUMENT, "userId");
    EXPECT_ERROR(ccb_ec_connect(client, "", "u", "Idle", NULL, false), CCB_ERR_INVALID_ARGUMENT, "sessionId");
    EXPECT_ERROR(ccb_ec_connect(client, sid, bad_utf8, NULL, NULL, false), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_ec_connect(client, sid, "u", NULL, "", false), CCB_ERR_INVALID_ARGUMENT, "station");
    EXPECT_ERROR(ccb_ec_not_ready(client, sid, "u", "1", "12", "Ready"), CCB_ERR_INVALID_ARGUMENT, "notReadyType");
    EXPECT_ERROR(ccb_ec_not_ready(client, sid, "u", "1", "12", "Idle"), CCB_ERR_INVALID_ARGUMENT, "notReadyType");
    EXPECT_ERROR(ccb_ec_not_ready(client, sid, "u", "1", "", "Park"), CCB_ERR_INVALID_ARGUMENT, "reasonId");
    EXPECT_ERROR(ccb_ec_ready(client, sid, "u", ""), CCB_ERR_INVALID_ARGUMENT, "ehubSessionId");
    EXPECT_ERROR(ccb_ec_keep_alive(client, sid, "u", "1", 0, "yesterday"), CCB_ERR_INVALID_ARGUMENT, "requestTimestamp");
    EXPECT_ERROR(ccb_ec_disconnect(client, sid, "u", "1", ""), CCB_ERR_INVALID_ARGUMENT, "reasonId");

    ccb_string_free(sid);
    ccb_stream_free(stream);
    ccb_client_free(client);
}

static void test_service_errors(void) {
    ccb_client_options_t o;
    ccb_client_t *client = NULL;
    ccb_stream_t *stream = NULL;
    ccb_error_t *err;
    char *result = NULL;

    /* Wrong secret: 401 from the token endpoint, and the secret is not in the message. */
    o = sim_options();
    o.client_secret = "wrong-secret-7f3a";
    REQUIRE_OK(ccb_client_new(&o, &client));
    err = ccb_stream_start_pull(client, NULL, &stream);
    CHECK(ccb_error_http_status(err) == 401);
    EXPECT_ERROR(err, CCB_ERR_AUTH, NULL);
    CHECK(stream == NULL);
    err = ccb_client_call(client, "streaming.createSession", "{}", &result);
    CHECK(ccb_error_http_status(err) == 401);
    CHECK(ccb_error_field(err) == NULL);
    EXPECT_ERROR(err, CCB_ERR_AUTH, NULL);
    ccb_client_free(client);

    /* Wrong API key: the service refuses it with 401. */
    o = sim_options();
    o.api_key = "wrong-key-91c2";
    REQUIRE_OK(ccb_client_new(&o, &client));
    err = ccb_stream_start_pull(client, NULL, &stream);
    CHECK(ccb_error_http_status(err) == 401);
    EXPECT_ERROR(err, CCB_ERR_AUTH, NULL);
    ccb_client_free(client);

    /* Unknown organization: 404. */
    o = sim_options();
    o.org_id = "otherorg";
    REQUIRE_OK(ccb_client_new(&o, &client));
    err = ccb_stream_start_pull(client, NULL, &stream);
    CHECK(ccb_error_http_status(err) == 404);
    EXPECT_ERROR(err, CCB_ERR_NOT_FOUND, NULL);
    ccb_client_free(client);

    /* A command on a session that does not exist: "Invalid or expired session" (400). */
    client = sim_client();
    REQUIRE(client != NULL);
    err = ccb_ec_ready(client, "no-such-session", "c-agent", "100");
    CHECK(ccb_error_http_status(err) == 400);
    EXPECT_ERROR(err, CCB_ERR_SESSION_EXPIRED, NULL);
    ccb_client_free(client);

    /* Nobody listening: a transport error, without retries here. */
    o = sim_options();
    o.base_url = "http://127.0.0.1:1";
    o.max_attempts = 1;
    o.connect_timeout_ms = 2000;
    REQUIRE_OK(ccb_client_new(&o, &client));
    err = ccb_stream_start_pull(client, NULL, &stream);
    CHECK(ccb_error_http_status(err) == 0);
    EXPECT_ERROR(err, CCB_ERR_TRANSPORT, NULL);
    ccb_client_free(client);
}

/* The embedded simulator itself: options, accessors, a second one beside the suite's, a
 * taken port, NULL handling, and a client of a freed one. */
static void test_simulator(void) {
    ccb_simulator_options_t options;
    ccb_simulator_t *sim = NULL;
    ccb_simulator_t *other = (ccb_simulator_t *)&options; /* garbage that must be cleared */
    ccb_client_options_t o;
    ccb_client_t *client = NULL;
    char *result = NULL;
    const char *url;
    char taken[16];
    const char *colon;

    ccb_simulator_options_init(NULL);
    ccb_simulator_options_init(&options);
    CHECK(options.struct_size == sizeof options);
    CHECK(options.port == 0);
    CHECK(options.poll_wait_ms == 15000);
    CHECK(options.token_ttl_s == 3600 && options.web_token_ttl_s == 3600);
    CHECK(options.rate_limit_per_second == 100);
    EXPECT_ERROR(ccb_simulator_start(&options, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    options.struct_size = 4;
    EXPECT_ERROR(ccb_simulator_start(&options, &other), CCB_ERR_INVALID_ARGUMENT, "struct_size");
    CHECK(other == NULL);
    CHECK(ccb_simulator_url(NULL) == NULL);
    CHECK(ccb_simulator_org_id(NULL) == NULL);
    CHECK(ccb_simulator_client_id(NULL) == NULL);
    CHECK(ccb_simulator_client_secret(NULL) == NULL);
    CHECK(ccb_simulator_api_key(NULL) == NULL);
    ccb_simulator_free(NULL);

    /* NULL options: the defaults. A second simulator runs beside the suite's. */
    REQUIRE_OK(ccb_simulator_start(NULL, &sim));
    url = ccb_simulator_url(sim);
    REQUIRE(url != NULL && strncmp(url, "http://127.0.0.1:", 17) == 0);
    CHECK(strcmp(url, SIM.url) != 0);
    CHECK_STREQ(ccb_simulator_org_id(sim), "simorg");
    CHECK_STREQ(ccb_simulator_client_id(sim), "sim-client");
    CHECK_STREQ(ccb_simulator_client_secret(sim), "sim-secret");
    CHECK_STREQ(ccb_simulator_api_key(sim), "sim-api-key");

    /* Its port is taken while it runs. */
    colon = strrchr(url, ':');
    REQUIRE(colon != NULL && strlen(colon + 1) < sizeof taken);
    strcpy(taken, colon + 1);
    ccb_simulator_options_init(&options);
    options.port = (uint16_t)atoi(taken);
    EXPECT_ERROR(ccb_simulator_start(&options, &other), CCB_ERR_TRANSPORT, NULL);
    CHECK(other == NULL);

    ccb_client_options_init(&o);
    o.org_id = ccb_simulator_org_id(sim);
    o.client_id = ccb_simulator_client_id(sim);
    o.client_secret = ccb_simulator_client_secret(sim);
    o.api_key = ccb_simulator_api_key(sim);
    o.base_url = url;
    o.max_attempts = 1;
    REQUIRE_OK(ccb_client_new(&o, &client));
    ccb_simulator_free(sim); /* the client copied what it keeps */
    EXPECT_ERROR(ccb_client_call(client, "streaming.createSession", "{}", &result),
                 CCB_ERR_TRANSPORT, NULL);
    CHECK(result == NULL);
    ccb_client_free(client);
}

/* Occurrences of `needle` in `haystack`. */
static size_t count_of(const char *haystack, const char *needle) {
    size_t n = 0;
    const char *p = haystack;
    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

static void test_operations_json(void) {
    char *ops = (char *)&failures; /* garbage that must be replaced */
    char *again = NULL;
    char *result = NULL;
    ccb_client_t *client = sim_client();
    size_t n;
    REQUIRE(client != NULL);
    REQUIRE_OK(ccb_operations_json(&ops));
    REQUIRE(ops != NULL && ops[0] == '[');
    /* Every element has each key once; keys are never escaped inside summaries. */
    n = count_of(ops, "\"name\":\"");
    CHECK(n > 50);
    CHECK(count_of(ops, "\"method\":\"") == n);
    CHECK(count_of(ops, "\"path\":\"/via/") == n);
    CHECK(count_of(ops, "\"safeToRetry\":") == n);
    CHECK(count_of(ops, "\"deprecated\":") == n);
    CHECK(count_of(ops, "\"summary\":\"") == n);
    CHECK(count_of(ops, "/organizations/{orgId}/") == n);
    CHECK(strstr(ops, "\"name\":\"engagementCenter.ready\"") != NULL);
    CHECK(strstr(ops, "\"path\":\"/via/v2/organizations/{orgId}/engagementCenter/users/{userId}/ready\"") != NULL);
    CHECK(strstr(ops, "\"name\":\"streaming.getEvents\"") != NULL);
    CHECK(strstr(ops, "\"method\":\"GET\"") != NULL);
    CHECK(strstr(ops, "\"deprecated\":true") != NULL);
    CHECK(strstr(ops, "\"safeToRetry\":true") != NULL);
    CHECK(strstr(ops, "\"safeToRetry\":false") != NULL);
    /* A fresh string each time, the same content. */
    REQUIRE_OK(ccb_operations_json(&again));
    CHECK(again != ops);
    CHECK_STREQ(again, ops);
    ccb_string_free(again);
    /* A listed name is one ccb_client_call() knows: it gets past the name check (and fails
     * on its missing session instead). */
    EXPECT_ERROR(ccb_client_call(client, "streaming.getEvents", "{}", &result),
                 CCB_ERR_INVALID_ARGUMENT, "sessionId");
    ccb_string_free(ops);
    ccb_client_free(client);
}

static void test_event_from_json(void) {
    static const char *const envelope =
        "{\"kind\":\"via#engagementCenterEvent\",\"eventId\":\"1519073278252-0\","
        "\"correlationId\":\"def6\",\"eventType\":\"engagementCenter.Held\","
        "\"publishedTime\":\"2018-01-30T14:04:20.539Z\",\"schemaVersion\":1,"
        "\"payload\":\"{\\\"userId\\\":\\\"5aa0\\\",\\\"ehubSessionId\\\":215,"
        "\\\"ehubSessionIdRev\\\":\\\"215\\\",\\\"payload\\\":{\\\"interactionId\\\":1030,"
        "\\\"interactionIdRev\\\":\\\"1030\\\"}}\"}";
    char bad_utf8[] = {'{', '"', (char)0xFF, '"', ':', '1', '}', '\0'};
    ccb_event_t *ev = NULL;
    ccb_event_t *back = NULL;
    ccb_event_t *copy = NULL;
    char *typed = NULL;
    char *value = NULL;

    REQUIRE_OK(ccb_event_from_json(envelope, &ev));
    REQUIRE(ev != NULL);
    CHECK_STREQ(ccb_event_type(ev), "engagementCenter.Held");
    CHECK_STREQ(ccb_event_id(ev), "1519073278252-0");
    CHECK_STREQ(ccb_event_correlation_id(ev), "def6");
    CHECK_STREQ(ccb_event_kind(ev), "via#engagementCenterEvent");
    CHECK_STREQ(ccb_event_published_time(ev), "2018-01-30T14:04:20.539Z");
    CHECK_STREQ(ccb_event_schema_version(ev), "1");
    CHECK(strncmp(ccb_event_raw_payload(ev), "{\"userId\"", 9) == 0);

    /* The untyped lookup still sees the wire form: the integer twin stays a number. */
    REQUIRE_OK(ccb_event_payload_get(ev, "/ehubSessionId", &value));
    CHECK_STREQ(value, "215");
    ccb_string_free(value);
    REQUIRE_OK(ccb_event_payload_get(ev, "/ehubSessionIdRev", &value));
    CHECK_STREQ(value, "215");
    ccb_string_free(value);

    /* The typed form merges each pair of twins into one text value. */
    REQUIRE_OK(ccb_event_typed_payload_json(ev, &typed));
    REQUIRE(typed != NULL && typed[0] == '{');
    CHECK(strstr(typed, "\"ehubSessionId\":\"215\"") != NULL);
    CHECK(strstr(typed, "\"interactionId\":\"1030\"") != NULL);
    CHECK(strstr(typed, "\"userId\":\"5aa0\"") != NULL);
    CHECK(strstr(typed, "Rev") == NULL);
    ccb_string_free(typed);

    /* What ccb_event_json() writes reads back as the same event; so does a clone. */
    REQUIRE_OK(ccb_event_from_json(ccb_event_json(ev), &back));
    CHECK_STREQ(ccb_event_json(back), ccb_event_json(ev));
    REQUIRE_OK(ccb_event_typed_payload_json(back, &typed));
    CHECK(typed != NULL && strstr(typed, "\"ehubSessionId\":\"215\"") != NULL);
    ccb_string_free(typed);
    REQUIRE_OK(ccb_event_clone(back, &copy));
    CHECK_STREQ(ccb_event_json(copy), ccb_event_json(ev));
    ccb_event_free(copy);
    ccb_event_free(back);
    ccb_event_free(ev);

    /* No typed form, and no error, for an undocumented type or a payload that is not an
     * object; the payload itself is kept. */
    REQUIRE_OK(ccb_event_from_json(
        "{\"eventId\":\"2\",\"eventType\":\"engagementCenter.SomethingNew\",\"payload\":\"{\\\"a\\\":1}\"}",
        &ev));
    typed = (char *)&failures;
    REQUIRE_OK(ccb_event_typed_payload_json(ev, &typed));
    CHECK(typed == NULL);
    CHECK_STREQ(ccb_event_payload_json(ev), "{\"a\":1}");
    ccb_event_free(ev);
    REQUIRE_OK(ccb_event_from_json(
        "{\"eventId\":\"3\",\"eventType\":\"engagementCenter.Held\",\"payload\":\"not json\"}", &ev));
    REQUIRE_OK(ccb_event_typed_payload_json(ev, &typed));
    CHECK(typed == NULL);
    CHECK_STREQ(ccb_event_raw_payload(ev), "not json");
    ccb_event_free(ev);
    /* No payload at all: an event, with "null" as its payload. */
    REQUIRE_OK(ccb_event_from_json("{\"eventId\":\"4\",\"eventType\":\"engagementCenter.Idle\"}", &ev));
    CHECK_STREQ(ccb_event_payload_json(ev), "null");
    REQUIRE_OK(ccb_event_typed_payload_json(ev, &typed));
    CHECK(typed == NULL);
    ccb_event_free(ev);

    /* Bad envelopes name the argument and leave *out NULL. */
    ev = (ccb_event_t *)&failures;
    EXPECT_ERROR(ccb_event_from_json("{\"eventId\":", &ev), CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    CHECK(ev == NULL);
    EXPECT_ERROR(ccb_event_from_json("[1]", &ev), CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    EXPECT_ERROR(ccb_event_from_json("{\"eventType\":\"engagementCenter.Idle\"}", &ev),
                 CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    EXPECT_ERROR(ccb_event_from_json("{\"eventId\":\"5\"}", &ev), CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    EXPECT_ERROR(ccb_event_from_json("{\"eventId\":\"\",\"eventType\":\"x\"}", &ev),
                 CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    EXPECT_ERROR(ccb_event_from_json(bad_utf8, &ev), CCB_ERR_INVALID_ARGUMENT, "envelope_json");
    CHECK(ev == NULL);
}

/* ---- Agent sessions (ccb_agent_*) ------------------------------------------------------- */

/* What an agent's listener and its async callbacks saw. */
typedef struct agent_seen {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ccb_agent_t *agent; /* for the listener's own calls */
    int offered;
    char offered_id[64];
    char offered_ani[64];
    int changes;
    int bad_views;
    int refused_in_listener; /* a blocking command from the listener failed at once */
    int async_done;
    char async_event_type[96];
    int async_error_code;
    char async_error_field[64];
} agent_seen;

static void agent_seen_init(agent_seen *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
}

static void agent_seen_destroy(agent_seen *s) {
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
}

static void on_agent_outcome(void *user_data, const ccb_agent_outcome_t *outcome,
                             const ccb_error_t *error) {
    agent_seen *s = (agent_seen *)user_data;
    pthread_mutex_lock(&s->mu);
    if ((outcome == NULL) == (error == NULL)) {
        s->bad_views++;
    }
    if (outcome != NULL) {
        snprintf(s->async_event_type, sizeof s->async_event_type, "%s",
                 ccb_agent_outcome_event_type(outcome) ? ccb_agent_outcome_event_type(outcome) : "(none)");
        if (!streq(ccb_event_type(ccb_agent_outcome_event(outcome)), ccb_agent_outcome_event_type(outcome))) {
            s->bad_views++;
        }
    } else {
        s->async_error_code = (int)ccb_error_code(error);
        snprintf(s->async_error_field, sizeof s->async_error_field, "%s",
                 ccb_error_field(error) ? ccb_error_field(error) : "");
    }
    s->async_done++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void on_agent_change(void *user_data, const ccb_agent_change_t *change) {
    agent_seen *s = (agent_seen *)user_data;
    const ccb_event_t *ev = ccb_agent_change_event(change);
    char *ani = NULL;
    ccb_error_t *err;
    if (ccb_agent_change_kind(change) == CCB_AGENT_CHANGE_INTERACTION_OFFERED) {
        const char *id = ccb_agent_change_interaction_id(change);
        err = ccb_event_payload_get(ev, "/payload/interactionInfo/screenData/ani", &ani);
        ccb_error_free(err);
        /* Waiting here for a command of this agent could only time out: refused at once. */
        err = ccb_agent_accept(s->agent, id, NULL);
        pthread_mutex_lock(&s->mu);
        if (ccb_error_code(err) == CCB_ERR_INVALID_ARGUMENT && streq(ccb_error_field(err), "agent")) {
            s->refused_in_listener++;
        }
        snprintf(s->offered_id, sizeof s->offered_id, "%s", id ? id : "");
        snprintf(s->offered_ani, sizeof s->offered_ani, "%s", ani ? ani : "");
        pthread_mutex_unlock(&s->mu);
        ccb_error_free(err);
        ccb_string_free(ani);
        /* The asynchronous form is the one to use here. */
        err = ccb_agent_command_async(s->agent, "accept", id, NULL, on_agent_outcome, s);
        ccb_error_free(err);
    }
    pthread_mutex_lock(&s->mu);
    if (ev == NULL && ccb_agent_change_kind(change) != CCB_AGENT_CHANGE_GAP) {
        s->bad_views++;
    }
    if (ccb_agent_change_kind(change) == CCB_AGENT_CHANGE_INTERACTION_OFFERED) {
        s->offered++;
    }
    s->changes++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Waits until `*counter` reaches `n`; returns whether it did. */
static int agent_seen_wait(agent_seen *s, const int *counter, int n) {
    struct timespec ts;
    int ok;
    deadline_in(&ts, WAIT_MS);
    pthread_mutex_lock(&s->mu);
    while (*counter < n) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0) {
            break;
        }
    }
    ok = *counter >= n;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static int wait_agent_state(const ccb_agent_t *agent, ccb_agent_state_t state) {
    int i;
    for (i = 0; i < WAIT_MS / 10; i++) {
        if (ccb_agent_state(agent) == state) {
            return 1;
        }
        sleep_ms(10);
    }
    return 0;
}

/* Pulls the next change, which must be of `kind` with an event of `type` (NULL: no event);
 * frees it. */
static int expect_change_at(const char *file, int line, ccb_agent_t *agent,
                            ccb_agent_change_kind_t kind, const char *type) {
    ccb_agent_change_t *change = NULL;
    ccb_agent_change_t *copy = NULL;
    ccb_error_t *err = ccb_agent_next_change(agent, WAIT_MS, &change);
    int ok = 1;
    if (err != NULL || change == NULL) {
        fprintf(stderr, "%s:%d: no %s change: %s\n", file, line, ccb_agent_change_kind_name(kind),
                ccb_error_message(err));
        ccb_error_free(err);
        failures++;
        return 0;
    }
    if (ccb_agent_change_kind(change) != kind ||
        (type != NULL && !streq(ccb_event_type(ccb_agent_change_event(change)), type))) {
        fprintf(stderr, "%s:%d: expected %s (%s), got %s (%s)\n", file, line,
                ccb_agent_change_kind_name(kind), type ? type : "-",
                ccb_agent_change_kind_name(ccb_agent_change_kind(change)),
                ccb_event_type(ccb_agent_change_event(change)));
        failures++;
        ok = 0;
    }
    /* An owned change clones, with its own event. */
    err = ccb_agent_change_clone(change, &copy);
    if (err != NULL || ccb_agent_change_kind(copy) != ccb_agent_change_kind(change) ||
        ccb_agent_change_event(copy) == ccb_agent_change_event(change)) {
        fprintf(stderr, "%s:%d: clone differs\n", file, line);
        failures++;
    }
    ccb_error_free(err);
    ccb_agent_change_free(copy);
    ccb_agent_change_free(change);
    return ok;
}

#define EXPECT_CHANGE(agent, kind, type) expect_change_at(__FILE__, __LINE__, (agent), (kind), (type))

/* The handle from login to free: accessors, pulled changes, a listener, blocking and async
 * commands with their outcomes, a typed failure, logout. */
static void test_agent_session(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_options_t o;
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *outcome = NULL;
    ccb_agent_change_t *change = NULL;
    ccb_error_t *err;
    char *s = NULL;
    char *call = NULL;
    agent_seen seen;
    const char *user = "c-agent-session";
    REQUIRE(client != NULL);
    agent_seen_init(&seen);

    ccb_agent_options_init(&o);
    CHECK(o.struct_size == sizeof o);
    CHECK(o.command_timeout_ms == 10000 && o.login_timeout_ms == 30000);
    CHECK(o.keep_alive_ms == 0 && o.change_capacity == 10000 && o.stream == NULL);
    o.initial_state = "NotReady";
    o.station = "9785551212";
    REQUIRE_OK(ccb_agent_login(client, user, &o, &agent));
    REQUIRE(agent != NULL);
    CHECK_STREQ(ccb_agent_user_id(agent), user);
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_NOT_READY);
    CHECK_STREQ(ccb_agent_state_name(ccb_agent_state(agent)), "NotReady");
    CHECK(ccb_agent_pending(agent) == CCB_AGENT_PENDING_NONE);
    CHECK(ccb_agent_in_sync(agent));
    CHECK(ccb_agent_dropped_changes(agent) == 0);
    REQUIRE_OK(ccb_agent_ehub_session_id(agent, &s));
    CHECK(s != NULL && s[0] != '\0');
    ccb_string_free(s);
    REQUIRE_OK(ccb_agent_stream_session_id(agent, &s));
    CHECK(s != NULL && s[0] != '\0');
    ccb_string_free(s);

    /* The login's own changes are queued for the pull. */
    CHECK(EXPECT_CHANGE(agent, CCB_AGENT_CHANGE_STATE, "engagementCenter.Connecting"));
    CHECK(EXPECT_CHANGE(agent, CCB_AGENT_CHANGE_STATE, "engagementCenter.ConnectConfirm"));
    CHECK(EXPECT_CHANGE(agent, CCB_AGENT_CHANGE_STATE, "engagementCenter.Connected"));
    CHECK(EXPECT_CHANGE(agent, CCB_AGENT_CHANGE_STATE, "engagementCenter.NotReady"));
    change = (ccb_agent_change_t *)&o; /* garbage that must be cleared */
    REQUIRE_OK(ccb_agent_next_change(agent, 20, &change));
    CHECK(change == NULL); /* nothing more: the wait ran out */

    /* A blocking command and its outcome. */
    REQUIRE_OK(ccb_agent_ready(agent, &outcome));
    REQUIRE(outcome != NULL);
    CHECK_STREQ(ccb_agent_outcome_command(outcome), "engagementCenter.ready");
    CHECK_STREQ(ccb_agent_outcome_event_type(outcome), "engagementCenter.Idle");
    CHECK_STREQ(ccb_event_type(ccb_agent_outcome_event(outcome)), "engagementCenter.Idle");
    CHECK(ccb_agent_outcome_correlation_id(outcome) != NULL);
    CHECK_STREQ(ccb_event_correlation_id(ccb_agent_outcome_event(outcome)),
                ccb_agent_outcome_correlation_id(outcome));
    CHECK(strstr(ccb_agent_outcome_json(outcome), "\"command\":\"engagementCenter.ready\"") != NULL);
    CHECK(strstr(ccb_agent_outcome_json(outcome), "\"eventType\":\"engagementCenter.Idle\"") != NULL);
    ccb_agent_outcome_free(outcome);
    outcome = NULL;
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_IDLE);
    REQUIRE_OK(ccb_agent_reason_id(agent, &s));
    CHECK(s == NULL);

    /* A listener sees the screen pop with the caller's data and accepts asynchronously. */
    seen.agent = agent;
    REQUIRE_OK(ccb_agent_set_listener(agent, on_agent_change, &seen));
    REQUIRE_OK(ccb_simulator_offer(SIM.sim, user, NULL, "{\"ani\":\"6035550199\"}", &call));
    REQUIRE(call != NULL);
    CHECK(agent_seen_wait(&seen, &seen.offered, 1));
    CHECK(agent_seen_wait(&seen, &seen.async_done, 1));
    pthread_mutex_lock(&seen.mu);
    CHECK_STREQ(seen.offered_id, call);
    CHECK_STREQ(seen.offered_ani, "6035550199");
    CHECK_STREQ(seen.async_event_type, "engagementCenter.Active");
    CHECK(seen.refused_in_listener == 1);
    pthread_mutex_unlock(&seen.mu);
    REQUIRE_OK(ccb_agent_snapshot_json(agent, &s));
    CHECK(strstr(s, "\"state\":\"Busy\"") != NULL);
    CHECK(strstr(s, "\"ani\":\"6035550199\"") != NULL);
    CHECK(strstr(s, "\"state\":\"Active\"") != NULL);
    ccb_string_free(s);

    /* The generic form, without wanting the outcome; then an invalid transition. */
    REQUIRE_OK(ccb_agent_command(agent, "engagementCenter.hold", call, NULL, NULL));
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_BUSY);
    outcome = (ccb_agent_outcome_t *)&o;
    err = ccb_agent_hold(agent, call, &outcome);
    CHECK(outcome == NULL);
    CHECK(ccb_error_fail_code(err) == 31);
    CHECK(ccb_error_fail_reason(err) != NULL && strstr(ccb_error_fail_reason(err), "Hold failure") != NULL);
    CHECK(strstr(ccb_error_message(err), "engagementCenter.hold") != NULL);
    CHECK(ccb_error_http_status(err) == 0);
    EXPECT_ERROR(err, CCB_ERR_COMMAND_FAILED, NULL);
    REQUIRE_OK(ccb_agent_retrieve(agent, call, NULL));

    /* Back to pulling; the far end hangs up; wrap-up; dispose; logout. */
    REQUIRE_OK(ccb_agent_set_listener(agent, NULL, NULL));
    REQUIRE_OK(ccb_simulator_hang_up(SIM.sim, user, call));
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_WRAP));
    REQUIRE_OK(ccb_agent_dispose(agent, call, "1", false, false, false, "[]", &outcome));
    CHECK_STREQ(ccb_agent_outcome_event_type(outcome), "engagementCenter.DispositionInitiated");
    ccb_agent_outcome_free(outcome);
    outcome = NULL;
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_IDLE));
    REQUIRE_OK(ccb_agent_not_ready(agent, "12", "Park", NULL));
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_PARK);
    REQUIRE_OK(ccb_agent_reason_id(agent, &s));
    CHECK_STREQ(s, "12");
    ccb_string_free(s);
    REQUIRE_OK(ccb_agent_keep_alive(agent, NULL, NULL, NULL));
    REQUIRE_OK(ccb_agent_logout(agent, "0", 10000, &outcome));
    CHECK_STREQ(ccb_agent_outcome_event_type(outcome), "engagementCenter.Disconnected");
    ccb_agent_outcome_free(outcome);
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_DISCONNECTED);
    REQUIRE_OK(ccb_simulator_agent_json(SIM.sim, user, &s));
    CHECK(strstr(s, "\"connected\":false") != NULL);
    ccb_string_free(s);

    pthread_mutex_lock(&seen.mu);
    CHECK(seen.bad_views == 0);
    pthread_mutex_unlock(&seen.mu);
    ccb_string_free(call);
    ccb_agent_free(agent);
    ccb_client_free(client);
    agent_seen_destroy(&seen);
}

/* Async commands still waiting when the agent goes end with CCB_ERR_CLOSED before
 * ccb_agent_free() returns; closing wakes a blocked pull; a refused login; a gap. */
static void test_agent_close_and_failures(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_t *agent = NULL;
    ccb_agent_t *refused = (ccb_agent_t *)&failures;
    ccb_agent_change_t *change = NULL;
    ccb_error_t *err;
    char *sid = NULL;
    agent_seen seen;
    REQUIRE(client != NULL);
    agent_seen_init(&seen);

    /* Refused login: the service's failCode and failReason, and no handle. */
    REQUIRE_OK(ccb_simulator_fail_next_login(SIM.sim, "c-agent-refused", 219,
                                             "(219) Agent is already logged in at station"));
    err = ccb_agent_login(client, "c-agent-refused", NULL, &refused);
    CHECK(refused == NULL);
    CHECK(ccb_error_fail_code(err) == 219);
    CHECK(streq(ccb_error_fail_reason(err), "(219) Agent is already logged in at station"));
    EXPECT_ERROR(err, CCB_ERR_COMMAND_FAILED, NULL);

    /* A recreated stream: a gap, with no event. */
    REQUIRE_OK(ccb_agent_login(client, "c-agent-close", NULL, &agent));
    REQUIRE_OK(ccb_agent_stream_session_id(agent, &sid));
    REQUIRE_OK(ccb_simulator_expire_session(SIM.sim, sid));
    ccb_string_free(sid);
    for (;;) {
        REQUIRE_OK(ccb_agent_next_change(agent, WAIT_MS, &change));
        REQUIRE(change != NULL);
        if (ccb_agent_change_kind(change) == CCB_AGENT_CHANGE_GAP) {
            break;
        }
        ccb_agent_change_free(change);
    }
    CHECK(ccb_agent_change_event(change) == NULL);
    CHECK(ccb_agent_change_message(change) != NULL);
    CHECK(ccb_agent_change_interaction_id(change) == NULL);
    ccb_agent_change_free(change);
    CHECK(!ccb_agent_in_sync(agent));

    /* Polls fail from now on: an async command cannot learn its outcome; freeing the agent
     * ends it with CCB_ERR_CLOSED, and its callback has run when ccb_agent_free returns. */
    REQUIRE_OK(ccb_simulator_add_fault(
        SIM.sim, "{\"method\":\"GET\",\"pathContains\":\"/events\",\"kind\":\"status\",\"status\":503,\"count\":0}"));
    sleep_ms(300);
    REQUIRE_OK(ccb_agent_command_async(agent, "ready", NULL, "", on_agent_outcome, &seen));
    sleep_ms(100);
    ccb_agent_free(agent);
    REQUIRE_OK(ccb_simulator_clear_faults(SIM.sim));
    pthread_mutex_lock(&seen.mu);
    CHECK(seen.async_done == 1);
    CHECK(seen.async_error_code == CCB_ERR_CLOSED);
    CHECK(seen.bad_views == 0);
    pthread_mutex_unlock(&seen.mu);

    /* ccb_agent_close: commands and pulls then end with CCB_ERR_CLOSED. */
    REQUIRE_OK(ccb_agent_attach(client, "c-agent-close", NULL, &agent));
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_UNKNOWN);
    REQUIRE_OK(ccb_agent_close(agent));
    REQUIRE_OK(ccb_agent_close(agent)); /* again: harmless */
    EXPECT_ERROR(ccb_agent_ready(agent, NULL), CCB_ERR_CLOSED, NULL);
    do {
        change = NULL;
        err = ccb_agent_next_change(agent, 100, &change);
        ccb_agent_change_free(change);
    } while (err == NULL);
    EXPECT_ERROR(err, CCB_ERR_CLOSED, NULL);
    REQUIRE_OK(ccb_agent_stream_session_id(agent, &sid));
    CHECK(sid == NULL);
    ccb_agent_free(agent);

    ccb_client_free(client);
    agent_seen_destroy(&seen);
}

static void ignore_change(void *user_data, const ccb_agent_change_t *change) {
    (void)user_data;
    (void)change;
}

/* NULL pointers, empty ids and invalid UTF-8: CCB_ERR_INVALID_ARGUMENT naming the argument,
 * before any request; accessors of NULL objects answer neutral values. */
static void test_agent_arguments(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_options_t o;
    ccb_agent_t *agent = NULL;
    ccb_agent_t *a_out = (ccb_agent_t *)&o; /* garbage that must be cleared */
    ccb_agent_outcome_t *out = (ccb_agent_outcome_t *)&o;
    ccb_agent_change_t *c_out = (ccb_agent_change_t *)&o;
    char *str = (char *)&o;
    char bad_utf8[] = {'a', (char)0xC3, (char)0x28, '\0'};
    ccb_stream_options_t so;
    agent_seen seen;
    REQUIRE(client != NULL);
    agent_seen_init(&seen);

    /* Login and attach. */
    EXPECT_ERROR(ccb_agent_login(NULL, "u", NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "client");
    CHECK(a_out == NULL);
    EXPECT_ERROR(ccb_agent_login(client, NULL, NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_agent_login(client, "", NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_agent_login(client, "  ", NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_agent_login(client, bad_utf8, NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_agent_login(client, "u", NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_agent_attach(NULL, "u", NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "client");
    EXPECT_ERROR(ccb_agent_attach(client, "", NULL, &a_out), CCB_ERR_INVALID_ARGUMENT, "user_id");
    ccb_agent_options_init(&o);
    o.struct_size = 8;
    EXPECT_ERROR(ccb_agent_login(client, "u", &o, &a_out), CCB_ERR_INVALID_ARGUMENT, "struct_size");
    ccb_agent_options_init(&o);
    o.initial_state = "Busy";
    EXPECT_ERROR(ccb_agent_login(client, "u", &o, &a_out), CCB_ERR_INVALID_ARGUMENT, "initial_state");
    ccb_agent_options_init(&o);
    o.station = bad_utf8;
    EXPECT_ERROR(ccb_agent_login(client, "u", &o, &a_out), CCB_ERR_INVALID_ARGUMENT, "station");
    ccb_agent_options_init(&o);
    o.command_timeout_ms = 0;
    EXPECT_ERROR(ccb_agent_login(client, "u", &o, &a_out), CCB_ERR_INVALID_ARGUMENT, "command_timeout");
    ccb_agent_options_init(&o);
    o.change_capacity = 0;
    EXPECT_ERROR(ccb_agent_login(client, "u", &o, &a_out), CCB_ERR_INVALID_ARGUMENT, "change_capacity");
    ccb_agent_options_init(&o);
    ccb_stream_options_init(&so);
    so.inactivity_delay_s = 5;
    o.stream = &so;
    EXPECT_ERROR(ccb_agent_login(client, "u", &o, &a_out), CCB_ERR_INVALID_ARGUMENT, "inactivity_delay");
    CHECK(a_out == NULL);
    ccb_agent_options_init(NULL);

    REQUIRE_OK(ccb_agent_login(client, "c-agent-args", NULL, &agent));

    /* Commands. */
    EXPECT_ERROR(ccb_agent_ready(NULL, &out), CCB_ERR_INVALID_ARGUMENT, "agent");
    CHECK(out == NULL);
    EXPECT_ERROR(ccb_agent_not_ready(NULL, "1", "NotReady", NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    /* A NULL field is an absent one: the description's checks name the wire field. */
    EXPECT_ERROR(ccb_agent_not_ready(agent, NULL, "NotReady", NULL), CCB_ERR_INVALID_ARGUMENT, "reasonId");
    EXPECT_ERROR(ccb_agent_not_ready(agent, "", "Park", NULL), CCB_ERR_INVALID_ARGUMENT, "reasonId");
    EXPECT_ERROR(ccb_agent_not_ready(agent, "1", NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "notReadyType");
    EXPECT_ERROR(ccb_agent_not_ready(agent, "1", "Busy", NULL), CCB_ERR_INVALID_ARGUMENT, "notReadyType");
    /* What only C can get wrong names the C argument. */
    EXPECT_ERROR(ccb_agent_not_ready(agent, bad_utf8, "Park", NULL), CCB_ERR_INVALID_ARGUMENT, "reason_id");
    EXPECT_ERROR(ccb_agent_accept(NULL, "1", NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_accept(agent, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_accept(agent, "", NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_accept(agent, bad_utf8, NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_reject(agent, "1", NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "reason");
    EXPECT_ERROR(ccb_agent_reject(agent, "", "busy", NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_hold(agent, "", NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_retrieve(agent, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_terminate(agent, "", NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_dispose(agent, "1", NULL, false, false, false, "[]", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "dispositionId");
    EXPECT_ERROR(ccb_agent_dispose(agent, "", "1", false, false, false, "[]", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_keep_alive(NULL, NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_logout(agent, NULL, 1000, NULL), CCB_ERR_INVALID_ARGUMENT, "reason_id");
    EXPECT_ERROR(ccb_agent_logout(agent, "", 1000, NULL), CCB_ERR_INVALID_ARGUMENT, "reason_id");
    EXPECT_ERROR(ccb_agent_cancel(NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_cancel(agent, NULL), CCB_ERR_INVALID_ARGUMENT, "pending");
    EXPECT_ERROR(ccb_agent_command(agent, NULL, NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "op");
    EXPECT_ERROR(ccb_agent_command(agent, "", NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "op");
    EXPECT_ERROR(ccb_agent_command(agent, "hold", "", NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_command(agent, "ready", NULL, "{", NULL), CCB_ERR_INVALID_ARGUMENT, "body_json");
    EXPECT_ERROR(ccb_agent_command(agent, "ready", NULL, bad_utf8, NULL), CCB_ERR_INVALID_ARGUMENT, "body_json");
    EXPECT_ERROR(ccb_agent_command(agent, "connect", NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "op");
    EXPECT_ERROR(ccb_agent_command(agent, "streaming.getEvents", NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "op");
    EXPECT_ERROR(ccb_agent_command(agent, "no.such", NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, NULL);
    EXPECT_ERROR(ccb_agent_command_async(NULL, "ready", NULL, NULL, on_agent_outcome, &seen),
                 CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_command_async(agent, NULL, NULL, NULL, on_agent_outcome, &seen),
                 CCB_ERR_INVALID_ARGUMENT, "op");
    EXPECT_ERROR(ccb_agent_command_async(agent, "ready", NULL, NULL, NULL, &seen),
                 CCB_ERR_INVALID_ARGUMENT, "callback");
    EXPECT_ERROR(ccb_agent_command_async(agent, "ready", NULL, "[", on_agent_outcome, &seen),
                 CCB_ERR_INVALID_ARGUMENT, "body_json");
    /* A bad body found by the description's checks goes to the callback. */
    REQUIRE_OK(ccb_agent_command_async(agent, "ready", NULL, "{\"typo\":1}", on_agent_outcome, &seen));
    CHECK(agent_seen_wait(&seen, &seen.async_done, 1));
    CHECK(seen.async_error_code == CCB_ERR_INVALID_ARGUMENT);

    /* State, changes, listener. */
    EXPECT_ERROR(ccb_agent_snapshot_json(NULL, &str), CCB_ERR_INVALID_ARGUMENT, "agent");
    CHECK(str == NULL);
    EXPECT_ERROR(ccb_agent_snapshot_json(agent, NULL), CCB_ERR_INVALID_ARGUMENT, "out_json");
    EXPECT_ERROR(ccb_agent_reason_id(agent, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_agent_reason_id(NULL, &str), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_ehub_session_id(NULL, &str), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_stream_session_id(agent, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_agent_next_change(NULL, 0, &c_out), CCB_ERR_INVALID_ARGUMENT, "agent");
    CHECK(c_out == NULL);
    EXPECT_ERROR(ccb_agent_next_change(agent, 0, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_agent_set_listener(NULL, ignore_change, NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_change_clone(NULL, &c_out), CCB_ERR_INVALID_ARGUMENT, "change");
    EXPECT_ERROR(ccb_agent_change_clone(NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "out");
    EXPECT_ERROR(ccb_agent_close(NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    REQUIRE_OK(ccb_agent_set_listener(agent, ignore_change, NULL));
    REQUIRE_OK(ccb_agent_set_listener(agent, ignore_change, &seen)); /* replaced */
    REQUIRE_OK(ccb_agent_set_listener(agent, NULL, NULL));

    CHECK(ccb_agent_state(NULL) == CCB_AGENT_STATE_UNKNOWN);
    CHECK(ccb_agent_pending(NULL) == CCB_AGENT_PENDING_NONE);
    CHECK(!ccb_agent_in_sync(NULL));
    CHECK(ccb_agent_dropped_changes(NULL) == 0);
    CHECK(ccb_agent_user_id(NULL) == NULL);
    CHECK(ccb_agent_change_kind(NULL) == CCB_AGENT_CHANGE_OTHER);
    CHECK(ccb_agent_change_old_state(NULL) == CCB_AGENT_STATE_UNKNOWN);
    CHECK(ccb_agent_change_new_state(NULL) == CCB_AGENT_STATE_UNKNOWN);
    CHECK(ccb_agent_change_interaction_id(NULL) == NULL);
    CHECK(ccb_agent_change_event(NULL) == NULL);
    CHECK(ccb_agent_change_message(NULL) == NULL);
    CHECK(ccb_agent_outcome_command(NULL) == NULL);
    CHECK(ccb_agent_outcome_correlation_id(NULL) == NULL);
    CHECK(ccb_agent_outcome_event_type(NULL) == NULL);
    CHECK(ccb_agent_outcome_event(NULL) == NULL);
    CHECK(ccb_agent_outcome_json(NULL) == NULL);
    CHECK(ccb_error_fail_code(NULL) == 0);
    CHECK(ccb_error_fail_reason(NULL) == NULL);
    CHECK_STREQ(ccb_agent_state_name(CCB_AGENT_STATE_WRAP), "Wrap");
    CHECK_STREQ(ccb_agent_state_name(99), "invalid");
    CHECK_STREQ(ccb_agent_change_kind_name(CCB_AGENT_CHANGE_GAP), "Gap");
    CHECK_STREQ(ccb_agent_change_kind_name(-1), "invalid");
    CHECK(CCB_AGENT_STATE_DISCONNECTED == 0 && CCB_AGENT_STATE_UNKNOWN == 7);
    CHECK(CCB_AGENT_CHANGE_STATE == 0 && CCB_AGENT_CHANGE_OTHER == 9);
    CHECK(CCB_ERR_COMMAND_FAILED == 13);
    CHECK_STREQ(ccb_error_code_name(CCB_ERR_COMMAND_FAILED), "command_failed");
    ccb_agent_free(NULL);
    ccb_agent_change_free(NULL);
    ccb_agent_outcome_free(NULL);

    /* The simulator's controls. */
    str = (char *)&o;
    EXPECT_ERROR(ccb_simulator_offer(NULL, "u", NULL, NULL, &str), CCB_ERR_INVALID_ARGUMENT, "sim");
    CHECK(str == NULL);
    EXPECT_ERROR(ccb_simulator_offer(SIM.sim, NULL, NULL, NULL, &str), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_simulator_offer(SIM.sim, "", NULL, NULL, &str), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_simulator_offer(SIM.sim, "u", NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "out_interaction_id");
    EXPECT_ERROR(ccb_simulator_offer(SIM.sim, "c-agent-args", "Pigeon", NULL, &str),
                 CCB_ERR_INVALID_ARGUMENT, "media_type");
    EXPECT_ERROR(ccb_simulator_offer(SIM.sim, "c-agent-args", NULL, "\"ani\"", &str),
                 CCB_ERR_INVALID_ARGUMENT, "screen_data_json");
    EXPECT_ERROR(ccb_simulator_offer(SIM.sim, "c-nobody", NULL, NULL, &str), CCB_ERR_CONFLICT, NULL);
    EXPECT_ERROR(ccb_simulator_hang_up(NULL, "u", "1"), CCB_ERR_INVALID_ARGUMENT, "sim");
    EXPECT_ERROR(ccb_simulator_hang_up(SIM.sim, "u", NULL), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_simulator_hang_up(SIM.sim, "u", "x1"), CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_simulator_hang_up(SIM.sim, "c-agent-args", "99999"), CCB_ERR_NOT_FOUND, NULL);
    EXPECT_ERROR(ccb_simulator_fail_next_login(SIM.sim, NULL, 0, NULL), CCB_ERR_INVALID_ARGUMENT, "user_id");
    EXPECT_ERROR(ccb_simulator_fail_next_login(SIM.sim, "u", 0, bad_utf8), CCB_ERR_INVALID_ARGUMENT, "fail_reason");
    EXPECT_ERROR(ccb_simulator_expire_session(SIM.sim, ""), CCB_ERR_INVALID_ARGUMENT, "session_id");
    EXPECT_ERROR(ccb_simulator_expire_session(SIM.sim, "no-such-session"), CCB_ERR_NOT_FOUND, NULL);
    EXPECT_ERROR(ccb_simulator_add_fault(SIM.sim, NULL), CCB_ERR_INVALID_ARGUMENT, "fault_json");
    EXPECT_ERROR(ccb_simulator_add_fault(SIM.sim, "{\"kind\":\"status\",\"bogus\":1}"),
                 CCB_ERR_INVALID_ARGUMENT, "fault_json");
    EXPECT_ERROR(ccb_simulator_clear_faults(NULL), CCB_ERR_INVALID_ARGUMENT, "sim");
    EXPECT_ERROR(ccb_simulator_agent_json(SIM.sim, "u", NULL), CCB_ERR_INVALID_ARGUMENT, "out_json");

    ccb_agent_free(agent);
    ccb_client_free(client);
    agent_seen_destroy(&seen);
}

/* ---- Typed agent commands (ccb_agent_<command>, generated) ------------------------------- */

/* Pulls changes until one of `kind` (and, when `type` is not NULL, with an event of `type`)
 * arrives; returns it (free it with ccb_agent_change_free()), or NULL after WAIT_MS. */
static ccb_agent_change_t *pull_until(ccb_agent_t *agent, ccb_agent_change_kind_t kind,
                                      const char *type) {
    int i;
    for (i = 0; i < WAIT_MS / 100; i++) {
        ccb_agent_change_t *change = NULL;
        ccb_error_t *err = ccb_agent_next_change(agent, 100, &change);
        if (err != NULL) {
            fprintf(stderr, "pull_until %s: %s\n", ccb_agent_change_kind_name(kind),
                    ccb_error_message(err));
            ccb_error_free(err);
            return NULL;
        }
        if (change != NULL && ccb_agent_change_kind(change) == kind &&
            (type == NULL || streq(ccb_event_type(ccb_agent_change_event(change)), type))) {
            return change;
        }
        ccb_agent_change_free(change);
    }
    fprintf(stderr, "pull_until: no %s (%s) change in time\n", ccb_agent_change_kind_name(kind),
            type ? type : "-");
    return NULL;
}

/* Offers a call to `user` and pulls until its screen pop; returns its id (free it with
 * ccb_string_free()) or NULL. */
static char *offer_call(ccb_agent_t *agent, const char *user, const char *screen_data) {
    char *call = NULL;
    ccb_agent_change_t *popped;
    ccb_error_t *err = ccb_simulator_offer(SIM.sim, user, NULL, screen_data, &call);
    if (err != NULL) {
        fprintf(stderr, "ccb_simulator_offer: %s\n", ccb_error_message(err));
        ccb_error_free(err);
        failures++;
        return NULL;
    }
    popped = pull_until(agent, CCB_AGENT_CHANGE_INTERACTION_OFFERED, "engagementCenter.ScreenPop");
    if (popped == NULL || !streq(ccb_agent_change_interaction_id(popped), call)) {
        fprintf(stderr, "no screen pop for call %s\n", call);
        failures++;
    }
    ccb_agent_change_free(popped);
    return call;
}

/* Whether the agent's snapshot holds `needle`. */
static int snapshot_has(const ccb_agent_t *agent, const char *needle) {
    char *s = NULL;
    int found;
    ccb_error_t *err = ccb_agent_snapshot_json(agent, &s);
    if (err != NULL) {
        ccb_error_free(err);
        return 0;
    }
    found = s != NULL && strstr(s, needle) != NULL;
    if (!found) {
        fprintf(stderr, "snapshot without %s: %s\n", needle, s ? s : "(null)");
    }
    ccb_string_free(s);
    return found;
}

/* Whether the simulator's view of `user` holds `needle`, within WAIT_MS. */
static int sim_agent_has(const char *user, const char *needle) {
    int i;
    for (i = 0; i < WAIT_MS / 20; i++) {
        char *s = NULL;
        int found;
        ccb_error_t *err = ccb_simulator_agent_json(SIM.sim, user, &s);
        if (err != NULL) {
            ccb_error_free(err);
            return 0;
        }
        found = strstr(s, needle) != NULL;
        ccb_string_free(s);
        if (found) {
            return 1;
        }
        sleep_ms(20);
    }
    return 0;
}

/* Checks that a command's outcome is of `op` and confirmed by `type` (NULL: the 202 only),
 * then frees it. */
static void expect_outcome_at(const char *file, int line, ccb_agent_outcome_t *outcome,
                              const char *op, const char *type) {
    const char *got;
    if (outcome == NULL) {
        fprintf(stderr, "%s:%d: no outcome\n", file, line);
        failures++;
        return;
    }
    got = ccb_agent_outcome_event_type(outcome);
    if (!streq(ccb_agent_outcome_command(outcome), op) ||
        (type == NULL ? got != NULL : !streq(got, type)) ||
        (type != NULL && !streq(ccb_event_type(ccb_agent_outcome_event(outcome)), type))) {
        fprintf(stderr, "%s:%d: expected %s confirmed by %s, got %s confirmed by %s\n", file,
                line, op, type ? type : "(202)", ccb_agent_outcome_command(outcome),
                got ? got : "(202)");
        failures++;
    }
    ccb_agent_outcome_free(outcome);
}

#define EXPECT_OUTCOME(outcome, op, type) expect_outcome_at(__FILE__, __LINE__, (outcome), (op), (type))

/* A logout waiting on another thread (through DisconnectPending). */
typedef struct logout_call {
    ccb_agent_t *agent;
    pthread_t thread;
    ccb_error_code_t code; /* CCB_OK on success */
    char event_type[96];
} logout_call;

static void *run_logout(void *p) {
    logout_call *l = (logout_call *)p;
    ccb_agent_outcome_t *outcome = NULL;
    ccb_error_t *err = ccb_agent_logout(l->agent, "0", WAIT_MS, &outcome);
    l->code = ccb_error_code(err);
    if (outcome != NULL && ccb_agent_outcome_event_type(outcome) != NULL) {
        snprintf(l->event_type, sizeof l->event_type, "%s", ccb_agent_outcome_event_type(outcome));
    }
    ccb_error_free(err);
    ccb_agent_outcome_free(outcome);
    return NULL;
}

/* Starts a logout on its own thread and waits until the service holds it pending (the
 * agent has work). Returns 0 on success. */
static int start_pending_logout(logout_call *l, ccb_agent_t *agent) {
    int i;
    memset(l, 0, sizeof *l);
    l->agent = agent;
    if (pthread_create(&l->thread, NULL, run_logout, l) != 0) {
        return -1;
    }
    for (i = 0; i < WAIT_MS / 10 && ccb_agent_pending(agent) != CCB_AGENT_PENDING_DISCONNECT; i++) {
        sleep_ms(10);
    }
    return ccb_agent_pending(agent) == CCB_AGENT_PENDING_DISCONNECT ? 0 : -1;
}

/* A whole agent day through the typed functions only: login, a call accepted, held,
 * retrieved, consulted, conferenced, transferred and disposed; an outbound dial; a call
 * terminated with a callback scheduled; not ready with a reason; multitasking; then a logout
 * while a call is active, which completes once an async dispose closed the call. */
static void test_agent_typed_day(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_options_t o;
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *outcome = NULL;
    ccb_agent_change_t *change = NULL;
    const ccb_event_t *ev;
    char *call = NULL;
    char *leg = NULL;
    char *dialed = NULL;
    char *s = NULL;
    agent_seen seen;
    logout_call logout;
    const bool require_wrap = true;
    const int64_t snooze_minutes = 30;
    const char *user = "c-typed-day";
    REQUIRE(client != NULL);
    agent_seen_init(&seen);

    ccb_agent_options_init(&o);
    o.initial_state = "NotReady";
    o.station = "9785551212";
    REQUIRE_OK(ccb_agent_login(client, user, &o, &agent));
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_NOT_READY);
    REQUIRE_OK(ccb_agent_ready(agent, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.ready", "engagementCenter.Idle");
    outcome = NULL;
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_IDLE);

    /* An inbound call: accept, hold, retrieve. */
    call = offer_call(agent, user, "{\"ani\":\"6035550101\",\"firstName\":\"ADA\"}");
    REQUIRE(call != NULL);
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_BUSY);
    REQUIRE_OK(ccb_agent_accept(agent, call, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.accept", "engagementCenter.Active");
    REQUIRE_OK(ccb_agent_hold(agent, call, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.hold", "engagementCenter.Held");
    CHECK(snapshot_has(agent, "\"state\":\"Held\""));
    REQUIRE_OK(ccb_agent_retrieve(agent, call, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.retrieve", "engagementCenter.Active");

    /* Consult another agent: the call is held, a consultation leg comes up; the Consult
     * event names the leg. */
    REQUIRE_OK(ccb_agent_consult(agent, call, "User", NULL, NULL, NULL, "c-supervisor", NULL, NULL,
                                 &outcome));
    REQUIRE(outcome != NULL);
    CHECK_STREQ(ccb_agent_outcome_command(outcome), "engagementCenter.consult");
    CHECK(strncmp(ccb_agent_outcome_event_type(outcome), "engagementCenter.Consult", 24) == 0);
    ccb_agent_outcome_free(outcome);
    outcome = NULL;
    change = pull_until(agent, CCB_AGENT_CHANGE_INTERACTION_CHANGED, "engagementCenter.Consult");
    REQUIRE(change != NULL);
    ev = ccb_agent_change_event(change);
    REQUIRE_OK(ccb_event_payload_get(ev, "/payload/consultInteractionId", &leg));
    ccb_agent_change_free(change);
    REQUIRE(leg != NULL);
    CHECK(!streq(leg, call));
    CHECK(snapshot_has(agent, "\"consulting\":true"));

    /* Conference the leg in, then transfer the call to a work type: wrap-up. */
    REQUIRE_OK(ccb_agent_conference(agent, call, leg, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.conference", "engagementCenter.Conference");
    CHECK(snapshot_has(agent, "\"conference\":true"));
    REQUIRE_OK(ccb_agent_transfer(agent, call, "WorkType", NULL, NULL, NULL, "191", NULL, NULL,
                                  NULL, NULL, NULL, NULL, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.transfer", "engagementCenter.CallReRouted");
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_WRAP));
    REQUIRE_OK(ccb_agent_dispose(agent, call, "1", true, false, false,
                                 "[{\"key\":\"Name\",\"value\":\"ADA\",\"isMasked\":false}]",
                                 &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.dispose", "engagementCenter.DispositionInitiated");
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_IDLE));
    ccb_string_free(call);
    call = NULL;

    /* An outbound call (an optional boolean given), ended, with a callback scheduled (an
     * optional integer given; confirmed by its 202 only), then disposed. */
    REQUIRE_OK(ccb_agent_dial(agent, "0", "External", NULL, "191", "6035550199", "c-typed-day",
                              &require_wrap, NULL, &outcome));
    REQUIRE(outcome != NULL);
    CHECK_STREQ(ccb_agent_outcome_command(outcome), "engagementCenter.dial");
    REQUIRE_OK(ccb_event_payload_get(ccb_agent_outcome_event(outcome), "/payload/interactionIdRev",
                                     &dialed));
    ccb_agent_outcome_free(outcome);
    outcome = NULL;
    REQUIRE(dialed != NULL);
    CHECK(sim_agent_has(user, "\"state\":\"Active\""));
    REQUIRE_OK(ccb_agent_callback(agent, dialed, "191", NULL, "6035550199", NULL, "call back",
                                  false, &snooze_minutes, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.callback", NULL);
    REQUIRE_OK(ccb_agent_terminate(agent, dialed, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.terminate", "engagementCenter.InteractionClear");
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_WRAP));
    REQUIRE_OK(ccb_agent_dispose(agent, dialed, "2", false, false, true, "[]", NULL));
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_IDLE));
    ccb_string_free(dialed);

    /* Not ready with a reason, multitasking (a required boolean), ready again. */
    REQUIRE_OK(ccb_agent_not_ready(agent, "15", "NotReady", &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.notReady", "engagementCenter.NotReady");
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_NOT_READY);
    REQUIRE_OK(ccb_agent_reason_id(agent, &s));
    CHECK_STREQ(s, "15");
    ccb_string_free(s);
    REQUIRE_OK(ccb_agent_multitasking(agent, true, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.multitasking", "engagementCenter.MultiTaskingStatus");
    REQUIRE_OK(ccb_agent_ready(agent, NULL));

    /* Logout with a call active: DisconnectPending, the logout waits on its thread; an
     * async terminate and an async dispose (the typed _async form) end the call, and the
     * logout completes with Disconnected. */
    call = offer_call(agent, user, NULL);
    REQUIRE(call != NULL);
    REQUIRE_OK(ccb_agent_accept(agent, call, NULL));
    REQUIRE(start_pending_logout(&logout, agent) == 0);
    CHECK(logout.event_type[0] == '\0'); /* still waiting */
    REQUIRE_OK(ccb_agent_terminate_async(agent, call, on_agent_outcome, &seen));
    CHECK(agent_seen_wait(&seen, &seen.async_done, 1));
    CHECK_STREQ(seen.async_event_type, "engagementCenter.InteractionClear");
    REQUIRE_OK(ccb_agent_dispose_async(agent, call, "1", false, false, false, "[]", on_agent_outcome,
                                       &seen));
    CHECK(agent_seen_wait(&seen, &seen.async_done, 2));
    pthread_mutex_lock(&seen.mu);
    CHECK_STREQ(seen.async_event_type, "engagementCenter.DispositionInitiated");
    CHECK(seen.bad_views == 0);
    pthread_mutex_unlock(&seen.mu);
    pthread_join(logout.thread, NULL);
    CHECK(logout.code == CCB_OK);
    CHECK_STREQ(logout.event_type, "engagementCenter.Disconnected");
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_DISCONNECTED);
    CHECK(sim_agent_has(user, "\"connected\":false"));
    change = pull_until(agent, CCB_AGENT_CHANGE_LOGGED_OUT, "engagementCenter.Disconnected");
    CHECK(change != NULL);
    ccb_agent_change_free(change);

    ccb_string_free(call);
    ccb_string_free(leg);
    ccb_agent_free(agent);
    ccb_client_free(client);
    agent_seen_destroy(&seen);
}

/* A pending logout cancelled: the waiting logout ends with CCB_ERR_CLOSED and the agent
 * stays logged in, with its call. */
static void test_agent_cancel_pending_logout(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *outcome = NULL;
    char *call = NULL;
    logout_call logout;
    const char *user = "c-typed-cancel";
    REQUIRE(client != NULL);

    REQUIRE_OK(ccb_agent_login(client, user, NULL, &agent));
    call = offer_call(agent, user, NULL);
    REQUIRE(call != NULL);
    REQUIRE_OK(ccb_agent_accept(agent, call, NULL));
    REQUIRE(start_pending_logout(&logout, agent) == 0);
    REQUIRE_OK(ccb_agent_cancel(agent, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.cancel", NULL);
    pthread_join(logout.thread, NULL);
    CHECK(logout.code == CCB_ERR_CLOSED);
    CHECK(logout.event_type[0] == '\0');
    CHECK(ccb_agent_pending(agent) == CCB_AGENT_PENDING_NONE);
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_BUSY);
    CHECK(sim_agent_has(user, "\"pending\":null"));
    CHECK(sim_agent_has(user, "\"connected\":true"));

    /* Disposing of the call now leaves the agent logged in and idle. */
    REQUIRE_OK(ccb_agent_terminate(agent, call, NULL));
    REQUIRE_OK(ccb_agent_dispose(agent, call, "1", false, false, false, "[]", NULL));
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_IDLE));
    CHECK(sim_agent_has(user, "\"connected\":true"));
    /* Nothing pending any more: cancel says so. */
    EXPECT_ERROR(ccb_agent_cancel(agent, NULL), CCB_ERR_INVALID_ARGUMENT, "pending");
    REQUIRE_OK(ccb_agent_logout(agent, "0", WAIT_MS, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.disconnect", "engagementCenter.Disconnected");

    ccb_string_free(call);
    ccb_agent_free(agent);
    ccb_client_free(client);
}

/* A typed command whose confirming event cannot arrive (the polls fail): CCB_ERR_TIMEOUT
 * after command_timeout_ms, blocking and async. */
static void test_agent_typed_timeout(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_options_t o;
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *outcome = (ccb_agent_outcome_t *)&o;
    ccb_error_t *err;
    agent_seen seen;
    REQUIRE(client != NULL);
    agent_seen_init(&seen);

    ccb_agent_options_init(&o);
    o.command_timeout_ms = 400;
    REQUIRE_OK(ccb_agent_login(client, "c-typed-slow", &o, &agent));
    REQUIRE_OK(ccb_simulator_add_fault(
        SIM.sim, "{\"method\":\"GET\",\"pathContains\":\"/events\",\"kind\":\"status\",\"status\":503,\"count\":0}"));
    sleep_ms(300);
    err = ccb_agent_agent_statistics(agent, &outcome);
    CHECK(outcome == NULL);
    CHECK(err != NULL && strstr(ccb_error_message(err), "unknown") != NULL);
    CHECK(ccb_error_fail_code(err) == 0);
    EXPECT_ERROR(err, CCB_ERR_TIMEOUT, NULL);
    REQUIRE_OK(ccb_agent_agent_statistics_async(agent, on_agent_outcome, &seen));
    CHECK(agent_seen_wait(&seen, &seen.async_done, 1));
    CHECK(seen.async_error_code == CCB_ERR_TIMEOUT);
    REQUIRE_OK(ccb_simulator_clear_faults(SIM.sim));

    ccb_agent_free(agent);
    ccb_client_free(client);
    agent_seen_destroy(&seen);
}

/* A keepAlive with a one-second sessionTimeout (an optional number given), then none: the
 * service logs the agent out, reported as CCB_AGENT_CHANGE_LOGGED_OUT. */
static void test_agent_keep_alive_missed(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *outcome = NULL;
    ccb_agent_change_t *change;
    const double one_second = 1.0;
    const char *user = "c-typed-ka";
    REQUIRE(client != NULL);

    REQUIRE_OK(ccb_agent_login(client, user, NULL, &agent));
    REQUIRE_OK(ccb_agent_keep_alive(agent, &one_second, "2024-06-30T20:15:07.134Z", &outcome));
    REQUIRE(outcome != NULL);
    CHECK_STREQ(ccb_agent_outcome_event_type(outcome), "engagementCenter.ClientSessionKeepAlive");
    ccb_agent_outcome_free(outcome);
    change = pull_until(agent, CCB_AGENT_CHANGE_LOGGED_OUT, NULL);
    REQUIRE(change != NULL);
    CHECK(ccb_agent_change_new_state(change) == CCB_AGENT_STATE_DISCONNECTED);
    CHECK_STREQ(ccb_event_type(ccb_agent_change_event(change)), "engagementCenter.Disconnected");
    ccb_agent_change_free(change);
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_DISCONNECTED);
    CHECK(sim_agent_has(user, "\"connected\":false"));

    ccb_agent_free(agent);
    ccb_client_free(client);
}

/* The agent's streaming session expires during a call: the session re-attaches on a new
 * stream and reports a gap; the call is still in the snapshot, and the next events bring
 * the state back in sync. */
static void test_agent_stream_recreated_mid_call(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *outcome = NULL;
    ccb_agent_change_t *gap;
    char *call = NULL;
    char *old_sid = NULL;
    char *new_sid = NULL;
    char needle[160];
    const char *user = "c-typed-gap";
    REQUIRE(client != NULL);

    REQUIRE_OK(ccb_agent_login(client, user, NULL, &agent));
    call = offer_call(agent, user, "{\"ani\":\"6035550142\"}");
    REQUIRE(call != NULL);
    REQUIRE_OK(ccb_agent_accept(agent, call, NULL));
    REQUIRE_OK(ccb_agent_stream_session_id(agent, &old_sid));
    REQUIRE(old_sid != NULL);
    REQUIRE_OK(ccb_simulator_expire_session(SIM.sim, old_sid));

    gap = pull_until(agent, CCB_AGENT_CHANGE_GAP, NULL);
    REQUIRE(gap != NULL);
    CHECK(ccb_agent_change_event(gap) == NULL);
    CHECK(ccb_agent_change_message(gap) != NULL);
    CHECK(ccb_agent_change_old_state(gap) == CCB_AGENT_STATE_BUSY);
    CHECK(ccb_agent_change_new_state(gap) == CCB_AGENT_STATE_BUSY);
    ccb_agent_change_free(gap);
    CHECK(!ccb_agent_in_sync(agent));
    REQUIRE_OK(ccb_agent_stream_session_id(agent, &new_sid));
    REQUIRE(new_sid != NULL);
    CHECK(!streq(new_sid, old_sid));
    /* The call is still known, with what the lost events could not change. */
    snprintf(needle, sizeof needle, "\"interactionId\":\"%s\"", call);
    CHECK(snapshot_has(agent, needle));
    CHECK(snapshot_has(agent, "\"state\":\"Active\""));
    CHECK(snapshot_has(agent, "\"ani\":\"6035550142\""));
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_BUSY);

    /* Re-attached: the service sends the agent's events to the new stream. */
    snprintf(needle, sizeof needle, "\"%s\"", new_sid);
    CHECK(sim_agent_has(user, needle));
    REQUIRE_OK(ccb_agent_hold(agent, call, &outcome));
    EXPECT_OUTCOME(outcome, "engagementCenter.hold", "engagementCenter.Held");
    CHECK(ccb_agent_in_sync(agent));
    CHECK(snapshot_has(agent, "\"state\":\"Held\""));
    REQUIRE_OK(ccb_agent_terminate(agent, call, NULL));
    REQUIRE_OK(ccb_agent_dispose(agent, call, "1", false, false, false, "[]", NULL));
    CHECK(wait_agent_state(agent, CCB_AGENT_STATE_IDLE));

    ccb_string_free(call);
    ccb_string_free(old_sid);
    ccb_string_free(new_sid);
    ccb_agent_free(agent);
    ccb_client_free(client);
}

/* The typed functions' arguments: NULL pointers are errors naming the argument, never a
 * crash; a missing required field or a value the description refuses is
 * CCB_ERR_INVALID_ARGUMENT naming the wire field, before anything is sent; async forms
 * report the description's checks to their callback. */
static void test_agent_typed_arguments(void) {
    ccb_client_t *client = sim_client();
    ccb_agent_t *agent = NULL;
    ccb_agent_outcome_t *out = NULL;
    char bad_utf8[] = {'a', (char)0xC3, (char)0x28, '\0'};
    const double zero = 0.0;
    const double not_a_number = NAN;
    const bool yes = true;
    agent_seen seen;
    const char *user = "c-typed-args";
    REQUIRE(client != NULL);
    agent_seen_init(&seen);
    REQUIRE_OK(ccb_agent_login(client, user, NULL, &agent));

    /* NULL agent, NULL interaction, NULL callback: the argument. */
    out = (ccb_agent_outcome_t *)&seen;
    EXPECT_ERROR(ccb_agent_consult(NULL, "1", "User", NULL, NULL, NULL, "u", NULL, NULL, &out),
                 CCB_ERR_INVALID_ARGUMENT, "agent");
    CHECK(out == NULL);
    EXPECT_ERROR(ccb_agent_consult(agent, NULL, "User", NULL, NULL, NULL, "u", NULL, NULL, &out),
                 CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_transfer(agent, "", "WorkType", NULL, NULL, NULL, "191", NULL, NULL,
                                    NULL, NULL, NULL, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_ready(NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_multitasking(NULL, true, NULL), CCB_ERR_INVALID_ARGUMENT, "agent");
    EXPECT_ERROR(ccb_agent_monitor(NULL, NULL, NULL, NULL, NULL, NULL), CCB_ERR_INVALID_ARGUMENT,
                 "agent");
    EXPECT_ERROR(ccb_agent_hold_async(NULL, "1", on_agent_outcome, &seen), CCB_ERR_INVALID_ARGUMENT,
                 "agent");
    EXPECT_ERROR(ccb_agent_hold_async(agent, NULL, on_agent_outcome, &seen),
                 CCB_ERR_INVALID_ARGUMENT, "interaction_id");
    EXPECT_ERROR(ccb_agent_hold_async(agent, "1", NULL, &seen), CCB_ERR_INVALID_ARGUMENT, "callback");
    EXPECT_ERROR(ccb_agent_ready_async(agent, NULL, NULL), CCB_ERR_INVALID_ARGUMENT, "callback");

    /* Missing required fields and values the documents do not allow: the wire field. */
    EXPECT_ERROR(ccb_agent_consult(agent, "1", NULL, NULL, NULL, NULL, "u", NULL, NULL, &out),
                 CCB_ERR_INVALID_ARGUMENT, "consultType");
    CHECK(out == NULL);
    EXPECT_ERROR(ccb_agent_consult(agent, "1", "Nobody", NULL, NULL, NULL, "u", NULL, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "consultType");
    EXPECT_ERROR(ccb_agent_consult(agent, "1", "User", NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "userId");
    EXPECT_ERROR(ccb_agent_transfer(agent, "1", "WorkType", NULL, NULL, NULL, NULL, NULL, NULL,
                                    NULL, NULL, NULL, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "workTypeId");
    EXPECT_ERROR(ccb_agent_transfer(agent, "1", "WorkType", NULL, NULL, NULL, "191", NULL, NULL,
                                    "Fax", NULL, NULL, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interactionType");
    EXPECT_ERROR(ccb_agent_dispose(agent, "1", "1", false, false, false, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interactionDataCollection");
    EXPECT_ERROR(ccb_agent_dispose(agent, "1", "1", false, false, false, "{}", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interactionDataCollection");
    EXPECT_ERROR(ccb_agent_dispose(agent, "1", "1", false, false, false, "[{\"key\":5}]", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interactionDataCollection[0].key");
    EXPECT_ERROR(ccb_agent_keep_alive(agent, &zero, NULL, NULL), CCB_ERR_INVALID_ARGUMENT,
                 "sessionTimeout");
    EXPECT_ERROR(ccb_agent_keep_alive(agent, NULL, "yesterday", NULL), CCB_ERR_INVALID_ARGUMENT,
                 "requestTimestamp");
    EXPECT_ERROR(ccb_agent_callback(agent, "1", "191", NULL, "6035550199", NULL, NULL, false, NULL,
                                    NULL),
                 CCB_ERR_INVALID_ARGUMENT, "dateTime"); /* dateTime or snoozeTime */
    EXPECT_ERROR(ccb_agent_monitor(agent, "StartSilent", NULL, "7", "8", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "station");
    EXPECT_ERROR(ccb_agent_dial(agent, "0", "External", NULL, NULL, "6035550199", "u", &yes, NULL,
                                NULL),
                 CCB_ERR_INVALID_ARGUMENT, "workTypeId");

    /* What only C can get wrong: the C argument. */
    EXPECT_ERROR(ccb_agent_consult(agent, "1", bad_utf8, NULL, NULL, NULL, "u", NULL, NULL, NULL),
                 CCB_ERR_INVALID_ARGUMENT, "consult_type");
    EXPECT_ERROR(ccb_agent_dispose(agent, "1", "1", false, false, false, "[", NULL),
                 CCB_ERR_INVALID_ARGUMENT, "interaction_data_collection_json");
    EXPECT_ERROR(ccb_agent_keep_alive(agent, &not_a_number, NULL, NULL), CCB_ERR_INVALID_ARGUMENT,
                 "session_timeout");
    EXPECT_ERROR(ccb_agent_dispose_async(agent, "1", "1", false, false, false, "[", on_agent_outcome,
                                         &seen),
                 CCB_ERR_INVALID_ARGUMENT, "interaction_data_collection_json");

    /* Async: the description's checks go to the callback, once. */
    REQUIRE_OK(ccb_agent_not_ready_async(agent, NULL, "NotReady", on_agent_outcome, &seen));
    CHECK(agent_seen_wait(&seen, &seen.async_done, 1));
    pthread_mutex_lock(&seen.mu);
    CHECK(seen.async_error_code == CCB_ERR_INVALID_ARGUMENT);
    CHECK_STREQ(seen.async_error_field, "reasonId");
    CHECK(seen.bad_views == 0);
    pthread_mutex_unlock(&seen.mu);

    /* Nothing of the above reached the service: the agent is as it logged in. */
    CHECK(ccb_agent_state(agent) == CCB_AGENT_STATE_IDLE);
    CHECK(sim_agent_has(user, "\"interactions\":[]"));
    CHECK(sim_agent_has(user, "\"keepAlive\":null"));

    ccb_agent_free(agent);
    ccb_client_free(client);
    agent_seen_destroy(&seen);
}

/* ---- Runner ----------------------------------------------------------------------------- */

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

static const test_case TESTS[] = {
    {"version_and_codes", test_version_and_codes},
    {"worker_threads", test_worker_threads},
    {"agent_flow_pull", test_agent_flow_pull},
    {"agent_flow_callback", test_agent_flow_callback},
    {"stop_from_callback", test_stop_from_callback},
    {"stop_wakes_a_blocked_pull", test_stop_wakes_a_blocked_pull},
    {"client_call", test_client_call},
    {"client_raw", test_client_raw},
    {"max_response_bytes", test_max_response_bytes},
    {"null_pointers", test_null_pointers},
    {"client_config_errors", test_client_config_errors},
    {"stream_option_errors", test_stream_option_errors},
    {"command_argument_errors", test_command_argument_errors},
    {"service_errors", test_service_errors},
    {"operations_json", test_operations_json},
    {"event_from_json", test_event_from_json},
    {"simulator", test_simulator},
    {"agent_session", test_agent_session},
    {"agent_close_and_failures", test_agent_close_and_failures},
    {"agent_arguments", test_agent_arguments},
    {"agent_typed_day", test_agent_typed_day},
    {"agent_cancel_pending_logout", test_agent_cancel_pending_logout},
    {"agent_typed_timeout", test_agent_typed_timeout},
    {"agent_keep_alive_missed", test_agent_keep_alive_missed},
    {"agent_stream_recreated_mid_call", test_agent_stream_recreated_mid_call},
    {"agent_typed_arguments", test_agent_typed_arguments},
};

int main(int argc, char **argv) {
    const char *only = argc > 1 ? argv[1] : NULL;
    size_t i, ran = 0;
    int failed_cases = 0;

    if (only != NULL && strcmp(only, "--list") == 0) {
        for (i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
            printf("%s\n", TESTS[i].name);
        }
        return 0;
    }
    if (ccb_test_sim_start(&SIM) != 0) {
        ccb_test_sim_stop(&SIM);
        return 2;
    }
    for (i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
        int before = failures;
        if (only != NULL && strcmp(only, TESTS[i].name) != 0) {
            continue;
        }
        printf("[ RUN  ] %s\n", TESTS[i].name);
        fflush(stdout);
        TESTS[i].fn();
        ran++;
        if (failures != before) {
            failed_cases++;
        }
        printf("[ %s ] %s\n", failures == before ? " OK " : "FAIL", TESTS[i].name);
        fflush(stdout);
    }
    ccb_test_sim_stop(&SIM);
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", only ? only : "(none)");
        return 2;
    }
    printf("%zu test(s), %d failed\n", ran, failed_cases);
    return failures == 0 ? 0 : 1;
}
