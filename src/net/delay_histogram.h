// A histogram of delays in microseconds, written by one thread (a worker's loop) and read
// by any (the /metrics handler). Buckets are fixed, so the exposition is a Prometheus
// histogram and percentiles can be read from two scrapes: 1-2-5 steps from 5 µs to 2 s,
// with steps between them from 200 µs to 5 ms, where a forwarding delay target (1 ms)
// has to be told apart from its neighbours.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace podium::net {

class DelayHistogram {
 public:
  // Upper bounds (µs, inclusive) of the finite buckets; a last one takes the rest.
  static constexpr std::array<std::uint64_t, 23> kBoundsMicros = {
      5,      10,     20,     50,      100,     200,     300,     500,
      750,    1'000,  1'250,  1'500,   2'000,   3'000,   5'000,   10'000,
      20'000, 50'000, 100'000, 200'000, 500'000, 1'000'000, 2'000'000};
  static constexpr std::size_t kBuckets = kBoundsMicros.size() + 1;

  // The owner thread only. A plain load and store: no read-modify-write on the hot path.
  void record(std::uint64_t micros, std::uint64_t count = 1) {
    std::size_t bucket = 0;
    while (bucket < kBoundsMicros.size() && micros > kBoundsMicros[bucket]) ++bucket;
    bump(buckets_[bucket], count);
    bump(count_, count);
    bump(sum_micros_, micros * count);
  }

  // Any thread; not a consistent snapshot across buckets, which a scrape tolerates.
  std::uint64_t bucket(std::size_t index) const { return buckets_[index].load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::uint64_t sum_micros() const { return sum_micros_.load(std::memory_order_relaxed); }

 private:
  static void bump(std::atomic<std::uint64_t>& value, std::uint64_t n) {
    value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

}  // namespace podium::net
