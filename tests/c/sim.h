/*
 * Starts and stops the ccbridge simulator (tests/sim) for the C and C++ tests.
 *
 * The simulator is the one the library embeds (ccb_simulator_start): it runs inside the
 * test process, on its own thread, on a free loopback port, with a short long-poll wait so
 * tests are fast. It dies with the process, so a test that crashes or is killed never
 * leaves a simulator behind.
 *
 * Header-only (static functions), usable from C99 and C++.
 */
#ifndef CCB_TEST_SIM_H
#define CCB_TEST_SIM_H

#include "ccbridge.h"

#include <stdio.h>
#include <string.h>

/* Long-poll wait of the tests' simulator, in milliseconds. */
#define CCB_TEST_SIM_POLL_WAIT_MS 200

typedef struct ccb_test_sim {
    ccb_simulator_t *sim;
    /* Base URL (http://127.0.0.1:PORT), borrowed from `sim`; NULL when not running. */
    const char *url;
} ccb_test_sim;

/* Starts the simulator. Returns 0 on success. */
static int ccb_test_sim_start(ccb_test_sim *sim) {
    ccb_simulator_options_t options;
    ccb_error_t *err;

    memset(sim, 0, sizeof *sim);
    ccb_simulator_options_init(&options);
    options.poll_wait_ms = CCB_TEST_SIM_POLL_WAIT_MS;
    err = ccb_simulator_start(&options, &sim->sim);
    if (err != NULL) {
        fprintf(stderr, "cannot start the simulator: [%s] %s\n",
                ccb_error_code_name(ccb_error_code(err)), ccb_error_message(err));
        ccb_error_free(err);
        return -1;
    }
    sim->url = ccb_simulator_url(sim->sim);
    return 0;
}

/* Stops the simulator. Safe to call twice. */
static void ccb_test_sim_stop(ccb_test_sim *sim) {
    ccb_simulator_free(sim->sim);
    sim->sim = NULL;
    sim->url = NULL;
}

#endif /* CCB_TEST_SIM_H */
