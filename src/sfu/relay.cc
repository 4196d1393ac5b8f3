#include "sfu/relay.h"

#include <cstring>

#include "rtp/rtp_packet.h"
#include "sfu/producer.h"
#include "sfu/router.h"
#include "sfu/worker.h"
#include "util/log.h"

namespace podium::sfu {

bool RelayRing::push(std::uint64_t key, int layer, Bytes packet, std::uint16_t repair_need_ms) {
  if (packet.size() > kMaxPacket || !slots_) return false;
  std::size_t tail = tail_.load(std::memory_order_relaxed);
  if (tail - head_.load(std::memory_order_acquire) >= kSlots) return false;
  Slot& slot = slots_[tail % kSlots];
  slot.key = key;
  slot.layer = static_cast<std::uint8_t>(layer);
  slot.repair_need_ms = repair_need_ms;
  slot.size = static_cast<std::uint16_t>(packet.size());
  std::memcpy(slot.data.data(), packet.data(), packet.size());
  tail_.store(tail + 1, std::memory_order_release);
  ++pushed_since_wake_;
  return true;
}

RelayRing::Slot* RelayRing::front() {
  std::size_t head = head_.load(std::memory_order_relaxed);
  if (head == tail_.load(std::memory_order_acquire)) return nullptr;
  return &slots_[head % kSlots];
}

void RelayRing::release() {
  head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

RelayHub::RelayHub(std::vector<Worker*> workers) : workers_(std::move(workers)) {
  std::size_t n = workers_.size();
  rings_.resize(n * n);
  for (std::size_t from = 0; from < n; ++from)
    for (std::size_t to = 0; to < n; ++to)
      if (from != to) rings_[from * n + to] = std::make_unique<RelayRing>();
  for (std::size_t i = 0; i < n; ++i) per_worker_.push_back(std::make_unique<PerWorker>());
}

RelayHub::~RelayHub() = default;

void RelayHub::join(const std::string& conference, int worker) {
  std::set<int> workers;
  {
    std::lock_guard lock(mutex_);
    auto& entry = conferences_[conference];
    // Both directions between the newcomer and every worker already there, before any
    // of them learns of the other (the posted sync below orders it).
    for (int other : entry.workers) {
      ring(worker, other).allocate();
      ring(other, worker).allocate();
    }
    entry.workers.insert(worker);
    workers = entry.workers;
  }
  log::info("sfu", "conference {}: worker {} joins its relays ({} workers)", conference, worker,
            workers.size());
  post_sync(conference, workers, worker);
}

void RelayHub::leave(const std::string& conference, int worker) {
  std::set<int> workers;
  {
    std::lock_guard lock(mutex_);
    auto it = conferences_.find(conference);
    if (it == conferences_.end()) return;
    it->second.workers.erase(worker);
    // A worker that leaves has removed its producers first; anything it left behind
    // (it stopped) goes with it.
    std::erase_if(it->second.tracks, [&](const auto& e) { return e.second.origin == worker; });
    workers = it->second.workers;
    if (workers.empty()) conferences_.erase(it);
  }
  post_sync(conference, workers, worker);
}

std::uint64_t RelayHub::publish(const std::string& conference, RelayTrack track) {
  std::uint64_t key = next_key_++;
  track.key = key;
  int origin = track.origin;
  std::set<int> workers;
  {
    std::lock_guard lock(mutex_);
    auto& entry = conferences_[conference];
    entry.tracks[key] = std::move(track);
    workers = entry.workers;
  }
  post_sync(conference, workers, origin);
  return key;
}

void RelayHub::unpublish(const std::string& conference, int origin, std::uint64_t key) {
  std::set<int> workers;
  {
    std::lock_guard lock(mutex_);
    auto it = conferences_.find(conference);
    if (it == conferences_.end()) return;
    it->second.tracks.erase(key);
    workers = it->second.workers;
  }
  post_sync(conference, workers, origin);
}

std::vector<RelayTrack> RelayHub::remote_tracks(const std::string& conference, int worker) const {
  std::vector<RelayTrack> out;
  std::lock_guard lock(mutex_);
  auto it = conferences_.find(conference);
  if (it == conferences_.end()) return out;
  for (const auto& [key, track] : it->second.tracks)
    if (track.origin != worker) out.push_back(track);
  return out;
}

std::vector<int> RelayHub::other_workers(const std::string& conference, int worker) const {
  std::vector<int> out;
  std::lock_guard lock(mutex_);
  auto it = conferences_.find(conference);
  if (it == conferences_.end()) return out;
  for (int other : it->second.workers)
    if (other != worker) out.push_back(other);
  return out;
}

// Idempotent: the receiving router reads the catalog as it is when the task runs, so
// syncs may arrive in any order or several at once.
void RelayHub::post_sync(const std::string& conference, const std::set<int>& workers, int except) {
  for (int index : workers) {
    if (index == except) continue;
    Worker* worker = workers_[static_cast<std::size_t>(index)];
    worker->loop().post([worker, conference] {
      if (Router* router = worker->router(conference)) router->sync_relays(worker->loop().now());
    });
  }
}

void RelayHub::push(int from, const std::vector<int>& targets, std::uint64_t key, int layer,
                    const rtp::RtpPacket& packet, std::uint16_t repair_need_ms) {
  PerWorker& sender = *per_worker_[static_cast<std::size_t>(from)];
  for (int to : targets) {
    if (ring(from, to).push(key, layer, packet.data(), repair_need_ms)) {
      sender.packets.add();
    } else {
      sender.dropped.add();
    }
  }
}

void RelayHub::flush(int from) {
  int n = worker_count();
  for (int to = 0; to < n; ++to) {
    if (to == from) continue;
    RelayRing& r = ring(from, to);
    if (r.pushed_since_wake_ == 0) continue;
    r.pushed_since_wake_ = 0;
    // One wake-up while the receiver has not started draining; a drain that already
    // started clears the flag first, so a later push always gets its own wake-up.
    if (r.wake_pending.exchange(true, std::memory_order_acq_rel)) continue;
    Worker* worker = workers_[static_cast<std::size_t>(to)];
    worker->loop().post([this, from, to] { drain(from, to); });
  }
}

void RelayHub::drain(int from, int to) {
  RelayRing& r = ring(from, to);
  r.wake_pending.store(false, std::memory_order_seq_cst);
  PerWorker& receiver = *per_worker_[static_cast<std::size_t>(to)];
  Worker& worker = *workers_[static_cast<std::size_t>(to)];
  auto now = worker.loop().now();
  // Relayed video bursts leave as GSO sends too (sfu/fanout_batch.h).
  worker.open_fanout_batch();
  // Bounded by what is there now: a sender that keeps pushing wakes us again.
  for (std::size_t i = 0; i < RelayRing::kSlots; ++i) {
    RelayRing::Slot* slot = r.front();
    if (!slot) break;
    auto it = receiver.relay_producers.find(slot->key);
    if (it != receiver.relay_producers.end()) {
      // Forwarding happens in the slot: the sender does not touch it until release().
      auto packet = rtp::RtpPacket::parse(MutableBytes(slot->data.data(), slot->size));
      if (packet) {
        Producer& producer = *it->second;
        int layer = slot->layer;
        if (layer < producer.stream_count() && producer.ssrc(layer) != packet->ssrc())
          producer.set_ssrc(packet->ssrc(), layer);
        producer.set_relayed_repair_need(slot->repair_need_ms == RelayRing::kNoRepairNeed
                                             ? std::nullopt
                                             : std::optional<Duration>(Duration{slot->repair_need_ms * 1000}));
        producer.forward(*packet, now);
      }
    }
    r.release();
  }
  worker.fanout_batch().close();
}

void RelayHub::register_relay(int worker, std::uint64_t key, Producer* producer) {
  PerWorker& w = *per_worker_[static_cast<std::size_t>(worker)];
  producer->set_fanout_batch(&workers_[static_cast<std::size_t>(worker)]->fanout_batch());
  if (w.relay_producers.emplace(key, producer).second) w.relays.add();
}

void RelayHub::unregister_relay(int worker, std::uint64_t key) {
  PerWorker& w = *per_worker_[static_cast<std::size_t>(worker)];
  if (w.relay_producers.erase(key)) w.relays.sub();
}

void RelayHub::request_keyframe(const std::string& conference, int origin, const std::string& track_id,
                                int layer) {
  Worker* worker = workers_[static_cast<std::size_t>(origin)];
  worker->loop().post([worker, conference, track_id, layer] {
    if (Router* router = worker->router(conference))
      if (Producer* producer = router->find_producer(track_id); producer && !producer->relayed())
        producer->request_keyframe(worker->loop().now(), layer);
  });
}

std::uint64_t RelayHub::packets() const {
  std::uint64_t total = 0;
  for (const auto& w : per_worker_) total += w->packets.get();
  return total;
}

std::uint64_t RelayHub::dropped() const {
  std::uint64_t total = 0;
  for (const auto& w : per_worker_) total += w->dropped.get();
  return total;
}

std::uint64_t RelayHub::relay_producers() const {
  std::uint64_t total = 0;
  for (const auto& w : per_worker_) total += w->relays.get();
  return total;
}

}  // namespace podium::sfu
