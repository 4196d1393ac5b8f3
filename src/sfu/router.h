// One conference's media on one worker: its producers, and the stage (the source that
// WHEP viewers receive: the newest publisher still publishing).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "sfu/track.h"
#include "util/clock.h"

namespace podium::sfu {

class Consumer;
class Peer;
class Producer;

class Router {
 public:
  explicit Router(std::string conference) : conference_(std::move(conference)) {}

  const std::string& conference() const { return conference_; }

  void add_producer(Producer& producer, TimePoint now);
  void remove_producer(Producer& producer, TimePoint now);
  Producer* find_producer(const std::string& track_id) const;

  void add_stage_consumer(Consumer& consumer, TimePoint now);
  void remove_stage_consumer(Consumer& consumer);
  // The producer of `kind` that stage consumers receive, or null.
  Producer* stage_source(MediaKind kind) const;

  std::uint64_t next_sequence() { return ++sequence_; }
  std::size_t peer_count = 0;

 private:
  void update_stage(TimePoint now);

  std::string conference_;
  std::uint64_t sequence_ = 0;
  std::map<std::string, Producer*> producers_;
  std::unordered_set<Consumer*> stage_consumers_;
  const Peer* stage_publisher_ = nullptr;
};

}  // namespace podium::sfu
