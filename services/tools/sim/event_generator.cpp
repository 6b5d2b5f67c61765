#include "services/tools/sim/event_generator.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace runrelay::sim {
namespace {

namespace json = boost::json;

constexpr std::uint32_t failing_run_percent = 15;
constexpr std::uint32_t artifact_percent = 50;
constexpr std::uint32_t progress_percent = 55;
constexpr std::uint32_t warn_percent = 10;
constexpr std::size_t max_batch = 5;

constexpr std::array<const char*, 4> workflows{"ci", "nightly", "release", "docs"};
constexpr std::array<const char*, 3> triggers{"push", "schedule", "manual"};
constexpr std::array<std::array<const char*, 6>, 3> pipelines{{
    {"checkout", "restore-cache", "build", "unit-tests", "package", "publish"},
    {"checkout", "lint", "build", "integration-tests", "package", "deploy"},
    {"checkout", "build", "docs", "unit-tests", "e2e-tests", "publish"},
}};

const char* step_name(std::uint32_t pipeline, std::uint32_t step) {
  const auto& names = pipelines[pipeline % pipelines.size()];
  return names[step % names.size()];
}

std::string hex(std::uint64_t value, int digits) {
  constexpr const char* digit_chars = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digit_chars[value & 0xf];
    value >>= 4;
  }
  return out;
}

std::string log_message(std::string_view step, std::uint64_t n, const std::string& tag) {
  auto count = std::to_string(n);
  if (step == "checkout")
    return "fetched " + count + " objects, HEAD is " + tag;
  if (step == "restore-cache")
    return "cache hit for key deps-" + tag + " (" + count + " MiB)";
  if (step == "build" || step == "docs")
    return "compiled " + count + " of 500 targets";
  if (step == "lint")
    return count + " files checked, 0 problems";
  if (step.find("tests") != std::string_view::npos)
    return count + " tests passed, 0 failed";
  return "uploaded " + count + " KiB to " + tag;
}

} // namespace

std::string format_rfc3339_ms(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  auto millis = static_cast<int>(unix_ms % 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::array<char, 96> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                parts.tm_min, parts.tm_sec, millis);
  return buf.data();
}

std::string make_ping(std::int64_t unix_ms) {
  return R"({"type":"ping","timestamp":)" + std::to_string(unix_ms) + "}";
}

event_generator::event_generator(generator_options options)
    : options_(options), rng_(options.seed) {
  if (options_.concurrent_runs == 0)
    options_.concurrent_runs = 1;
}

bool event_generator::exhausted() const {
  return active_.empty() && options_.max_runs != 0 && runs_started_ >= options_.max_runs;
}

void event_generator::top_up_runs() {
  while (active_.size() < options_.concurrent_runs &&
         (options_.max_runs == 0 || runs_started_ < options_.max_runs)) {
    ++runs_started_;
    run_state run;
    run.run_id =
        "run-" + std::to_string(options_.seed) + "-" + std::to_string(runs_started_);
    run.pipeline = static_cast<std::uint32_t>(below(pipelines.size()));
    run.steps_total = 3 + static_cast<std::uint32_t>(below(4));
    run.fails = chance(failing_run_percent);
    run.fail_step = static_cast<std::uint32_t>(below(run.steps_total));
    active_.push_back(std::move(run));
  }
}

std::optional<sim_frame> event_generator::next_frame(std::int64_t unix_ms,
                                                     std::size_t max_events) {
  if (exhausted())
    return std::nullopt;
  if (previous_frame_ && chance(options_.duplicate_percent)) {
    sim_frame dup;
    dup.text = std::move(*previous_frame_);
    dup.duplicate = true;
    previous_frame_.reset();
    return dup;
  }
  std::size_t count = 1;
  bool batch = max_events >= 2 && chance(options_.batch_percent);
  if (batch)
    count = 2 + below(std::min(max_events, max_batch) - 1);
  sim_frame frame;
  for (std::size_t i = 0; i < count && !exhausted(); ++i)
    frame.events.push_back(next_event(unix_ms));
  if (!batch) {
    frame.text = frame.events.front().bytes;
  } else {
    frame.text = "[";
    for (const auto& event : frame.events) {
      if (frame.text.size() > 1)
        frame.text += ',';
      frame.text += event.bytes;
    }
    frame.text += ']';
  }
  previous_frame_ = frame.text;
  return frame;
}

sim_event event_generator::next_event(std::int64_t unix_ms) {
  top_up_runs();
  std::size_t index = below(active_.size());
  sim_event event = advance(active_[index], unix_ms);
  if (active_[index].at == phase::done) {
    ++runs_finished_;
    active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(index));
  }
  return event;
}

sim_event event_generator::advance(run_state& run, std::int64_t unix_ms) {
  json::object body;
  const char* type = "";
  const char* step = step_name(run.pipeline, run.step);
  auto step_fields = [&] {
    body["step"] = step;
    body["index"] = run.step + 1;
    body["of"] = run.steps_total;
  };
  switch (run.at) {
  case phase::start:
    type = "workflow_started";
    body["workflow"] = workflows[below(workflows.size())];
    body["trigger"] = triggers[below(triggers.size())];
    body["commit"] = hex(rng_(), 12);
    body["steps"] = run.steps_total;
    run.at = phase::step_start;
    break;
  case phase::step_start:
    type = "step_started";
    step_fields();
    run.progress = 0;
    run.at = phase::step_body;
    break;
  case phase::step_body:
    if (run.fails && run.step == run.fail_step && run.progress >= 40) {
      type = "workflow_failed";
      body["step"] = step;
      body["error"] =
          std::string(step) + " exited with status " + std::to_string(1 + below(125));
      run.at = phase::done;
    } else if (run.progress >= 100) {
      type = "step_completed";
      step_fields();
      body["duration_ms"] = 200 + below(30000);
      run.at = phase::step_end;
    } else if (chance(progress_percent)) {
      type = "step_progress";
      run.progress = std::min<std::uint32_t>(
          100, run.progress + 5 + static_cast<std::uint32_t>(below(30)));
      body["step"] = step;
      body["progress"] = run.progress;
    } else {
      type = "log";
      body["step"] = step;
      body["level"] = chance(warn_percent) ? "warn" : "info";
      body["message"] = log_message(step, 1 + below(500), hex(rng_(), 8));
    }
    break;
  case phase::step_end:
    run.at = ++run.step < run.steps_total ? phase::step_start : phase::finish;
    if (!chance(artifact_percent))
      return advance(run, unix_ms);
    type = "artifact";
    body["step"] = step;
    {
      std::string name = std::string(step) + "-" + hex(rng_(), 6) + ".tar.gz";
      body["artifact"] = json::object{
          {"name", name},
          {"url", "https://artifacts.example.com/" + run.run_id + "/" + name},
          {"size_bytes", 1024 + below(50'000'000)}};
    }
    break;
  case phase::finish:
  case phase::done:
    type = "workflow_completed";
    body["steps"] = run.steps_total;
    run.at = phase::done;
    break;
  }

  ++run.seq;
  json::object event;
  event["run_id"] = run.run_id;
  event["type"] = type;
  sim_event out;
  if (!chance(options_.no_id_percent)) {
    out.event_id = run.run_id + ":" + std::to_string(run.seq);
    event["event_id"] = out.event_id;
  }
  event["ts"] = format_rfc3339_ms(unix_ms);
  event["seq"] = run.seq;
  for (auto& field : body)
    event[field.key()] = std::move(field.value());
  out.bytes = json::serialize(event);
  return out;
}

} // namespace runrelay::sim
