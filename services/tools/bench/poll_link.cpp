// One long-poll connection of a subscriber: GET /runs/<id>/events?after=<event_id>&
// wait_ms= in a loop on one keep-alive connection, each answer's events handed to the
// subscriber as envelope text and `next_id` kept as the cursor (docs/protocol.md, "The
// run API"). A run the relay has not seen yet is a 404; the link asks again shortly.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "services/tools/bench/http_link.hpp"
#include "services/tools/bench/http_link_base.hpp"

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = beast::error_code;

constexpr const char* hold_ms = "20000";
constexpr const char* page_limit = "1000"; // the relay's largest page
constexpr std::chrono::milliseconds unseen_run_retry{50};

class poll_link final : public http_link_base {
public:
  poll_link(asio::io_context& io, const subscriber_env& env, std::string run_id,
            std::string since, std::shared_ptr<link_events> owner)
      : http_link_base(io, env, std::move(owner)), retry_(io), run_id_(std::move(run_id)),
        live_(since == "live") {
    if (!live_)
      cursor_ = std::move(since);
  }

  using http_link_base::start;

private:
  void on_connected() override { ask(); }

  void drop() override {
    retry_.cancel();
    http_link_base::drop();
  }

  // "live": the run's last event first (GET /runs/<id>), then poll after it.
  std::string target() const {
    if (live_)
      return "/runs/" + run_id_;
    std::string target = "/runs/" + run_id_ + "/events?limit=" + page_limit;
    if (!cursor_.empty())
      target += "&after=" + cursor_;
    if (subscribed_) // the first answer comes at once: it is the `subscribed`
      target += std::string("&wait_ms=") + hold_ms;
    return target;
  }

  void ask() {
    request_ = {http::verb::get, target(), 11};
    request_.set(http::field::host, env_.host);
    http::async_write(stream_, request_, [self = self<poll_link>()](error_code ec, auto) {
      if (ec)
        return self->finish("write: " + ec.message());
      self->response_ = {};
      http::async_read(self->stream_, self->buffer_, self->response_,
                       [self](error_code ec, auto) { self->on_answer(ec); });
    });
  }

  void on_answer(error_code ec) {
    if (ec)
      return finish(ec == http::error::end_of_stream ? "the relay closed the connection"
                                                     : "read: " + ec.message());
    auto status = response_.result_int();
    if (status == 200)
      take(response_.body());
    else if (status == 404) // the run is not seen yet: all it will have is live
      live_ = false;
    else
      abort("relay answered HTTP " + std::to_string(status));
    if (!stopping() && !subscribed_)
      owner_->on_frame(*this, synthetic_subscribed(run_id_));
    if (stopping())
      return finish("closed");
    if (!response_.keep_alive())
      return finish("the relay closed the connection");
    if (status == 200)
      return ask();
    retry_.expires_after(unseen_run_retry);
    retry_.async_wait([self = self<poll_link>()](error_code ec) {
      if (ec)
        return self->finish("closed");
      self->ask();
    });
  }

  // The events of a page, or a run's entry when starting live.
  void take(const std::string& body) {
    error_code ec;
    auto value = boost::json::parse(body, ec);
    const auto* object = ec ? nullptr : value.if_object();
    if (!object)
      return abort("an answer that is not a JSON object");
    if (live_) {
      live_ = false;
      if (const auto* last = object->if_contains("last_event_id");
          last && last->is_string())
        cursor_ = std::string(last->get_string());
      return;
    }
    if (const auto* next = object->if_contains("next_id"); next && next->is_string())
      cursor_ = std::string(next->get_string());
    const auto* events = object->if_contains("events");
    if (!events || !events->is_array())
      return abort("an answer without an events list");
    for (const auto& event : events->get_array()) {
      owner_->on_frame(*this, boost::json::serialize(event));
      if (stopping())
        return;
    }
  }

  asio::steady_timer retry_;
  std::string run_id_;
  bool live_;
  std::string cursor_; // the event_id to poll after; empty: the whole history
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
};

} // namespace

std::shared_ptr<client_link> start_poll_link(asio::io_context& io,
                                             const subscriber_env& env,
                                             std::string run_id, std::string since,
                                             std::shared_ptr<link_events> owner) {
  auto link = std::make_shared<poll_link>(io, env, std::move(run_id), std::move(since),
                                          std::move(owner));
  link->start();
  return link;
}

} // namespace runrelay::bench
