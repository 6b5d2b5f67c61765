#include "services/tools/bench/subscriber.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "services/tools/bench/client_link.hpp"
#include "services/tools/bench/http_link.hpp"

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;

constexpr std::chrono::milliseconds retry_step{200}; // wait 200 ms, 400 ms, ...
// A subscriber's first event and every this-many-th one get a full JSON check of the
// envelope; the others only the fast scan.
constexpr std::uint64_t check_every = 1000;

// A client: connects (with bounded retries), accounts every event its links receive,
// and resumes with `since` in a storm.
class ws_subscriber final : public subscriber,
                            public link_events,
                            public std::enable_shared_from_this<ws_subscriber> {
public:
  ws_subscriber(asio::io_context& io, const subscriber_env& env, shard_stats& stats,
                std::uint32_t run, std::string run_id, std::uint64_t expected_events,
                std::function<void()> on_settled)
      : io_(io), env_(env), stats_(stats), run_(run), run_id_(std::move(run_id)),
        retry_timer_(io), on_settled_(std::move(on_settled)) {
    tracker_.reserve(expected_events);
  }

  void start() override {
    status_ = subscriber_status::connecting;
    attempts_ = 0;
    open_link();
  }

  void reconnect() override {
    storm_ = true;
    caught_up_ = false;
    catch_up_target_ = UINT64_MAX; // known at the new `subscribed`
    storm_start_us_ = monotonic_us();
    bool retry_pending = status_ == subscriber_status::connecting && link_.expired();
    status_ = subscriber_status::connecting;
    if (auto link = link_.lock()) {
      reconnect_requested_ = true;
      link->close();
    } else if (!retry_pending) {
      attempts_ = 0;
      open_link();
    } // else the pending retry resubscribes with `since`
  }

  void close() override {
    closing_ = true;
    retry_timer_.cancel();
    if (auto link = link_.lock())
      link->close();
  }

  void rebase() override { baseline_ = tracker_.totals(); }
  delivery_totals account(seq_range range) const override {
    return bench::account(tracker_, range, baseline_);
  }
  std::uint32_t run() const override { return run_; }
  subscriber_status status() const override { return status_; }
  bool ever_subscribed() const override { return ever_subscribed_; }

  // link_events
  void on_frame(client_link& link, std::string_view text) override;
  void on_link_end(const std::string& why, int close_code, bool live) override;

private:
  void open_link();
  void on_event(const bench_fields& event, std::string_view text);
  std::string check_envelope(std::string_view text, const bench_fields& event);
  void on_control(client_link& link, std::string_view text);
  void check_caught_up();
  void settle() {
    if (!settled_ && on_settled_) {
      settled_ = true;
      on_settled_();
    }
  }

  asio::io_context& io_;
  const subscriber_env& env_;
  shard_stats& stats_;
  std::uint32_t run_;
  std::string run_id_;
  asio::steady_timer retry_timer_;
  std::function<void()> on_settled_;
  std::weak_ptr<client_link> link_;
  sequence_tracker tracker_;
  sequence_tracker::counts baseline_;
  subscriber_status status_ = subscriber_status::idle;
  std::uint32_t attempts_ = 0;
  std::int64_t attempt_start_us_ = 0;
  bool settled_ = false;
  bool ever_subscribed_ = false;
  bool closing_ = false;
  bool storm_ = false;
  bool reconnect_requested_ = false;
  bool caught_up_ = false;
  std::int64_t storm_start_us_ = 0;
  std::uint64_t catch_up_target_ = UINT64_MAX;
  std::uint64_t events_ = 0;
  double last_seq_ = 0; // the relay's seq of the last envelope checked
};

void ws_subscriber::open_link() {
  ++attempts_;
  attempt_start_us_ = monotonic_us();
  std::string since; // empty: the whole history
  if (!storm_)
    since = "live";
  else if (tracker_.highest() > 0)
    since = "b-" + run_id_ + "-" + std::to_string(tracker_.highest());
  ++stats_.open_links;
  if (env_.transport == bench_transport::sse) {
    link_ = start_sse_link(io_, env_, run_id_, since, shared_from_this());
    return;
  }
  if (env_.transport == bench_transport::poll) {
    link_ = start_poll_link(io_, env_, run_id_, since, shared_from_this());
    return;
  }
  std::string request = R"({"type":"subscribe","run_id":")" + run_id_ + "\"";
  if (!since.empty())
    request += ",\"since\":\"" + since + "\"";
  request += ",\"id\":" + std::to_string(attempts_) + "}";
  link_ = start_client_link(io_, env_, std::move(request), shared_from_this());
}

void ws_subscriber::on_frame(client_link& link, std::string_view text) {
  if (auto event = scan_bench_event(text)) {
    if (!ever_subscribed_)
      ++stats_.control["_event_before_subscribed"];
    return on_event(*event, text);
  }
  on_control(link, text);
}

void ws_subscriber::on_event(const bench_fields& event, std::string_view text) {
  ++stats_.frames;
  if (event.run_id != run_id_) { // the relay sent another run's event
    ++stats_.control["_wrong_run"];
    return;
  }
  if (event.bseq > env_.heads->get(run_)) { // never published: not ours
    ++stats_.control["_bseq_never_published"];
    return;
  }
  if (events_++ % check_every == 0)
    if (auto error = check_envelope(text, event); !error.empty()) {
      ++stats_.bad_envelopes;
      stats_.note_error(run_id_ + ": bad event envelope: " + error);
    }
  auto kind = tracker_.record(event.bseq);
  if (kind == arrival::in_order || kind == arrival::late)
    ++stats_.fresh;
  auto latency = monotonic_us() - event.bts_us;
  stats_.latency_all.record(latency);
  if (event.bts_us >= env_.measure_from_us->load(std::memory_order_relaxed))
    stats_.latency.record(latency);
  if (storm_ && !caught_up_)
    check_caught_up();
}

// docs/protocol.md section 2's event message, around the event this bench published.
std::string ws_subscriber::check_envelope(std::string_view text,
                                          const bench_fields& event) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  const auto* envelope = ec ? nullptr : value.if_object();
  if (!envelope)
    return "not a JSON object";
  auto expected_id = "b-" + run_id_ + "-" + std::to_string(event.bseq);
  const auto* type = envelope->if_contains("type");
  const auto* run = envelope->if_contains("run_id");
  const auto* id = envelope->if_contains("event_id");
  const auto* seq = envelope->if_contains("seq");
  const auto* data = envelope->if_contains("data");
  if (!type || !type->is_string() || type->get_string() != "event")
    return "type is not \"event\"";
  if (!run || !run->is_string() || run->get_string() != run_id_)
    return "run_id is not " + run_id_;
  if (!id || !id->is_string() || id->get_string() != expected_id)
    return "event_id is not " + expected_id;
  if (!seq || !seq->is_number() || seq->to_number<double>() <= last_seq_)
    return "seq is not a number above the last one checked";
  last_seq_ = seq->to_number<double>();
  const auto* bseq =
      data && data->is_object() ? data->as_object().if_contains("bseq") : nullptr;
  if (!bseq || !bseq->is_number() || bseq->to_number<double>() != double(event.bseq))
    return "data is not the event published";
  return {};
}

void ws_subscriber::on_control(client_link& link, std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  const auto* object = ec ? nullptr : value.if_object();
  const auto* type_value = object ? object->if_contains("type") : nullptr;
  if (!type_value || !type_value->is_string()) {
    ++stats_.control["_not_json_object"];
    return;
  }
  std::string type(type_value->get_string());
  if (type == "error") {
    const auto* code = object->if_contains("code");
    type += ":" + (code && code->is_string() ? std::string(code->get_string()) : "?");
    if (status_ != subscriber_status::subscribed)
      link.abort("relay answered " + type);
  }
  ++stats_.control[type];
  const auto* run = object->if_contains("run_id");
  if (type != "subscribed" || !run || !run->is_string() || run->get_string() != run_id_)
    return;
  link.on_subscribed();
  const auto* gap = object->if_contains("gap");
  if (gap && gap->is_bool() && gap->get_bool())
    ++stats_.gap_resumes;
  status_ = subscriber_status::subscribed;
  ever_subscribed_ = true;
  if (storm_) {
    ++stats_.resubscribed;
    catch_up_target_ = env_.heads->get(run_);
    check_caught_up();
  } else if (!settled_) {
    stats_.connect_us.record(monotonic_us() - attempt_start_us_);
    ++stats_.subscribed;
  }
  settle();
}

void ws_subscriber::check_caught_up() {
  if (status_ != subscriber_status::subscribed || tracker_.highest() < catch_up_target_)
    return;
  caught_up_ = true;
  stats_.catch_up_us.record(monotonic_us() - storm_start_us_);
  ++stats_.caught_up;
}

void ws_subscriber::on_link_end(const std::string& why, int close_code, bool live) {
  --stats_.open_links;
  if (closing_) {
    status_ = subscriber_status::done;
    return;
  }
  if (reconnect_requested_) { // storm: straight back
    reconnect_requested_ = false;
    attempts_ = 0;
    status_ = subscriber_status::connecting;
    return open_link();
  }
  if (live) { // the relay (or the network) dropped a live subscriber
    status_ = subscriber_status::closed;
    ++stats_.closed;
    ++stats_.close_codes[close_code];
    stats_.note_error(run_id_ + ": " + why);
    return;
  }
  if (attempts_ <= env_.connect_retries) {
    ++stats_.retries;
    retry_timer_.expires_after(retry_step * attempts_);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->closing_)
        self->open_link();
    });
    return;
  }
  status_ = subscriber_status::failed;
  stats_.note_error(run_id_ + ": " + why);
  if (storm_)
    ++stats_.reconnect_failures;
  else
    ++stats_.failed;
  settle();
}

} // namespace

std::shared_ptr<subscriber> make_subscriber(asio::io_context& io,
                                            const subscriber_env& env, shard_stats& stats,
                                            std::uint32_t run, std::string run_id,
                                            std::uint64_t expected_events,
                                            std::function<void()> on_settled) {
  return std::make_shared<ws_subscriber>(io, env, stats, run, std::move(run_id),
                                         expected_events, std::move(on_settled));
}

} // namespace runrelay::bench
