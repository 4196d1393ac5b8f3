// libsrtp2 behind the same calls as SrtpSession: the reference the OpenSSL implementation
// is cross-checked against (tests) and measured against (bench). Not used by the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "srtp/srtp_session.h"
#include "util/bytes.h"
#include "util/result.h"

struct srtp_ctx_t_;

namespace podium::srtp::reference {

class LibsrtpSession {
 public:
  // Same policy as the server used to have: inbound replay window 1024, outbound allows
  // a repeated sequence number; any SSRC. Without `encrypt_rtcp` SRTCP is sent
  // authenticated only (E flag clear, RFC 3711 §3.4).
  static Result<LibsrtpSession> create(Profile profile, Bytes master_key, Bytes master_salt,
                                       Direction direction, bool encrypt_rtcp = true);
  LibsrtpSession(LibsrtpSession&& other) noexcept;
  LibsrtpSession& operator=(LibsrtpSession&& other) noexcept;
  LibsrtpSession(const LibsrtpSession&) = delete;
  LibsrtpSession& operator=(const LibsrtpSession&) = delete;
  ~LibsrtpSession();

  // `capacity` must leave kMaxTrailerLength (kMaxRtcpTrailerLength) after the packet.
  std::optional<std::size_t> protect_rtp(std::uint8_t* data, std::size_t length,
                                         std::size_t capacity);
  std::optional<std::size_t> protect_rtcp(std::uint8_t* data, std::size_t length,
                                          std::size_t capacity);
  std::optional<std::size_t> unprotect_rtp(std::uint8_t* data, std::size_t length);
  std::optional<std::size_t> unprotect_rtcp(std::uint8_t* data, std::size_t length);

  // libsrtp's srtp_err_status_t of the last call (0: ok).
  int last_status() const { return last_status_; }

 private:
  explicit LibsrtpSession(srtp_ctx_t_* context) : context_(context) {}
  srtp_ctx_t_* context_ = nullptr;
  int last_status_ = 0;
};

}  // namespace podium::srtp::reference
