// Compiles ccbridge.h alone as C++ (-Wall -Wextra -Werror -pedantic) and links.
#include "ccbridge.h"

int main() {
    ccb_client_options_t o;
    ccb_stream_options_t s;
    ccb_client_options_init(&o);
    ccb_stream_options_init(&s);
    ccb_error_code_t ok = ccb_error_code(nullptr);
    return (ok == CCB_OK && o.struct_size == sizeof o && s.struct_size == sizeof s) ? 0 : 1;
}
