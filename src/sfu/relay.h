// In-process relays between the workers of one conference (the in-process form of
// mediasoup's PipeTransport): when a conference has sessions on several workers, each
// worker's router forwards what its own publishers send to its own consumers and, once
// per packet, to every other worker that holds the conference. There a relay producer
// (a Producer with no publisher) stands for the original and fans the packet out to the
// local consumers. One copy crosses per packet per worker, however many subscribers the
// other worker has.
//
// Data: plain RTP (after SRTP unprotect) goes through a lock-free single-producer,
// single-consumer ring per ordered worker pair; the sending worker wakes the receiving
// one once per loop iteration (one EventLoop::post while the receiver has not drained
// yet), and the receiver drains the ring on that wake-up. Control: the catalog of each
// conference's tracks lives here behind a mutex (control rate only); every change posts
// an idempotent sync to the other workers of the conference. Keyframe requests of a relay
// producer are posted to the worker of the original; NACKs of remote subscribers are
// answered from the relay producer's own retransmission buffer.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "rtp/header_extensions.h"
#include "sfu/track.h"
#include "util/bytes.h"
#include "util/clock.h"
#include "webrtc/media_counters.h"

namespace podium::rtp {
class RtpPacket;
}

namespace podium::sfu {

class Producer;
class Worker;

// What another worker needs to stand in for a producer: a catalog entry.
struct RelayTrack {
  std::uint64_t key = 0;  // unique in the process; names the track in the rings
  int origin = 0;         // the worker of the original producer
  std::string id;         // the track id subscribers name ("t12")
  std::string mid;
  std::string participant_id;
  MediaKind kind = MediaKind::kAudio;
  RtpCodecParameters codec;
  rtp::ExtensionMap extensions;
  std::vector<std::string> rids;  // simulcast streams, low → high; empty: one stream
  std::vector<int> payload_types;
  std::uint64_t sequence = 0;  // order of creation in the conference (the stage follows it)
};

// A fixed-size single-producer, single-consumer ring of RTP packets. push() only on the
// sending worker's thread, pop() only on the receiving worker's.
class RelayRing {
 public:
  static constexpr std::size_t kSlots = 1024;  // ≈ 35 ms of a 30k packets/s relay
  static constexpr std::size_t kMaxPacket = 1500;
  static constexpr std::uint16_t kNoRepairNeed = 0xFFFF;
  struct Slot {
    std::uint64_t key;
    std::uint16_t size;
    std::uint8_t layer;
    // The original's repair need (Producer::repair_need) in ms, kNoRepairNeed for none:
    // remote viewers are asked for the same playout delay as local ones.
    std::uint16_t repair_need_ms;
    std::array<std::uint8_t, kMaxPacket> data;
  };

  // The slots (1.5 MB) are allocated when a conference first spans the two workers.
  void allocate() {
    if (!slots_) slots_ = std::make_unique<Slot[]>(kSlots);
  }
  // False when the ring is full or the packet too large (dropped, counted by the caller).
  bool push(std::uint64_t key, int layer, Bytes packet, std::uint16_t repair_need_ms = kNoRepairNeed);
  // The oldest slot, or null when empty; release() frees it.
  Slot* front();
  void release();

  // Set by the sender when it posted a drain that has not started yet.
  std::atomic<bool> wake_pending{false};

 private:
  std::unique_ptr<Slot[]> slots_;
  alignas(64) std::atomic<std::size_t> head_{0};  // next to pop (receiver)
  alignas(64) std::atomic<std::size_t> tail_{0};  // next to push (sender)
  alignas(64) std::size_t pushed_since_wake_ = 0;  // sender only
  friend class RelayHub;
};

// A relay producer's way home: asks the original producer for a keyframe.
class RelayOrigin {
 public:
  virtual ~RelayOrigin() = default;
  virtual void request_keyframe(const Producer& relay, int layer) = 0;
};

// The relays of one process: the rings between every pair of workers, each
// conference's catalog, and the relay producers each worker holds. Created before the
// workers and destroyed after them.
class RelayHub {
 public:
  explicit RelayHub(std::vector<Worker*> workers);
  ~RelayHub();
  RelayHub(const RelayHub&) = delete;
  RelayHub& operator=(const RelayHub&) = delete;

  int worker_count() const { return static_cast<int>(workers_.size()); }

  // Control, on the worker named. A worker's router joins when the conference's first
  // session arrives there and leaves when its last one goes; join/leave/publish/
  // unpublish post a sync to the conference's other workers.
  void join(const std::string& conference, int worker);
  void leave(const std::string& conference, int worker);
  // A producer of `track.origin` appeared / ended. Returns the key for publish.
  std::uint64_t publish(const std::string& conference, RelayTrack track);
  void unpublish(const std::string& conference, int origin, std::uint64_t key);
  // Everything the conference's routers on other workers than `worker` publish, and
  // those workers (to relay to). Worker thread of `worker`.
  std::vector<RelayTrack> remote_tracks(const std::string& conference, int worker) const;
  std::vector<int> other_workers(const std::string& conference, int worker) const;

  // Data path, on the sending worker: one copy of the packet toward each target.
  void push(int from, const std::vector<int>& targets, std::uint64_t key, int layer,
            const rtp::RtpPacket& packet, std::uint16_t repair_need_ms = RelayRing::kNoRepairNeed);
  // End of the sending worker's loop iteration: wakes the workers it pushed to.
  void flush(int from);
  // Relay producers by key, on the worker that holds them (its thread only).
  void register_relay(int worker, std::uint64_t key, Producer* producer);
  void unregister_relay(int worker, std::uint64_t key);

  // A relay producer's keyframe request, posted to the origin's worker.
  void request_keyframe(const std::string& conference, int origin, const std::string& track_id,
                        int layer);

  // For /metrics, from any thread: packets pushed into a ring (one per packet per
  // target worker), dropped because a ring was full, relay producers now.
  std::uint64_t packets() const;
  std::uint64_t dropped() const;
  std::uint64_t relay_producers() const;

 private:
  struct Conference {
    std::set<int> workers;
    std::map<std::uint64_t, RelayTrack> tracks;
  };
  struct PerWorker {
    webrtc::Counter packets;  // written by this worker only (as sender)
    webrtc::Counter dropped;
    webrtc::Counter relays;
    std::unordered_map<std::uint64_t, Producer*> relay_producers;  // this worker's thread
  };
  RelayRing& ring(int from, int to) { return *rings_[static_cast<std::size_t>(from * worker_count() + to)]; }
  void post_sync(const std::string& conference, const std::set<int>& workers, int except);
  void drain(int from, int to);

  std::vector<Worker*> workers_;
  std::vector<std::unique_ptr<RelayRing>> rings_;  // from * n + to; null on the diagonal
  std::vector<std::unique_ptr<PerWorker>> per_worker_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Conference> conferences_;
  std::atomic<std::uint64_t> next_key_{1};
};

}  // namespace podium::sfu
