#pragma once
// /stats has one shape for every actor: each answers stats_atom with an actor_stats_list
// (its own entry, then those of the actors it owns). This gathers such answers from
// several actors without blocking: CAF 0.17 has no fan_out_request, so a countdown with
// a short timeout per request; an actor that does not answer in time is left out.
#include "actors/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

namespace runrelay::actors {

// Any actor of the pipeline, seen only as a source of stats.
using stats_source =
    caf::typed_actor<caf::replies_to<stats_atom>::with<actor_stats_list>>;

constexpr auto stats_patience = std::chrono::seconds(1);

// Calls `done(list)` once with `seed` followed by every answer that came in time.
template <class SelfPointer, class Done>
void gather_stats(SelfPointer self, const std::vector<stats_source>& sources,
                  actor_stats_list seed, Done done,
                  caf::timespan patience = stats_patience) {
  if (sources.empty())
    return done(std::move(seed));
  auto collected = std::make_shared<actor_stats_list>(std::move(seed));
  auto pending = std::make_shared<std::size_t>(sources.size());
  auto one_done = [collected, pending, done]() mutable {
    if (--*pending == 0)
      done(std::move(*collected));
  };
  for (auto& source : sources)
    self->request(source, patience, stats_atom::value)
        .then(
            [collected, one_done](const actor_stats_list& list) mutable {
              collected->insert(collected->end(), list.begin(), list.end());
              one_done();
            },
            [one_done](const caf::error&) mutable { one_done(); });
}

// The reply to stats_atom for an actor that owns `sources`.
template <class SelfPointer>
caf::result<actor_stats_list> answer_stats(SelfPointer self,
                                           const std::vector<stats_source>& sources,
                                           actor_stats own) {
  if (sources.empty())
    return actor_stats_list{std::move(own)};
  // Once a promise exists it owns the reply: create it only when others will answer.
  auto promise = self->template make_response_promise<actor_stats_list>();
  gather_stats(
      self, sources, actor_stats_list{std::move(own)},
      [promise](actor_stats_list all) mutable { promise.deliver(std::move(all)); });
  return promise;
}

} // namespace runrelay::actors
