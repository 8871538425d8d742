/* Compiles ccbridge.h alone as strict C99 (-Wall -Wextra -Werror -pedantic) and links. */
#include "ccbridge.h"

int main(void) {
    ccb_client_options_t o;
    ccb_stream_options_t s;
    ccb_client_options_init(&o);
    ccb_stream_options_init(&s);
    return (ccb_error_code(NULL) == CCB_OK && o.struct_size == sizeof o &&
            s.struct_size == sizeof s && ccb_version() != NULL)
               ? 0
               : 1;
}
