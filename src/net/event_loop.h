// One event loop per worker thread: epoll for fds, a timer heap, and a task queue that
// other threads post into. Everything but post(), stop() and in_loop_thread() must be
// called on the loop thread (or before run() starts).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "util/clock.h"

namespace podium::net {

using TimerId = std::uint64_t;

class EventLoop {
 public:
  // Throws std::system_error if the kernel refuses an epoll fd or an eventfd (start-up only).
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Blocks until stop(). The calling thread becomes the loop thread. May be called again
  // after it returns.
  void run();
  // Thread-safe; run() returns after the current iteration. A stop() before run() makes
  // the next run() return at once.
  void stop();

  // Thread-safe. Tasks run on the loop thread in the order they were posted.
  void post(std::function<void()> task);

  // One-shot and repeating timers, ~1 ms precision. Timers due at the same time fire in
  // the order they were added. A repeating timer stays on its grid (first deadline plus
  // whole intervals); ticks missed during a stall are skipped, not fired in a burst.
  // Cancelling an unknown or fired timer does nothing; a timer may cancel itself from its
  // own callback.
  TimerId add_timer(Duration delay, std::function<void()> callback);
  TimerId add_periodic(Duration interval, std::function<void()> callback);
  // The first tick after `first` instead of one interval, then every interval from there:
  // clocks that share an interval at phases of their own.
  TimerId add_periodic(Duration interval, Duration first, std::function<void()> callback);
  void cancel_timer(TimerId id);

  // Level-triggered: on_readable runs on every iteration while fd has data, so a reader
  // may stop after one batch and let other fds have their turn. Watching a watched fd
  // replaces its callback. Returns false if epoll refuses the fd. The callback may
  // unwatch its own fd.
  bool watch_readable(int fd, std::function<void()> on_readable);
  void unwatch(int fd);

  // Runs after each iteration's events, tasks and timers: the place to flush batched
  // sends (UdpSocket::flush) so a burst leaves in one sendmmsg.
  void on_iteration_end(std::function<void()> callback);

  // Zero (the default): an idle loop sleeps in epoll_wait. Otherwise it polls epoll
  // without blocking and, when nothing is ready, sleeps up to `interval` (never past the
  // next timer). For a load client on the machine of the server it measures: a thread
  // asleep in epoll_wait is woken by the kernel for the datagrams that arrive, and over
  // loopback that wake-up runs on, and is paid by, the sending server's CPU. Posted tasks
  // and stop() may then wait up to `interval`.
  void set_poll_interval(Duration interval) { poll_interval_ = interval; }

  TimePoint now() const { return clock_.now(); }
  bool in_loop_thread() const { return loop_thread_.load() == std::this_thread::get_id(); }

 private:
  struct Watch {
    std::function<void()> on_readable;
    bool active = true;
  };
  struct Timer {
    std::function<void()> callback;
    Duration interval{0};  // zero: one-shot
  };
  struct Deadline {
    TimePoint when;
    TimerId id;  // ids grow, so equal deadlines fire in insertion order
    bool operator>(const Deadline& other) const {
      return when != other.when ? when > other.when : id > other.id;
    }
  };

  TimerId schedule(Duration delay, Duration interval, std::function<void()> callback);
  int poll_timeout_ms();
  void sleep_until_next_poll();
  void run_due_timers();
  void run_posted_tasks();
  void wake();

  SteadyClock clock_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: post() and stop() poke it to end epoll_wait
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::thread::id> loop_thread_;
  Duration poll_interval_{0};

  std::mutex tasks_mutex_;
  std::vector<std::function<void()>> tasks_;          // guarded by tasks_mutex_
  std::vector<std::function<void()>> running_tasks_;  // loop thread only; reused

  TimerId next_timer_id_ = 1;
  std::unordered_map<TimerId, Timer> timers_;
  // Lazy deletion: a cancelled timer's deadline stays in the heap and is skipped.
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;

  std::unordered_map<int, std::unique_ptr<Watch>> watches_;
  // Unwatched during dispatch: kept alive until the iteration ends, because epoll may
  // still hold an event pointing at them in the current batch.
  std::vector<std::unique_ptr<Watch>> retired_watches_;

  // A deque, so a callback that registers another does not move the one running.
  std::deque<std::function<void()>> iteration_end_;
};

}  // namespace podium::net
