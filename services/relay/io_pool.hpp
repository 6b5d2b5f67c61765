#pragma once
// The relay's I/O threads: one io_context per thread, so everything a connection does
// runs on one thread and needs no strand. Connections are spread round-robin.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace runrelay::services {

class io_pool {
public:
  explicit io_pool(std::size_t threads);
  ~io_pool();
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  boost::asio::io_context& next();
  boost::asio::io_context& first() { return *lanes_.front()->context; }
  std::size_t size() const { return lanes_.size(); }
  template <class F> void for_each(F&& f) {
    for (auto& lane : lanes_)
      f(*lane->context);
  }

  void start();
  // Lets the threads finish what is queued, then joins them.
  void stop();

private:
  struct lane {
    std::unique_ptr<boost::asio::io_context> context;
    std::unique_ptr<
        boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
        work;
    std::thread thread;
  };
  std::vector<std::unique_ptr<lane>> lanes_;
  std::atomic<std::size_t> next_{0};
};

} // namespace runrelay::services
