#include "services/relay/io_pool.hpp"

#include <spdlog/spdlog.h>

namespace runrelay::services {

io_pool::io_pool(std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
    auto l = std::make_unique<lane>();
    l->context = std::make_unique<boost::asio::io_context>(1);
    l->work = std::make_unique<
        boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
        l->context->get_executor());
    lanes_.push_back(std::move(l));
  }
}

io_pool::~io_pool() {
  stop();
}

boost::asio::io_context& io_pool::next() {
  return *lanes_[next_.fetch_add(1) % lanes_.size()]->context;
}

void io_pool::start() {
  for (auto& l : lanes_)
    l->thread = std::thread([context = l->context.get()] {
      for (;;) {
        try {
          context->run();
          return;
        } catch (const std::exception& e) {
          // A handler that throws must not take every connection of the lane down.
          spdlog::error("io: handler threw: {}", e.what());
        }
      }
    });
}

void io_pool::stop() {
  for (auto& l : lanes_)
    l->work.reset();
  for (auto& l : lanes_)
    if (l->thread.joinable())
      l->thread.join();
}

} // namespace runrelay::services
