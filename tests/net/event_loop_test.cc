#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "net/udp_socket.h"

namespace podium::net {
namespace {

using namespace std::chrono_literals;

// Ends a test that would otherwise hang: fails and stops the loop after a generous time.
void add_watchdog(EventLoop& loop, Duration limit = std::chrono::seconds(10)) {
  loop.add_timer(limit, [&loop] {
    ADD_FAILURE() << "watchdog fired";
    loop.stop();
  });
}

TEST(EventLoopTest, PostFromAnotherThreadRunsOnLoopThreadInOrder) {
  EventLoop loop;
  std::promise<std::thread::id> loop_thread_id;
  std::thread loop_thread([&] {
    loop_thread_id.set_value(std::this_thread::get_id());
    loop.run();
  });
  auto loop_id = loop_thread_id.get_future().get();

  std::vector<int> order;  // touched only on the loop thread
  bool all_on_loop_thread = true;
  std::thread poster([&] {
    EXPECT_FALSE(loop.in_loop_thread());
    for (int i = 0; i < 1000; ++i) {
      loop.post([&, i] {
        all_on_loop_thread =
            all_on_loop_thread && loop.in_loop_thread() && std::this_thread::get_id() == loop_id;
        order.push_back(i);
      });
    }
    loop.post([&] { loop.stop(); });
  });
  poster.join();
  loop_thread.join();

  EXPECT_TRUE(all_on_loop_thread);
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[i], i);
}

TEST(EventLoopTest, TasksPostedBeforeRunRunWhenItStarts) {
  EventLoop loop;
  int ran = 0;
  loop.post([&] { ++ran; });
  loop.post([&] {
    ++ran;
    loop.stop();
  });
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(ran, 2);
}

TEST(EventLoopTest, StopFromAnotherThreadEndsRun) {
  EventLoop loop;
  auto finished = std::async(std::launch::async, [&] { loop.run(); });
  std::this_thread::sleep_for(20ms);  // let run() block in epoll_wait with nothing to do
  EXPECT_EQ(finished.wait_for(0ms), std::future_status::timeout);
  loop.stop();
  EXPECT_EQ(finished.wait_for(10s), std::future_status::ready);
}

TEST(EventLoopTest, StopBeforeRunReturnsAtOnceAndLoopCanRunAgain) {
  EventLoop loop;
  loop.stop();
  loop.run();  // returns immediately
  int fired = 0;
  loop.add_timer(1ms, [&] {
    ++fired;
    loop.stop();
  });
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(fired, 1);
}

TEST(EventLoopTest, TimersFireInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> order;
  auto start = loop.now();
  TimePoint third_fired_at;
  loop.add_timer(30ms, [&] {
    order.push_back(3);
    third_fired_at = loop.now();
  });
  loop.add_timer(10ms, [&] { order.push_back(1); });
  loop.add_timer(20ms, [&] { order.push_back(2); });
  // Same deadline: insertion order.
  loop.add_timer(0ms, [&] { order.push_back(10); });
  loop.add_timer(0ms, [&] { order.push_back(11); });
  loop.add_timer(40ms, [&] { loop.stop(); });
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{10, 11, 1, 2, 3}));
  // Never early; lateness is not asserted (shared machines).
  EXPECT_GE(third_fired_at - start, Duration(30ms));
}

TEST(EventLoopTest, CancelledTimersDoNotFire) {
  EventLoop loop;
  std::vector<std::string> fired;
  auto cancelled_before_run = loop.add_timer(5ms, [&] { fired.push_back("before"); });
  loop.cancel_timer(cancelled_before_run);
  auto cancelled_by_peer = loop.add_timer(20ms, [&] { fired.push_back("peer"); });
  loop.add_timer(5ms, [&] {
    fired.push_back("canceller");
    loop.cancel_timer(cancelled_by_peer);
  });
  loop.cancel_timer(9999);  // unknown id: no effect
  loop.add_timer(40ms, [&] { loop.stop(); });
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(fired, (std::vector<std::string>{"canceller"}));
}

TEST(EventLoopTest, PeriodicTimerRepeatsUntilCancelled) {
  EventLoop loop;
  int ticks = 0;
  TimerId periodic = 0;
  std::vector<TimePoint> tick_times;
  auto start = loop.now();
  periodic = loop.add_periodic(2ms, [&] {
    tick_times.push_back(loop.now());
    if (++ticks == 5) {
      loop.cancel_timer(periodic);  // cancels itself from its own callback
      loop.add_timer(30ms, [&] { loop.stop(); });
    }
  });
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(ticks, 5);
  // Each tick waits for its deadline: the fifth is due 10 ms after the start at the earliest.
  ASSERT_EQ(tick_times.size(), 5u);
  EXPECT_GE(tick_times[4] - start, Duration(10ms));
}

// Two repeating timers half an interval apart both miss ticks in a stall: afterwards each
// stays on its own grid (a load client's publishers keep their phases) instead of both
// restarting from the end of the stall together.
TEST(EventLoopTest, PeriodicTimersKeepTheirPhasesThroughAStall) {
  EventLoop loop;
  std::vector<TimePoint> a, b;
  loop.add_periodic(100ms, [&] { a.push_back(loop.now()); });          // due 100, 200, ...
  loop.add_timer(50ms, [&] {
    loop.add_periodic(100ms, [&] { b.push_back(loop.now()); });        // due 150, 250, ...
    loop.add_timer(10ms, [] { std::this_thread::sleep_for(250ms); });  // stalls to ~310
  });
  loop.add_timer(480ms, [&] { loop.stop(); });
  add_watchdog(loop);
  loop.run();
  // After the stall: A's overdue tick, then 400; B's overdue tick, then 350.
  ASSERT_GE(a.size(), 2u);
  ASSERT_GE(b.size(), 2u);
  const auto apart = a[1] - b[1];
  EXPECT_GE(apart, Duration(25ms)) << "the timers fell into step after the stall";
}

// Two clocks of one interval at phases of their own (a tenth and six tenths of it) take
// turns, tick after tick.
TEST(EventLoopTest, PeriodicTimerWithAFirstDelayKeepsItsPhase) {
  EventLoop loop;
  std::string order;
  loop.add_periodic(50ms, 30ms, [&] { order += 'b'; });
  loop.add_periodic(50ms, 5ms, [&] { order += 'a'; });
  loop.add_timer(240ms, [&] { loop.stop(); });  // a: 5 ... 205, b: 30 ... 230
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(order, "ababababab");
}

TEST(EventLoopTest, TimerCanArmAnotherFromItsCallback) {
  EventLoop loop;
  int chain = 0;
  std::function<void()> step = [&] {
    if (++chain < 10) {
      loop.add_timer(0ms, step);
    } else {
      loop.stop();
    }
  };
  loop.add_timer(0ms, step);
  add_watchdog(loop);
  loop.run();
  EXPECT_EQ(chain, 10);
}

class LoopWithSockets : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = UdpSocket::bind(*Endpoint::parse("127.0.0.1:0"));
    auto b = UdpSocket::bind(*Endpoint::parse("127.0.0.1:0"));
    ASSERT_TRUE(a) << a.error();
    ASSERT_TRUE(b) << b.error();
    sender_.emplace(std::move(a).value());
    receiver_.emplace(std::move(b).value());
  }

  EventLoop loop_;
  std::optional<UdpSocket> sender_;
  std::optional<UdpSocket> receiver_;
};

TEST_F(LoopWithSockets, WatchReadableDeliversDatagram) {
  std::string payload;
  Endpoint from;
  ASSERT_TRUE(loop_.watch_readable(receiver_->fd(), [&] {
    for (const Datagram& datagram : receiver_->receive_batch()) {
      payload.assign(as_string_view(datagram.data));
      from = datagram.from;
    }
    loop_.stop();
  }));
  add_watchdog(loop_);
  sender_->send(as_bytes("hello podium"), receiver_->local_endpoint());
  sender_->flush();
  loop_.run();
  EXPECT_EQ(payload, "hello podium");
  EXPECT_EQ(from, sender_->local_endpoint());
  loop_.unwatch(receiver_->fd());
}

TEST_F(LoopWithSockets, IterationEndFlushesSendsQueuedByTasks) {
  int received = 0;
  ASSERT_TRUE(loop_.watch_readable(receiver_->fd(), [&] {
    received += static_cast<int>(receiver_->receive_batch().size());
    if (received == 3) loop_.stop();
  }));
  loop_.on_iteration_end([&] { sender_->flush(); });
  loop_.post([&] {
    for (int i = 0; i < 3; ++i) sender_->send(as_bytes("x"), receiver_->local_endpoint());
    EXPECT_EQ(sender_->queued(), 3u);  // nothing sent until the iteration ends
  });
  add_watchdog(loop_);
  loop_.run();
  EXPECT_EQ(received, 3);
  EXPECT_EQ(sender_->queued(), 0u);
  EXPECT_EQ(sender_->counters().datagrams_sent, 3u);
}

TEST_F(LoopWithSockets, UnwatchFromCallbackStopsDelivery) {
  int calls = 0;
  // Never reads, so the fd stays readable: without unwatch this would be called forever.
  ASSERT_TRUE(loop_.watch_readable(receiver_->fd(), [&] {
    ++calls;
    loop_.unwatch(receiver_->fd());
    loop_.add_timer(20ms, [&] { loop_.stop(); });
  }));
  add_watchdog(loop_);
  sender_->send(as_bytes("ping"), receiver_->local_endpoint());
  sender_->flush();
  loop_.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(receiver_->receive_batch().size(), 1u);  // still there, just not watched
}

TEST_F(LoopWithSockets, WatchingAgainReplacesTheCallback) {
  int first = 0;
  int second = 0;
  ASSERT_TRUE(loop_.watch_readable(receiver_->fd(), [&] { ++first; }));
  ASSERT_TRUE(loop_.watch_readable(receiver_->fd(), [&] {
    ++second;
    receiver_->receive_batch();
    loop_.stop();
  }));
  add_watchdog(loop_);
  sender_->send(as_bytes("ping"), receiver_->local_endpoint());
  sender_->flush();
  loop_.run();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

// A polling loop (as the load client runs) never sleeps in epoll_wait, yet still
// delivers datagrams, fires timers in order and ends on stop() from another thread.
TEST_F(LoopWithSockets, PollingLoopDeliversDatagramsAndFiresTimers) {
  loop_.set_poll_interval(2ms);
  std::vector<std::string> events;
  ASSERT_TRUE(loop_.watch_readable(receiver_->fd(), [&] {
    for (const Datagram& datagram : receiver_->receive_batch())
      events.emplace_back(as_string_view(datagram.data));
    if (events.size() == 4) loop_.stop();
  }));
  loop_.on_iteration_end([&] { sender_->flush(); });
  loop_.add_timer(9ms, [&] { events.emplace_back("timer 9"); });
  loop_.add_timer(3ms, [&] { events.emplace_back("timer 3"); });
  loop_.add_timer(15ms, [&] { sender_->send(as_bytes("late"), receiver_->local_endpoint()); });
  loop_.post([&] { sender_->send(as_bytes("early"), receiver_->local_endpoint()); });
  add_watchdog(loop_);
  loop_.run();
  EXPECT_EQ(events, (std::vector<std::string>{"early", "timer 3", "timer 9", "late"}));
  loop_.unwatch(receiver_->fd());
}

TEST(EventLoopTest, StopFromAnotherThreadEndsPollingLoop) {
  EventLoop loop;
  loop.set_poll_interval(1ms);
  int ticks = 0;
  loop.add_periodic(1ms, [&] { ++ticks; });
  std::thread stopper([&] {
    std::this_thread::sleep_for(30ms);
    loop.stop();
  });
  loop.run();
  stopper.join();
  EXPECT_GT(ticks, 0);
}

TEST(EventLoopTest, WatchRejectsInvalidFd) {
  EventLoop loop;
  EXPECT_FALSE(loop.watch_readable(-1, [] {}));
  loop.unwatch(-1);  // unknown fd: no effect
}

}  // namespace
}  // namespace podium::net
