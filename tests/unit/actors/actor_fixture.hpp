#pragma once
// Shared by the actor suites: recording fakes for the transport interfaces the actors
// talk to (client_sink, fanout_port, upstream_link), a probe actor that records what it
// receives, and a fixture that runs CAF on its deterministic test coordinator, so a test
// decides when messages are processed and when time passes. Nothing here sleeps.
#include "actors/clients/client_sink.hpp"
#include "actors/clients/fanout_port.hpp"
#include "actors/messages.hpp"
#include "actors/upstream/upstream_link.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace runrelay::test {

using namespace std::chrono_literals;

// A client connection that records every frame, close and drain request.
class recording_sink : public actors::client_sink {
public:
  void send_frame(actors::frame_ptr frame) override {
    frames.push_back(std::move(frame));
  }
  void send_frames(std::vector<actors::frame_ptr> batch) override {
    ++batches;
    for (auto& frame : batch)
      frames.push_back(std::move(frame));
  }
  void close(uint16_t code, std::string reason) override {
    closes.emplace_back(code, std::move(reason));
  }
  std::size_t backlog_frames() const override { return backlog; }
  void notify_when_drained(std::function<void()> callback) override {
    drain_callbacks.push_back(std::move(callback));
  }

  // The socket wrote everything: runs (and forgets) the pending drain callbacks.
  void drain() {
    auto callbacks = std::move(drain_callbacks);
    drain_callbacks.clear();
    for (auto& callback : callbacks)
      callback();
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> result;
    for (auto& frame : frames)
      result.push_back(*frame);
    return result;
  }
  std::string last() const { return frames.empty() ? std::string{} : *frames.back(); }

  std::vector<actors::frame_ptr> frames;
  std::size_t batches = 0;
  std::vector<std::pair<uint16_t, std::string>> closes;
  std::vector<std::function<void()>> drain_callbacks;
  std::size_t backlog = 0;
};

// Hands the frame to each target in turn, on the caller's thread.
class inline_fanout : public actors::fanout_port {
public:
  void publish(actors::sink_list_ptr targets, actors::frame_ptr frame) override {
    ++publishes;
    for (auto& sink : *targets)
      sink->send_frame(frame);
  }
  // Every client the test registered gets it.
  void broadcast(actors::frame_ptr frame) override {
    broadcasts.push_back(frame);
    for (auto& sink : everyone)
      sink->send_frame(frame);
  }
  std::size_t publishes = 0;
  std::vector<actors::frame_ptr> broadcasts;
  std::vector<actors::client_sink_ptr> everyone;
};

// An upstream WebSocket that records what the session writes to it.
class fake_link : public actors::upstream_link {
public:
  void send_text(std::string text) override { texts.push_back(std::move(text)); }
  void ping() override { ++pings; }
  void close() override { ++closes; }

  actors::link_owner_actor owner;
  std::vector<std::string> texts;
  std::size_t pings = 0;
  std::size_t closes = 0;
};

// What a probe received, in order; down_msgs of actors it monitors go to `downs`.
struct probe_log {
  std::vector<caf::message> messages;
  std::vector<caf::down_msg> downs;

  template <class... Ts> std::size_t count() const {
    std::size_t n = 0;
    for (auto& msg : messages)
      n += msg.match_elements<Ts...>() ? 1 : 0;
    return n;
  }
  template <class... Ts> std::vector<caf::message> of() const {
    std::vector<caf::message> result;
    for (auto& msg : messages)
      if (msg.match_elements<Ts...>())
        result.push_back(msg);
    return result;
  }
};
using probe_log_ptr = std::shared_ptr<probe_log>;

// Answers a request seen by a probe; an empty message answers nothing.
using responder = std::function<caf::message(const caf::message&)>;

using probe_quit_atom = caf::atom_constant<caf::atom("probe_quit")>;
// (probe_watch_atom, actor): the probe monitors that actor; its down_msg lands in
// `downs`.
using probe_watch_atom = caf::atom_constant<caf::atom("probe_wtch")>;

inline caf::behavior probe(caf::event_based_actor* self, probe_log_ptr log,
                           responder respond) {
  self->set_default_handler(
      [log, respond](caf::scheduled_actor* me,
                     caf::message_view& x) -> caf::result<caf::message> {
        auto msg = x.copy_content_to_message();
        log->messages.push_back(msg);
        if (respond && me->current_mailbox_element()->mid.is_request())
          return respond(msg);
        return caf::message{};
      });
  self->set_down_handler(
      [log](const caf::down_msg& down) { log->downs.push_back(down); });
  return {
      [self](probe_quit_atom) { self->quit(); },
      [self](probe_watch_atom, const caf::actor& who) { self->monitor(who); },
  };
}

// One actor system per test, on the test coordinator: nothing runs until the test calls
// run(), and time moves only with advance()/trigger_timeout().
struct actor_fixture {
  static caf::actor_system_config& configure(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    return cfg;
  }

  actor_fixture()
      : sys(configure(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    spdlog::set_level(spdlog::level::off); // the actors' logs are not under test
  }

  // Kills every actor the test spawned through the fixture and drops every pending
  // timer, so the actor system can shut down.
  ~actor_fixture() {
    for (auto& actor : spawned)
      caf::anon_send_exit(actor, caf::exit_reason::kill);
    spawned.clear();
    for (int round = 0; round < 100; ++round) {
      sched.run();
      if (sched.trigger_timeouts() == 0 && !sched.has_job())
        break;
    }
    spdlog::set_level(log_level);
  }

  // Typed or dynamic, as the spawned function says.
  template <class... Ts> auto spawn(Ts&&... xs) {
    auto actor = sys.spawn(std::forward<Ts>(xs)...);
    spawned.push_back(caf::actor_cast<caf::actor>(actor));
    return actor;
  }

  caf::actor spawn_probe(probe_log_ptr log, responder respond = nullptr) {
    return spawn(probe, std::move(log), std::move(respond));
  }

  // A probe standing in for a pipeline actor of interface `Handle`: the test sees what
  // the actor under test sends it.
  template <class Handle>
  Handle spawn_probe_as(probe_log_ptr log, responder respond = nullptr) {
    return caf::actor_cast<Handle>(spawn_probe(std::move(log), std::move(respond)));
  }

  // `probe` monitors `who`: its down_msg lands in the probe's `downs`.
  template <class Handle> void watch(const caf::actor& probe, const Handle& who) {
    caf::anon_send(probe, probe_watch_atom::value, caf::actor_cast<caf::actor>(who));
  }

  // Processes every enqueued message; time does not move.
  std::size_t run() { return sched.run(); }

  // Moves the clock forward in 1 ms steps, processing messages after each step, so a
  // timer set by a handler is seen at its exact due time. Returns timers fired.
  std::size_t advance(caf::timespan span) {
    std::size_t fired = 0;
    for (auto step = caf::timespan{0}; step < span; step += 1ms) {
      fired += sched.advance_time(std::min<caf::timespan>(1ms, span - step));
      sched.run();
    }
    return fired;
  }

  // Sends a request from a short-lived actor and returns the reply (std::nullopt on an
  // error or if none came).
  template <class... Rs, class Handle, class... Ts>
  std::optional<std::tuple<Rs...>> ask(const Handle& typed_target, Ts... xs) {
    auto target = caf::actor_cast<caf::actor>(typed_target);
    using reply_ptr = std::shared_ptr<std::optional<std::tuple<Rs...>>>;
    auto reply = std::make_shared<std::optional<std::tuple<Rs...>>>();
    auto asker = [](caf::event_based_actor* self, caf::actor target, reply_ptr reply,
                    Ts... xs) {
      self->request(target, caf::infinite, std::move(xs)...)
          .then([reply](Rs... rs) { *reply = std::make_tuple(std::move(rs)...); },
                [](const caf::error&) {});
    };
    spawn(asker, target, reply, std::move(xs)...); // killed at the end if unanswered
    run();
    return *reply;
  }

  template <class T, class... Sigs>
  static T& state_of(const caf::typed_actor<Sigs...>& actor) {
    using impl = typename caf::typed_actor<Sigs...>::template stateful_base<T>;
    auto* ptr = caf::actor_cast<caf::abstract_actor*>(actor);
    return dynamic_cast<impl&>(*ptr).state;
  }

  caf::actor_system_config cfg; // before sys: sys is built from it
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::vector<caf::actor> spawned;
  spdlog::level::level_enum log_level = spdlog::get_level();
};

} // namespace runrelay::test
