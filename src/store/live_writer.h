// Group commit for live conferences (docs/store.md): the control thread submits each
// input's writes (its timeline events and its live log entry) and goes on deciding; one
// writer thread stores everything that was submitted while its previous commit ran in
// one transaction, in submission order. A durable commit costs about the same for one
// input as for a hundred, so commands per second no longer stop at one commit each.
//
// Each submission gets a ticket (1, 2, 3, ...). After every commit the writer calls
// `committed` on its own thread with the highest ticket now stored; the caller holds
// back whatever acknowledges an input until its ticket is reported.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace podium::store {

class LiveWriter {
 public:
  // through: every ticket up to it is settled. failed: conferences whose writes in that
  // commit were not stored (the commit failed); the caller stores them another way.
  using Committed = std::function<void(std::uint64_t through, std::vector<std::string> failed)>;

  // connection: the writer's own (open_another()); used only by the writer thread.
  LiveWriter(std::unique_ptr<Store> connection, Committed committed);
  // Stores what is still queued, then stops the thread.
  ~LiveWriter();
  LiveWriter(const LiveWriter&) = delete;
  LiveWriter& operator=(const LiveWriter&) = delete;

  // Queues the write and returns its ticket. Never blocks on the database.
  std::uint64_t submit(LiveWrite write);
  // Waits until every write submitted so far is committed (or failed).
  void flush();

  // Commits so far and writes they carried (to report the batching).
  std::uint64_t commits() const;
  std::uint64_t writes() const;

 private:
  void run();

  std::unique_ptr<Store> connection_;
  Committed committed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;     // a write was queued, or stop
  std::condition_variable settled_;  // a commit finished
  std::deque<LiveWrite> queue_;
  std::uint64_t submitted_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t commits_ = 0;
  std::uint64_t writes_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace podium::store
