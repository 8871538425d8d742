// Compiles ccbridge.hpp alone as C++17 (-Wall -Wextra -Werror -pedantic) and links.
#include "ccbridge.hpp"

int main() {
    ccb::StreamOptions options;
    return (!ccb::version().empty() && options.raw().max_events == 50) ? 0 : 1;
}
