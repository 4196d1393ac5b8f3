// What one forwarded packet costs in pieces, and so the floor: parse, rewrite the
// header for the subscriber, SRTP (Podium's OpenSSL implementation against libsrtp2),
// the per-subscriber loop, and the send (sendmmsg batches on loopback UDP; an audio
// copy's datagram to many listeners).
//
//   build/bench/bench/forward_bench --benchmark_min_time=0.2
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "rtp/header_extensions.h"
#include "rtp/payload_descriptors.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtp_writer.h"
#include "srtp/srtp_session.h"
#include "tests/srtp/libsrtp_session.h"

namespace podium {
namespace {

using srtp::Profile;

constexpr std::size_t kBufferSize = 2048;

// A VP8 packet as a browser sends it: MID and transport-cc extensions, VP8 descriptor.
std::vector<std::uint8_t> make_packet(std::size_t payload_size, std::uint16_t seq = 1) {
  std::vector<std::uint8_t> packet(kBufferSize);
  rtp::RtpHeaderFields fields;
  fields.payload_type = 96;
  fields.sequence_number = seq;
  fields.timestamp = 90000;
  fields.ssrc = 0x1234;
  std::uint8_t mid[] = {'0'};
  std::uint8_t twcc[] = {0, 1};
  rtp::ExtensionElement ext[] = {{4, Bytes(mid, 1)}, {3, Bytes(twcc, 2)}};
  std::size_t header = rtp::write_rtp_header(packet.data(), packet.size(), fields, ext);
  std::memset(packet.data() + header, 0xab, payload_size);
  const std::uint8_t vp8[] = {0x90, 0x80, 0x12, 0x34};  // X, I: 15-bit picture id
  std::memcpy(packet.data() + header, vp8, std::min(payload_size, sizeof vp8));
  packet.resize(header + payload_size);
  return packet;
}

void BM_ParseRtp(benchmark::State& state) {
  auto packet = make_packet(1200);
  for (auto _ : state) {
    auto view = rtp::RtpPacket::parse(MutableBytes(packet.data(), packet.size()));
    benchmark::DoNotOptimize(view->extension(4));
  }
}
BENCHMARK(BM_ParseRtp);

void BM_RewriteHeader(benchmark::State& state) {
  auto packet = make_packet(1200);
  std::array<std::uint8_t, kBufferSize> out;
  auto view = *rtp::RtpPacket::parse(MutableBytes(packet.data(), packet.size()));
  std::uint8_t mid[] = {'3'};
  std::uint8_t send_time[] = {1, 2, 3};
  rtp::ExtensionElement ext[] = {{3, Bytes(mid, 1)}, {2, Bytes(send_time, 3)}};
  std::uint16_t seq = 0;
  for (auto _ : state) {
    rtp::RtpHeaderFields fields;
    fields.payload_type = 96;
    fields.sequence_number = seq++;
    fields.timestamp = view.timestamp() + 1000;
    fields.ssrc = 0x5678;
    std::size_t header = rtp::write_rtp_header(out.data(), out.size(), fields, ext);
    std::memcpy(out.data() + header, view.payload().data(), view.payload_size());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RewriteHeader);

// --- SRTP: Podium (OpenSSL EVP) against libsrtp2 (Debian's build, on NSS) ---

struct Podium {
  using Session = srtp::SrtpSession;
  static constexpr const char* kName = "podium";
};
struct Libsrtp {
  using Session = srtp::reference::LibsrtpSession;
  static constexpr const char* kName = "libsrtp";
};

Profile profile_arg(std::int64_t value) {
  switch (value) {
    case 0:
      return Profile::kAeadAes128Gcm;
    case 1:
      return Profile::kAes128CmSha1_80;
    case 2:
      return Profile::kAes128CmSha1_32;
    default:
      return Profile::kAeadAes256Gcm;
  }
}

template <typename Impl>
typename Impl::Session make_session(Profile profile, srtp::Direction direction) {
  std::vector<std::uint8_t> key(srtp::master_key_length(profile), 7);
  std::vector<std::uint8_t> salt(srtp::master_salt_length(profile), 9);
  return std::move(*Impl::Session::create(profile, key, salt, direction));
}

template <typename Impl>
void label(benchmark::State& state, Profile profile) {
  state.SetLabel(std::string(Impl::kName) + " " + std::string(srtp::to_string(profile)));
}

template <typename Impl>
void BM_Protect(benchmark::State& state) {
  srtp::initialize();
  const Profile profile = profile_arg(state.range(0));
  auto session = make_session<Impl>(profile, srtp::Direction::kOutbound);
  auto packet = make_packet(static_cast<std::size_t>(state.range(1)));
  std::array<std::uint8_t, kBufferSize> buffer;
  std::uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(buffer.data(), packet.data(), packet.size());
    store_u16(buffer.data() + 2, seq++);
    benchmark::DoNotOptimize(session.protect_rtp(buffer.data(), packet.size(), buffer.size()));
  }
  label<Impl>(state, profile);
}

// Each iteration unprotects a packet not seen before: a pool of protected packets (small
// enough to stay in cache), and a new receiver, untimed, each time the pool is used up.
template <typename Impl>
void BM_Unprotect(benchmark::State& state) {
  srtp::initialize();
  const Profile profile = profile_arg(state.range(0));
  auto sender = make_session<Podium>(profile, srtp::Direction::kOutbound);
  constexpr std::size_t kPool = 128;
  std::vector<std::vector<std::uint8_t>> pool;
  for (std::size_t i = 0; i < kPool; ++i) {
    auto packet =
        make_packet(static_cast<std::size_t>(state.range(1)), static_cast<std::uint16_t>(i));
    const std::size_t length = packet.size();
    packet.resize(length + srtp::kMaxRtcpTrailerLength);
    packet.resize(*sender.protect_rtp(packet.data(), length, packet.size()));
    pool.push_back(std::move(packet));
  }
  auto receiver = std::make_unique<typename Impl::Session>(
      make_session<Impl>(profile, srtp::Direction::kInbound));
  std::array<std::uint8_t, kBufferSize> buffer;
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == kPool) {
      state.PauseTiming();
      receiver = std::make_unique<typename Impl::Session>(
          make_session<Impl>(profile, srtp::Direction::kInbound));
      next = 0;
      state.ResumeTiming();
    }
    const auto& packet = pool[next++];
    std::memcpy(buffer.data(), packet.data(), packet.size());
    if (!receiver->unprotect_rtp(buffer.data(), packet.size())) {
      state.SkipWithError("unprotect failed");
      break;
    }
  }
  label<Impl>(state, profile);
}

// Args: profile (0 GCM-128, 1 CM-80, 2 CM-32, 3 GCM-256), payload bytes.
void srtp_args(benchmark::internal::Benchmark* b) {
  for (int size : {1200, 100}) {
    for (int profile : {0, 1, 2, 3}) b->Args({profile, size});
  }
}
BENCHMARK_TEMPLATE(BM_Protect, Podium)->Apply(srtp_args);
BENCHMARK_TEMPLATE(BM_Protect, Libsrtp)->Apply(srtp_args);
BENCHMARK_TEMPLATE(BM_Unprotect, Podium)->Apply(srtp_args);
BENCHMARK_TEMPLATE(BM_Unprotect, Libsrtp)->Apply(srtp_args);

// --- The forward loop: one received packet to N subscribers, without sockets ---
//
// What Consumer::forward and Consumer::send do per subscriber, on the same pieces: the
// subscriber's own SSRC, sequence, timestamp and extension ids (MID, abs-send-time,
// transport-cc), the payload copied into the send slot, the VP8 picture id rewritten,
// and SRTP with the subscriber's own session. The received packet is parsed once.
// Reported per forwarded packet (items); the send itself is BM_Sendmmsg.
void BM_ForwardLoop(benchmark::State& state) {
  srtp::initialize();
  const auto subscribers = static_cast<std::size_t>(state.range(0));
  const Profile profile = profile_arg(state.range(1));
  // Producer::forward's prefetch: each subscriber's SRTP state a few subscribers ahead
  // (with hundreds of subscribers it has left the cache since the previous packet).
  const bool prefetch = state.range(2) != 0;
  // What the kernel does between two subscribers in the server: each sent datagram is
  // copied into a fresh socket buffer, and on loopback delivered to the receiver. Writing
  // 2 KiB per subscriber over an 8 MiB ring stands in for it, so the subscribers' state
  // leaves the cache between packets as it does there (range 3: 1 = on).
  const bool pollute = state.range(3) != 0;
  std::vector<std::uint8_t> ring(pollute ? 8u << 20 : 0);
  std::size_t ring_at = 0;
  struct Subscriber {
    srtp::SrtpSession session;
    std::uint32_t ssrc;
    std::uint16_t sequence_offset;
    std::uint32_t timestamp_offset;
    std::uint16_t transport_sequence = 0;
    std::uint16_t picture_offset;
  };
  std::vector<Subscriber> subs;
  for (std::size_t i = 0; i < subscribers; ++i) {
    subs.push_back({make_session<Podium>(profile, srtp::Direction::kOutbound),
                    static_cast<std::uint32_t>(0x10000 + i), static_cast<std::uint16_t>(i * 7),
                    static_cast<std::uint32_t>(i * 1000), 0, static_cast<std::uint16_t>(i)});
  }
  // A send queue like UdpSocket's: one slot per datagram of a burst.
  constexpr std::size_t kSlots = 64;
  std::vector<std::array<std::uint8_t, kBufferSize>> slots(kSlots);
  std::size_t slot = 0;
  auto received = make_packet(1100);
  std::uint16_t seq = 0;
  for (auto _ : state) {
    store_u16(received.data() + 2, seq++);
    auto packet = *rtp::RtpPacket::parse(MutableBytes(received.data(), received.size()));
    const Bytes payload = packet.payload();
    auto vp8 = rtp::parse_vp8_descriptor(payload);
    for (std::size_t i = 0; i < subs.size(); ++i) {
      if (prefetch) {
        if (i + 4 < subs.size()) subs[i + 4].session.prefetch(0);
        if (i + 2 < subs.size()) subs[i + 2].session.prefetch(1);
      }
      auto& sub = subs[i];
      std::uint8_t mid[] = {'1'};
      std::uint8_t send_time[] = {1, 2, 3};
      std::uint8_t transport_sequence[2];
      store_u16(transport_sequence, sub.transport_sequence++);
      rtp::ExtensionElement ext[] = {
          {1, Bytes(mid, 1)}, {2, Bytes(send_time, 3)}, {3, Bytes(transport_sequence, 2)}};
      rtp::RtpHeaderFields fields;
      fields.marker = packet.marker();
      fields.payload_type = 96;
      fields.sequence_number =
          static_cast<std::uint16_t>(packet.sequence_number() + sub.sequence_offset);
      fields.timestamp = packet.timestamp() + sub.timestamp_offset;
      fields.ssrc = sub.ssrc;
      auto& out = slots[slot];
      slot = (slot + 1) % kSlots;
      const std::size_t header = rtp::write_rtp_header(out.data(), out.size(), fields, ext);
      std::memcpy(out.data() + header, payload.data(), payload.size());
      if (vp8 && vp8->picture_id) {  // 15-bit picture id at payload bytes 2-3
        store_u16(out.data() + header + 2,
                  static_cast<std::uint16_t>(0x8000 |
                                             ((*vp8->picture_id + sub.picture_offset) & 0x7fff)));
      }
      benchmark::DoNotOptimize(
          sub.session.protect_rtp(out.data(), header + payload.size(), out.size()));
      if (pollute) {
        std::memcpy(ring.data() + ring_at, out.data(), 2048);
        ring_at = (ring_at + 2048) % ring.size();
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * subscribers));
  state.counters["per_packet"] = benchmark::Counter(
      static_cast<double>(subscribers),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.SetLabel(std::string(srtp::to_string(profile)));
}
// Args: subscribers, profile, prefetch, pollute (see above).
BENCHMARK(BM_ForwardLoop)
    ->Args({1, 0, 0, 0})
    ->Args({10, 0, 0, 0})
    ->Args({100, 0, 0, 0})
    ->Args({10, 1, 0, 0})
    ->Args({1000, 0, 0, 0})
    ->Args({1000, 0, 1, 0})
    ->Args({400, 0, 0, 1})
    ->Args({400, 0, 1, 1})
    ->Args({1000, 0, 0, 1})
    ->Args({1000, 0, 1, 1});

// --- The send: sendmmsg of B datagrams of 1,200 bytes to a loopback UDP socket ---
//
// A thread on the other core drains the receiver, so the kernel delivers every datagram
// (a full receive queue would make it drop them early and cheaply). Timed is the sending
// thread's CPU. The second argument S > 1 sends each message as S datagrams of one UDP
// GSO super-packet (UDP_SEGMENT): B messages, B x S datagrams per call.
void BM_Sendmmsg(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const auto segments = static_cast<std::size_t>(state.range(1));
  const int receiver = socket(AF_INET, SOCK_DGRAM, 0);
  const int sender = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t address_length = sizeof address;
  int buffer_size = 8 << 20;
  setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
  if (receiver < 0 || sender < 0 ||
      bind(receiver, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(receiver, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) {
    state.SkipWithError("no loopback UDP socket");
    return;
  }
  timeval timeout{0, 100'000};
  setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> drained{0};
  std::thread drain([&] {
    constexpr int kBatch = 64;
    std::vector<std::array<std::uint8_t, kBufferSize>> buffers(kBatch);
    std::array<iovec, kBatch> iov;
    std::array<mmsghdr, kBatch> messages{};
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {buffers[i].data(), buffers[i].size()};
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    while (!stop.load(std::memory_order_relaxed)) {
      int n = recvmmsg(receiver, messages.data(), kBatch, 0, nullptr);
      if (n > 0) drained += static_cast<std::uint64_t>(n);
    }
  });

  std::vector<std::uint8_t> datagrams(batch * segments * 1200, 0x42);
  std::vector<iovec> iov(batch);
  std::vector<mmsghdr> messages(batch);
  union Control {
    cmsghdr header;
    char bytes[CMSG_SPACE(sizeof(std::uint16_t))];
  };
  std::vector<Control> controls(batch);
  for (std::size_t i = 0; i < batch; ++i) {
    iov[i] = {datagrams.data() + i * segments * 1200, segments * 1200};
    messages[i] = {};
    messages[i].msg_hdr.msg_name = &address;
    messages[i].msg_hdr.msg_namelen = sizeof address;
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    if (segments > 1) {
      messages[i].msg_hdr.msg_control = controls[i].bytes;
      messages[i].msg_hdr.msg_controllen = sizeof controls[i].bytes;
      cmsghdr* c = CMSG_FIRSTHDR(&messages[i].msg_hdr);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const std::uint16_t size = 1200;
      std::memcpy(CMSG_DATA(c), &size, sizeof size);
    }
  }
  std::uint64_t sent = 0;
  for (auto _ : state) {
    std::size_t done = 0;
    while (done < batch) {
      int n = sendmmsg(sender, messages.data() + done, static_cast<unsigned>(batch - done), 0);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    sent += done * segments;
  }
  stop = true;
  drain.join();
  close(sender);
  close(receiver);
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
  state.counters["per_datagram"] =
      benchmark::Counter(static_cast<double>(batch * segments), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.counters["delivered"] =
      sent == 0 ? 0.0 : static_cast<double>(drained.load()) / static_cast<double>(sent);
}
BENCHMARK(BM_Sendmmsg)
    ->ArgNames({"batch", "segments"})
    ->Args({1, 1})
    ->Args({8, 1})
    ->Args({32, 1})
    ->Args({64, 1})
    ->Args({1, 2})
    ->Args({16, 2})
    ->Args({1, 6})
    ->Args({8, 6})
    ->Args({32, 6});

// --- An audio copy's send: 120-byte datagrams to R listeners, each its own socket ---
//
// An audio packet fans out as one datagram per listener, so nothing amortises the
// kernel's per-datagram work; this is the floor of an audio copy over loopback (with
// the receivers' side, which loopback runs in the sender's context). Mode 0 is Podium's
// send: one unconnected socket, sendmmsg batches of 32 addressed datagrams, each routed.
// Mode 1 is a connected socket per listener and one send() each: no route lookup and no
// address to copy, but one system call per datagram. A thread on the other core drains
// the listeners' sockets.
void BM_SendToMany(benchmark::State& state) {
  const auto receivers = static_cast<std::size_t>(state.range(0));
  const bool connected = state.range(1) != 0;
  constexpr std::size_t kDatagram = 120;
  constexpr std::size_t kBatch = 32;
  std::vector<int> sockets(receivers, -1);
  std::vector<sockaddr_in> addresses(receivers);
  for (std::size_t i = 0; i < receivers; ++i) {
    sockets[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    addresses[i] = {};
    addresses[i].sin_family = AF_INET;
    addresses[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addresses[i];
    if (sockets[i] < 0 ||
        bind(sockets[i], reinterpret_cast<sockaddr*>(&addresses[i]), sizeof addresses[i]) != 0 ||
        getsockname(sockets[i], reinterpret_cast<sockaddr*>(&addresses[i]), &length) != 0) {
      state.SkipWithError("no loopback UDP socket");
      return;
    }
  }
  std::vector<int> senders;
  if (connected) {
    for (const auto& address : addresses) {
      const int fd = socket(AF_INET, SOCK_DGRAM, 0);
      if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        state.SkipWithError("no connected UDP socket");
        return;
      }
      senders.push_back(fd);
    }
  } else {
    senders.push_back(socket(AF_INET, SOCK_DGRAM, 0));
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> drained{0};
  std::thread drain([&] {
    std::array<std::uint8_t, kBufferSize> buffer;
    std::uint64_t count = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      for (const int fd : sockets) {
        while (recv(fd, buffer.data(), buffer.size(), 0) > 0) ++count;
      }
    }
    drained = count;
  });

  std::vector<std::uint8_t> datagram(kDatagram, 0x42);
  std::array<iovec, kBatch> iov;
  std::array<mmsghdr, kBatch> messages{};
  std::size_t next = 0;
  std::uint64_t sent = 0;
  for (auto _ : state) {
    if (connected) {
      for (std::size_t j = 0; j < kBatch; ++j) {
        if (send(senders[(next + j) % receivers], datagram.data(), kDatagram, 0) > 0) ++sent;
      }
    } else {
      for (std::size_t j = 0; j < kBatch; ++j) {
        iov[j] = {datagram.data(), kDatagram};
        messages[j] = {};
        messages[j].msg_hdr.msg_name = &addresses[(next + j) % receivers];
        messages[j].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        messages[j].msg_hdr.msg_iov = &iov[j];
        messages[j].msg_hdr.msg_iovlen = 1;
      }
      const int n = sendmmsg(senders[0], messages.data(), kBatch, 0);
      if (n > 0) sent += static_cast<std::uint64_t>(n);
    }
    next = (next + kBatch) % receivers;
  }
  stop = true;
  drain.join();
  for (const int fd : senders) close(fd);
  for (const int fd : sockets) close(fd);
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
  state.counters["per_datagram"] =
      benchmark::Counter(static_cast<double>(kBatch), benchmark::Counter::kIsIterationInvariantRate |
                                                    benchmark::Counter::kInvert);
  state.counters["delivered"] =
      sent == 0 ? 0.0 : static_cast<double>(drained.load()) / static_cast<double>(sent);
}
BENCHMARK(BM_SendToMany)->ArgNames({"listeners", "connected"})->Args({200, 0})->Args({200, 1});

}  // namespace
}  // namespace podium

BENCHMARK_MAIN();
