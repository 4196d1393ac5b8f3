#include "store/live_writer.h"

#include <utility>

namespace podium::store {

LiveWriter::LiveWriter(std::unique_ptr<Store> connection, Committed committed)
    : connection_(std::move(connection)), committed_(std::move(committed)) {
  thread_ = std::thread([this] { run(); });
}

LiveWriter::~LiveWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::uint64_t LiveWriter::submit(LiveWrite write) {
  std::uint64_t ticket;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(write));
    ticket = ++submitted_;
  }
  wake_.notify_one();
  return ticket;
}

void LiveWriter::flush() {
  std::unique_lock lock(mutex_);
  settled_.wait(lock, [&] { return done_ >= submitted_; });
}

std::uint64_t LiveWriter::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

std::uint64_t LiveWriter::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

void LiveWriter::run() {
  for (;;) {
    std::vector<LiveWrite> batch;
    std::uint64_t through = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is stored
      // Everything that arrived while the previous commit ran: one transaction.
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      through = submitted_;
    }
    auto stored = connection_->write_live(batch);
    std::vector<std::string> failed;
    if (!stored) {
      for (const auto& write : batch) failed.push_back(write.conference);
    }
    {
      std::lock_guard lock(mutex_);
      done_ = through;
      ++commits_;
      writes_ += batch.size();
    }
    settled_.notify_all();
    if (committed_) committed_(through, std::move(failed));
  }
}

}  // namespace podium::store
