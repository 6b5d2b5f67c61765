#pragma once
// The pipeline's vocabulary: every atom and message type the actors exchange. Each
// actor's typed interface (at the top of its header) says which of these it takes;
// actors/README.md draws who sends what to whom.
#include "actors/clients/client_sink.hpp"
#include "actors/runs/poll_reply.hpp"
#include "protocol/client_codec.hpp"
#include "protocol/upstream_codec.hpp"
#include "protocol/upstream_state.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace runrelay::actors {

// upstream_link -> upstream_session
using link_up_atom = caf::atom_constant<caf::atom("link_up")>;
using link_frame_atom = caf::atom_constant<caf::atom("link_frame")>;
using link_alive_atom = caf::atom_constant<caf::atom("link_alive")>;
using link_down_atom = caf::atom_constant<caf::atom("link_down")>;
// Internal self-ticks (an actor sends them to itself only), tagged with a generation
// where stale ones must be ignored. They appear in interfaces because typed actors can
// only delayed_send to themselves what their interface accepts.
using ping_tick_atom = caf::atom_constant<caf::atom("ping_tick")>;
using idle_check_atom = caf::atom_constant<caf::atom("idle_check")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using resume_wait_atom = caf::atom_constant<caf::atom("resume_wt")>;
using replay_more_atom = caf::atom_constant<caf::atom("replay_mor")>;
using poll_tick_atom = caf::atom_constant<caf::atom("poll_tick")>;

// upstream_session -> reconnect_supervisor, after hello went out
using connected_atom = caf::atom_constant<caf::atom("connected")>;
// POST /upstream/reconnect -> reconnect_supervisor
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;
// reconnect_supervisor -> upstream_queue
using upstream_ready_atom = caf::atom_constant<caf::atom("up_ready")>;
using upstream_lost_atom = caf::atom_constant<caf::atom("up_lost")>;
// upstream_queue -> upstream_session
using write_upstream_atom = caf::atom_constant<caf::atom("write_up")>;
// client_session -> upstream_queue; answered with `true` when written now (sent)
using send_upstream_atom = caf::atom_constant<caf::atom("send_up")>;
// upstream_session -> dedup_filter: the resume point for hello
using resume_point_atom = caf::atom_constant<caf::atom("resume_pt")>;
// client connection -> client_session
using client_text_atom = caf::atom_constant<caf::atom("client_txt")>;
using client_closed_atom = caf::atom_constant<caf::atom("client_cls")>;
// client_session -> dedup_filter -> run_subscriber
using client_gone_atom = caf::atom_constant<caf::atom("client_gon")>;
// relay wiring -> client_directory: watch a session just spawned for a connection
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;
// anyone -> actor: every actor answers with an actor_stats_list
using stats_atom = caf::atom_constant<caf::atom("stats")>;
// shutdown: actors stop their self-ticks and release their sockets
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

using client_id_t = uint64_t;

// An event that passed the dedup window, on its way to its run.
struct run_event {
  protocol::upstream_event event;
  uint64_t arrival = 0; // acceptance order across all runs
  // Clients subscribed to "*" when the event was accepted (live only).
  std::shared_ptr<const std::vector<std::pair<client_id_t, client_sink_ptr>>> star;
};

// run_subscriber -> dedup_filter, for every run_event: whether the run kept it (not a
// history duplicate) and which "*" subscribers it goes to. The dedup filter releases
// outcomes in arrival order, so a "*" subscription sees events in upstream order.
struct run_outcome {
  std::string run_id;
  uint64_t arrival = 0;
  bool accepted = false;
  std::string event_id;
  frame_ptr envelope;
  sink_list_ptr star_targets;
};

struct subscribe_cmd {
  client_id_t client = 0;
  client_sink_ptr sink;
  std::string run_id;
  protocol::since_position since;
  std::string request_id; // raw JSON, echoed
};

struct unsubscribe_cmd {
  client_id_t client = 0;
  client_sink_ptr sink;
  std::string run_id;
  std::string request_id;
};

// HTTP -> run_subscriber: GET /runs/<run_id>/events (docs/protocol.md section 3).
struct poll_cmd {
  protocol::poll_position after;
  std::size_t limit = 100;
  std::chrono::milliseconds wait{0};
  poll_reply reply;
};

// What /stats and /metrics show of one actor.
struct actor_stats {
  std::string kind; // upstream_session, supervisor, dedup_filter, queue, run_subscriber,
                    // client_session, client_directory
  std::string name;
  uint64_t mailbox = 0;
  std::map<std::string, int64_t> counters;
  std::map<std::string, std::string> labels; // run_id, client_id, state, ...
};

using actor_stats_list = std::vector<actor_stats>;

} // namespace runrelay::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::protocol::upstream_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::protocol::upstream_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::protocol::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::client_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::run_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::run_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::subscribe_cmd)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::unsubscribe_cmd)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::poll_cmd)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::actor_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(runrelay::actors::actor_stats_list)
