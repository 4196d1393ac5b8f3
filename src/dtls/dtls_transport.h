// DTLS 1.2 (RFC 6347) with the use_srtp extension (RFC 5764), driven over memory: the
// owner feeds received datagrams and the current time in, and takes the datagrams to
// send out. No sockets, no threads, no clock reads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dtls/certificate.h"
#include "dtls/srtp_key_material.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::dtls {

class DtlsTransport {
 public:
  // RFC 5763 §5: the "a=setup" answer decides who is client and who is server.
  enum class Role { kServer, kClient };
  enum class State { kNew, kConnecting, kConnected, kFailed, kClosed };

  // Datagrams are limited to this many bytes so a record never needs IP fragmentation.
  static constexpr std::size_t kMtu = 1200;

  // The certificate's key and X.509 are shared (reference counted), so the Certificate
  // object need not outlive the transport.
  DtlsTransport(const Certificate& certificate, Role role);
  // With only these SRTP protection profiles in the use_srtp extension (RFC 5764
  // §4.1.1), in order of preference; a server picks the first of its list the client
  // offered. Empty fails the transport.
  DtlsTransport(const Certificate& certificate, Role role, const std::vector<SrtpProfile>& srtp_profiles);
  DtlsTransport(DtlsTransport&&) noexcept;
  DtlsTransport& operator=(DtlsTransport&&) noexcept;
  ~DtlsTransport();

  // The peer's "a=fingerprint" (RFC 8122 §5). May come before or after the handshake
  // finishes; a mismatch fails the transport.
  void set_remote_fingerprint(std::string algorithm, std::string value);

  // The client sends its ClientHello; the server waits for one. A server that receives a
  // datagram before start() starts implicitly.
  void start(TimePoint now);
  void handle_datagram(Bytes datagram, TimePoint now);

  // RFC 6347 §4.2.4 retransmission: call handle_timeout() once next_timeout() has passed.
  void handle_timeout(TimePoint now);
  std::optional<TimePoint> next_timeout() const;

  // Each entry is one datagram (one DTLS record write), at most kMtu bytes.
  std::vector<std::vector<std::uint8_t>> take_outgoing();

  // Sends close_notify (RFC 5246 §7.2.1) and moves to kClosed.
  void close();

  Role role() const;
  State state() const;
  const std::string& failure_reason() const;
  // Set once kConnected.
  std::optional<SrtpKeyMaterial> srtp_keys() const;
  // Datagrams rejected before reaching OpenSSL (too short, not a DTLS record).
  std::uint64_t dropped_datagrams() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

const char* to_string(DtlsTransport::State state);

}  // namespace podium::dtls
