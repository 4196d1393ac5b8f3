// The ICE-lite agent of one transport (RFC 8445 §2.5), always in the controlled role: it
// answers connectivity checks, learns the nominated tuple and tracks consent freshness
// (RFC 7675). It never sends checks of its own and does no I/O: a datagram and the
// address it came from go in, the bytes to send back come out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ice/transport_address.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::ice {

class IceLiteServer {
 public:
  struct Outcome {
    bool valid = false;                  // an authenticated check or a keepalive indication
    std::vector<std::uint8_t> response;  // to send back to `from`; empty = send nothing
    bool use_candidate = false;          // the check nominated `from` (RFC 8445 §7.3.1.5)
    std::string reason;                  // why it was not valid
  };

  // RFC 7675 §5.1: consent expires 30 s after the last authenticated check.
  static constexpr Duration kConsentTimeout = std::chrono::seconds(30);

  // `tie_breaker` is our ICE-CONTROLLED value for role conflicts (RFC 8445 §7.3.1.1);
  // when absent a random one is drawn.
  IceLiteServer(std::string local_ufrag, std::string local_password,
                std::optional<std::uint64_t> tie_breaker = std::nullopt);

  // RFC 8445 §5.3 / RFC 8839 §5.4: ice-chars are ALPHA / DIGIT / "+" / "/".
  // 16 characters (96 bits) of ufrag and 32 of password, above the 24/128-bit minimums.
  // Throw std::runtime_error if the OpenSSL random generator fails.
  static std::string random_ufrag();
  static std::string random_password();

  // The peer's ufrag and password from its SDP. Until set, any remote ufrag is accepted.
  void set_remote_credentials(std::string remote_ufrag, std::string remote_password);

  Outcome handle_request(Bytes datagram, const TransportAddress& from, TimePoint now);

  // The nominated tuple, or the first one that passed a check if none was nominated yet.
  std::optional<TransportAddress> selected() const { return selected_; }
  bool nominated() const { return nominated_; }
  // Time of the last authenticated check on the selected tuple.
  std::optional<TimePoint> last_consent() const { return last_consent_; }
  // True once a selected tuple has heard no authenticated check for `timeout`. Before
  // any check arrived it is false: the connection-setup deadline is the owner's.
  bool is_expired(TimePoint now, Duration timeout = kConsentTimeout) const;

  const std::string& local_ufrag() const { return local_ufrag_; }
  const std::string& local_password() const { return local_password_; }
  const std::string& remote_ufrag() const { return remote_ufrag_; }
  const std::string& remote_password() const { return remote_password_; }
  std::uint64_t tie_breaker() const { return tie_breaker_; }

 private:
  bool username_matches(std::string_view username) const;

  std::string local_ufrag_;
  std::string local_password_;
  std::string remote_ufrag_;
  std::string remote_password_;
  std::uint64_t tie_breaker_;
  std::optional<TransportAddress> selected_;
  bool nominated_ = false;
  std::optional<TimePoint> last_consent_;
};

}  // namespace podium::ice
