// crm_plugin.cpp - a small "CRM plugin" on ccbridge's agent session (ccbridge.hpp).
//
// What a CRM integration does beside a contact-center agent:
//   1. logs the agent in (ccb::AgentSession::login);
//   2. on each screen pop (a change of kind CCB_AGENT_CHANGE_INTERACTION_OFFERED) looks the
//      caller up by ANI in the CRM and shows the customer record;
//   3. accepts the call and, once the conversation is over, wraps it up and disposes of it
//      with a disposition code that says how it ended.
//
// Threading, the one rule to get right: the listener runs on the session's stream thread,
// where the outcome of every command of that session arrives. A listener that sent a
// command and waited for it would wait for itself (ccbridge refuses that at once). So the
// listener only looks up and prints, and hands the call to a worker thread, which sends the
// commands and waits for their outcomes.
//
// To run without a contact center, the program starts the simulator the library embeds
// (ccb::Simulator) and plays the ACD itself: it routes a few calls to the agent, one after
// the other. Against the real service, build the ccb::Client from your organization's
// credentials instead; the plugin is the same.

#include "ccbridge.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace crm {

/// One customer record of the CRM.
struct Customer {
    std::string id;
    std::string name;
    std::string tier;
    std::string account;
    std::optional<std::string> open_ticket;
};

/// The CRM's customers by phone number (ANI): a small in-memory table standing in for the
/// CRM's own lookup API.
class Directory {
public:
    Directory()
        : by_ani_{
              {"6035550101",
               {"C-1001", "Ada Lovelace", "Gold", "4471-0093", std::string("Router keeps rebooting")}},
              {"6035550202", {"C-1002", "Grace Hopper", "Silver", "2210-7745", std::nullopt}},
              {"6035550303", {"C-1003", "Alan Turing", "Bronze", "9034-1120", std::nullopt}},
          } {}

    const Customer *find(const std::string &ani) const {
        auto it = by_ani_.find(ani);
        return it == by_ani_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, Customer> by_ani_;
};

} // namespace crm

/// Prints whole lines from several threads.
class Console {
public:
    void line(const std::string &text) {
        std::lock_guard<std::mutex> lock(mu_);
        std::cout << "[crm] " << text << std::endl;
    }
    void log(const std::string &text) {
        std::lock_guard<std::mutex> lock(mu_);
        std::cerr << "[crm] " << text << std::endl;
    }

private:
    std::mutex mu_;
};

/// The plugin: reacts to the agent's screen pops and handles each call.
class CrmPlugin {
public:
    CrmPlugin(ccb::AgentSession &agent, const crm::Directory &directory, Console &console)
        : agent_(agent), directory_(directory), console_(console) {}
    CrmPlugin(const CrmPlugin &) = delete;
    CrmPlugin &operator=(const CrmPlugin &) = delete;
    ~CrmPlugin() { stop(); }

    /// Starts the worker, then listens to the agent's changes.
    void start() {
        worker_ = std::thread([this] { work(); });
        agent_.set_listener([this](const ccb::AgentChange &change) { on_change(change); });
        listening_ = true;
    }

    /// Stops listening (waiting for a running listener call), then stops the worker.
    void stop() {
        if (listening_) {
            agent_.clear_listener();
            listening_ = false;
        }
        {
            std::lock_guard<std::mutex> lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        if (worker_.joinable()) {
            worker_.join();
        }
    }

    /// Waits until `n` calls were handled (accepted, wrapped up, disposed).
    bool wait_handled(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return handled_ >= n || failed_; }) && !failed_;
    }

private:
    struct Call {
        std::string interaction_id;
        std::string ani;
        const crm::Customer *customer;
    };

    // On the session's stream thread: look up, print, hand over. Never a blocking command.
    void on_change(const ccb::AgentChange &change) {
        switch (change.kind()) {
        case CCB_AGENT_CHANGE_INTERACTION_OFFERED: {
            std::optional<ccb::Event> pop = change.event();
            if (!pop || pop->type() != "engagementCenter.ScreenPop") {
                return; // an outbound dial, say: nothing to look up
            }
            Call call;
            call.interaction_id = change.interaction_id().value_or("");
            call.ani = pop->payload_get("/payload/interactionInfo/screenData/ani").value_or("");
            const std::string caller_id =
                pop->payload_get("/payload/interactionInfo/screenData/callerId").value_or("?");
            call.customer = directory_.find(call.ani);
            console_.line("screen pop: call from " + call.ani + " (" + caller_id + ")");
            if (call.customer != nullptr) {
                const crm::Customer &c = *call.customer;
                console_.line("  customer " + c.id + ": " + c.name + ", " + c.tier +
                              " tier, account " + c.account);
                console_.line("  open ticket: " + c.open_ticket.value_or("none"));
            } else {
                console_.line("  no customer record for " + call.ani + ": new caller");
            }
            {
                std::lock_guard<std::mutex> lock(mu_);
                calls_.push_back(call);
            }
            cv_.notify_all();
            break;
        }
        case CCB_AGENT_CHANGE_ERROR:
            console_.log("service notice: " + change.message().value_or("(no reason)"));
            break;
        case CCB_AGENT_CHANGE_GAP:
            console_.log("events may have been lost; the session re-attached");
            break;
        case CCB_AGENT_CHANGE_LOGGED_OUT:
            console_.log("the agent was logged out");
            break;
        default:
            break;
        }
    }

    // On the worker thread: the commands, each returning once the service confirmed it.
    void work() {
        for (;;) {
            Call call;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [&] { return stopping_ || !calls_.empty(); });
                if (calls_.empty()) {
                    return;
                }
                call = calls_.front();
                calls_.pop_front();
            }
            try {
                handle(call);
                std::lock_guard<std::mutex> lock(mu_);
                handled_++;
            } catch (const ccb::Error &e) {
                console_.log("call " + call.interaction_id + " failed: [" + e.code_name() + "] " +
                             e.what());
                std::lock_guard<std::mutex> lock(mu_);
                failed_ = true;
            }
            cv_.notify_all();
        }
    }

    void handle(const Call &call) {
        agent_.accept(call.interaction_id);
        console_.line("accepted call from " + call.ani);
        // ... the conversation, with the customer record on screen ...
        agent_.terminate(call.interaction_id);
        const auto [code, label] = disposition(call);
        // wrapRequired, salesFlag, callbackFlag, interactionDataCollection (JSON text).
        agent_.dispose(call.interaction_id, code, false, false, false, "[]");
        console_.line("wrapped up call from " + call.ani + ": disposition " + code + " (" +
                      label + ")");
    }

    /// The disposition code of a call: how it ended, for the contact center's reports.
    static std::pair<std::string, std::string> disposition(const Call &call) {
        if (call.customer == nullptr) {
            return {"30", "new customer, lead created"};
        }
        if (call.customer->open_ticket) {
            return {"20", "ticket updated"};
        }
        return {"10", "resolved"};
    }

    ccb::AgentSession &agent_;
    const crm::Directory &directory_;
    Console &console_;
    bool listening_ = false;
    std::thread worker_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Call> calls_;
    std::size_t handled_ = 0;
    bool failed_ = false;
    bool stopping_ = false;
};

namespace {

const std::string kAgent = "crm-agent-1";

bool wait_idle(const ccb::AgentSession &agent) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (agent.state() != CCB_AGENT_STATE_IDLE) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

} // namespace

int main() {
    Console console;
    try {
        // The contact center: the simulator embedded in the library, on 127.0.0.1.
        ccb::Simulator sim(ccb::SimulatorOptions().poll_wait(200ms));
        ccb::Client client(sim.client_options());

        ccb::AgentSession agent = ccb::AgentSession::login(
            client, kAgent, ccb::AgentOptions().initial_state("Idle").station("9785551212"));
        console.line("agent " + kAgent + " logged in: " + ccb::to_string(agent.state()));

        crm::Directory directory;
        CrmPlugin plugin(agent, directory, console);
        plugin.start();

        // Playing the ACD: one call at a time, each routed once the agent is idle again.
        struct Caller {
            const char *ani;
            const char *caller_id;
        };
        const std::vector<Caller> callers = {
            {"6035550101", "LOVELACE A"},
            {"6035550202", "HOPPER G"},
            {"6035559999", "WIRELESS CALLER"},
        };
        for (std::size_t i = 0; i < callers.size(); i++) {
            if (!wait_idle(agent)) {
                console.log("the agent did not become idle: " + agent.snapshot_json());
                return 1;
            }
            sim.offer(kAgent, "InboundACD",
                      std::string("{\"ani\":\"") + callers[i].ani + "\",\"callerId\":\"" +
                          callers[i].caller_id + "\"}");
            if (!plugin.wait_handled(i + 1, 20s)) {
                console.log("call " + std::to_string(i + 1) + " was not handled");
                return 1;
            }
        }

        plugin.stop();
        const ccb::CommandOutcome out = agent.logout("0");
        console.line(std::to_string(callers.size()) + " calls handled; agent logged out (" +
                     out.event_type.value_or("?") + ")");
        return 0;
    } catch (const ccb::Error &e) {
        console.log(std::string("error [") + e.code_name() + "] " + e.what());
        return 1;
    }
}
