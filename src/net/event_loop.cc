#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <system_error>

#include "util/log.h"

namespace podium::net {

namespace {

constexpr int kMaxEventsPerWait = 64;

}  // namespace

EventLoop::EventLoop() : loop_thread_(std::this_thread::get_id()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    int error = errno;
    close(epoll_fd_);
    throw std::system_error(error, std::generic_category(), "eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;  // marks the wake fd; watched fds carry their Watch*
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
    int error = errno;
    close(wake_fd_);
    close(epoll_fd_);
    throw std::system_error(error, std::generic_category(), "epoll_ctl(eventfd)");
  }
}

EventLoop::~EventLoop() {
  close(wake_fd_);
  close(epoll_fd_);
}

void EventLoop::run() {
  loop_thread_.store(std::this_thread::get_id());
  epoll_event events[kMaxEventsPerWait];
  while (!stop_requested_.load(std::memory_order_acquire)) {
    const int timeout_ms = poll_timeout_ms();
    const bool polling = poll_interval_ > Duration{0};
    int count = epoll_wait(epoll_fd_, events, kMaxEventsPerWait, polling ? 0 : timeout_ms);
    if (polling && count == 0 && timeout_ms != 0) {
      sleep_until_next_poll();
      continue;
    }
    if (count < 0) {
      if (errno == EINTR) continue;
      log::error("net", "epoll_wait failed: errno {}", errno);
      break;
    }
    for (int i = 0; i < count; ++i) {
      auto* watch = static_cast<Watch*>(events[i].data.ptr);
      if (watch == nullptr) {
        run_posted_tasks();
      } else if (watch->active) {
        watch->on_readable();
      }
    }
    run_due_timers();
    for (std::size_t i = 0; i < iteration_end_.size(); ++i) iteration_end_[i]();
    retired_watches_.clear();
  }
  stop_requested_.store(false, std::memory_order_release);
}

void EventLoop::stop() {
  stop_requested_.store(true, std::memory_order_release);
  wake();
}

void EventLoop::post(std::function<void()> task) {
  bool was_empty;
  {
    std::lock_guard lock(tasks_mutex_);
    was_empty = tasks_.empty();
    tasks_.push_back(std::move(task));
  }
  // A non-empty queue already has a wake-up pending: the loop drains the eventfd before it
  // takes the queue, so whatever is in the queue then is taken with it.
  if (was_empty) wake();
}

void EventLoop::wake() {
  std::uint64_t one = 1;
  // EAGAIN means the counter is saturated, i.e. a wake-up is pending anyway.
  [[maybe_unused]] auto written = write(wake_fd_, &one, sizeof(one));
}

void EventLoop::run_posted_tasks() {
  std::uint64_t counter;
  [[maybe_unused]] auto read_bytes = read(wake_fd_, &counter, sizeof(counter));
  {
    std::lock_guard lock(tasks_mutex_);
    running_tasks_.swap(tasks_);
  }
  // Tasks posted while these run go to tasks_ and wake the next iteration.
  for (auto& task : running_tasks_) task();
  running_tasks_.clear();
}

TimerId EventLoop::add_timer(Duration delay, std::function<void()> callback) {
  return schedule(delay, Duration{0}, std::move(callback));
}

TimerId EventLoop::add_periodic(Duration interval, std::function<void()> callback) {
  return add_periodic(interval, interval, std::move(callback));
}

TimerId EventLoop::add_periodic(Duration interval, Duration first, std::function<void()> callback) {
  // A zero interval would fire on every iteration forever; one tick is the floor.
  if (interval <= Duration{0}) interval = Duration{1};
  return schedule(first, interval, std::move(callback));
}

TimerId EventLoop::schedule(Duration delay, Duration interval, std::function<void()> callback) {
  if (delay < Duration{0}) delay = Duration{0};
  TimerId id = next_timer_id_++;
  timers_.emplace(id, Timer{std::move(callback), interval});
  deadlines_.push({now() + delay, id});
  return id;
}

void EventLoop::cancel_timer(TimerId id) { timers_.erase(id); }

int EventLoop::poll_timeout_ms() {
  while (!deadlines_.empty() && !timers_.contains(deadlines_.top().id)) deadlines_.pop();
  if (deadlines_.empty()) return -1;
  auto remaining = deadlines_.top().when - now();
  if (remaining <= Duration{0}) return 0;
  // Round up: waking a little late is fine, waking early would spin until the deadline.
  auto ms = (remaining.count() + 999) / 1000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

void EventLoop::sleep_until_next_poll() {
  Duration sleep = poll_interval_;
  if (!deadlines_.empty()) sleep = std::min(sleep, deadlines_.top().when - now());
  if (sleep <= Duration{0}) return;
  timespec ts{};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(sleep).count();
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  nanosleep(&ts, nullptr);  // EINTR: the loop polls again early, which is harmless
}

void EventLoop::run_due_timers() {
  const TimePoint start = now();
  // Timers added by callbacks in this pass wait for the next one, so a callback that
  // re-arms itself with zero delay cannot keep this loop from returning.
  const TimerId first_new_id = next_timer_id_;
  while (!deadlines_.empty() && deadlines_.top().when <= start) {
    Deadline due = deadlines_.top();
    if (due.id >= first_new_id) break;
    deadlines_.pop();
    auto it = timers_.find(due.id);
    if (it == timers_.end()) continue;  // cancelled
    // The callback leaves the map while it runs, so cancel_timer() from inside it is safe.
    auto callback = std::move(it->second.callback);
    Duration interval = it->second.interval;
    if (interval == Duration{0}) {
      timers_.erase(it);
      callback();
      continue;
    }
    callback();
    auto again = timers_.find(due.id);
    if (again == timers_.end()) continue;  // cancelled itself
    again->second.callback = std::move(callback);
    // Keep the cadence, but after a stall skip the missed ticks rather than firing a burst,
    // and stay on the timer's own grid: timers started at different phases of one interval
    // keep them through the stall instead of all restarting from `start` together.
    TimePoint next = due.when + interval;
    if (next <= start) next += interval * ((start - next) / interval + 1);
    deadlines_.push({next, due.id});
  }
}

bool EventLoop::watch_readable(int fd, std::function<void()> on_readable) {
  auto watch = std::make_unique<Watch>();
  watch->on_readable = std::move(on_readable);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = watch.get();
  auto existing = watches_.find(fd);
  if (existing != watches_.end()) {
    // MOD fails with ENOENT if the fd was closed (and reused) without unwatch().
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0 &&
        (errno != ENOENT || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0)) {
      return false;
    }
    existing->second->active = false;
    retired_watches_.push_back(std::move(existing->second));
    existing->second = std::move(watch);
    return true;
  }
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    log::warn("net", "cannot watch fd {}: errno {}", fd, errno);
    return false;
  }
  watches_.emplace(fd, std::move(watch));
  return true;
}

void EventLoop::unwatch(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  // EBADF/ENOENT here just mean the fd was closed first, which removed it from epoll.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  it->second->active = false;
  retired_watches_.push_back(std::move(it->second));
  watches_.erase(it);
}

void EventLoop::on_iteration_end(std::function<void()> callback) {
  iteration_end_.push_back(std::move(callback));
}

}  // namespace podium::net
