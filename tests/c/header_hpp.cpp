// Compiles ccbridge.hpp alone as C++17 (-Wall -Wextra -Werror -pedantic) and links.
#include "ccbridge.hpp"

// Every generated typed command of ccb::AgentSession (ccbridge_agent_commands.hpp), each
// form: compiled with the flags above, and linked against the C function it calls.
template class ccb::detail::AgentCommands<ccb::AgentSession>;

int main() {
    ccb::StreamOptions options;
    return (!ccb::version().empty() && options.raw().max_events == 50) ? 0 : 1;
}
