#include "services/clients/fanout.hpp"

#include "services/clients/io_sink.hpp"
#include "services/clients/sse_connection.hpp"

#include <boost/asio/post.hpp>

namespace runrelay::services {

namespace {

class io_fanout : public actors::fanout_port {
public:
  explicit io_fanout(io_pool& pool) : pool_(pool) {}

  void publish(actors::sink_list_ptr targets, actors::frame_ptr frame) override {
    if (pool_.size() == 1) {
      boost::asio::post(pool_.first(),
                        [targets = std::move(targets), frame = std::move(frame)] {
                          for (auto& sink : *targets)
                            static_cast<io_sink&>(*sink).deliver_here(frame);
                        });
      return;
    }
    pool_.for_each([&](boost::asio::io_context& lane) {
      boost::asio::post(lane, [targets, frame, &lane] {
        for (auto& sink : *targets) {
          auto& target = static_cast<io_sink&>(*sink);
          if (&target.lane() == &lane)
            target.deliver_here(frame);
        }
      });
    });
  }

  void broadcast(actors::frame_ptr frame) override {
    pool_.for_each([&](boost::asio::io_context& lane) {
      boost::asio::post(lane, [frame, &lane] {
        deliver_to_lane_clients(lane, frame);
        deliver_to_lane_streams(lane, frame);
      });
    });
  }

private:
  io_pool& pool_;
};

} // namespace

actors::fanout_port_ptr make_io_fanout(io_pool& pool) {
  return std::make_shared<io_fanout>(pool);
}

} // namespace runrelay::services
