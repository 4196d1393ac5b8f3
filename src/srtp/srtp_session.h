// SRTP and SRTCP (RFC 3711, RFC 7714) on OpenSSL. One session protects or unprotects
// every SSRC flowing one way on one transport; packets are transformed in place, and a
// packet costs no allocation (the cipher contexts are keyed once per session).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "srtp/stream_hint.h"
#include "util/bytes.h"
#include "util/result.h"

namespace podium::srtp {

// Loads OpenSSL's ciphers once per process; safe to call from any thread, any number of
// times. SrtpSession::create() calls it too.
void initialize();

// RFC 5764 §4.1.2 (AES_CM_128_HMAC_SHA1_80 and _32: RFC 3711 AES-CM with an 80- or 32-bit
// SRTP tag; SRTCP always has the 80-bit tag) and RFC 7714 §14.2 (AEAD_AES_128_GCM and
// AEAD_AES_256_GCM, 16-byte tag).
enum class Profile { kAeadAes128Gcm, kAes128CmSha1_80, kAes128CmSha1_32, kAeadAes256Gcm };
std::size_t master_key_length(Profile profile);
std::size_t master_salt_length(Profile profile);
std::string_view to_string(Profile profile);

// Room a caller reserves after an RTP packet for protect_rtp (the largest tag plus the
// largest MKI any SRTP stack writes; libsrtp's SRTP_MAX_TRAILER_LEN). protect_rtp itself
// needs only the profile's tag; SRTCP adds the 4-byte E|index word.
inline constexpr std::size_t kMaxTrailerLength = 144;
inline constexpr std::size_t kMaxRtcpTrailerLength = kMaxTrailerLength + 4;

enum class Direction { kInbound, kOutbound };

// Why the last operation dropped a packet; the owner counts these for /metrics.
enum class SrtpError {
  kNone,
  kBadLength,       // too short, malformed header, or no room for the trailer
  kAuthFailure,     // tag did not verify: corrupted, forged, or wrong key
  kReplay,          // RFC 3711 §3.3.2: index already seen or left behind the window
  kWrongDirection,  // protect on an inbound session or unprotect on an outbound one
  kOther,           // OpenSSL failed, or more SSRCs than a session keeps
};
std::string_view to_string(SrtpError error);

class SrtpSession {
 public:
  // Inbound sessions keep a 1024-packet replay window per SSRC for SRTP (video bursts
  // reorder far more than the RFC 3711 minimum of 64) and a 128-packet one for SRTCP.
  // Outbound sessions allow the same sequence number to be protected again, because
  // RTX-less NACK answers re-send the original packet. A session keeps state for up to
  // kMaxStreams SSRCs; an inbound stream is created by its first authenticated packet.
  static Result<SrtpSession> create(Profile profile, Bytes master_key, Bytes master_salt,
                                    Direction direction);

  SrtpSession(SrtpSession&& other) noexcept;
  SrtpSession& operator=(SrtpSession&& other) noexcept;
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;
  ~SrtpSession();

  static constexpr std::size_t kMaxStreams = 1024;

  // In place: `data` holds `length` bytes of RTP/RTCP and has room for `capacity`.
  // Returns the protected length, or nullopt with last_error() set.
  // With `hint`: the packet's stream is taken from the hint when it was filled by this
  // session for this SSRC, else looked up and the hint filled for the next packet.
  std::optional<std::size_t> protect_rtp(std::uint8_t* data, std::size_t length,
                                         std::size_t capacity, StreamHint* hint = nullptr);
  std::optional<std::size_t> protect_rtcp(std::uint8_t* data, std::size_t length,
                                          std::size_t capacity);
  // In place; returns the plain length.
  std::optional<std::size_t> unprotect_rtp(std::uint8_t* data, std::size_t length);
  std::optional<std::size_t> unprotect_rtcp(std::uint8_t* data, std::size_t length);

  // A hint before protect_rtp on a session that may have left the CPU cache (one per
  // subscriber in a large fan-out): stage 0 fetches the session state, stage 1, issued
  // later, what that state points to (cipher context, streams). Changes nothing.
  void prefetch(int stage) const;

  SrtpError last_error() const { return last_error_; }
  // OpenSSL's error code of the last kOther failure (0 if none), for logs.
  int last_status() const { return last_status_; }
  Profile profile() const { return profile_; }
  Direction direction() const { return direction_; }

 private:
  struct State;  // keys, cipher contexts and per-SSRC streams (srtp_session.cc)

  SrtpSession(std::unique_ptr<State> state, Profile profile, Direction direction);
  std::optional<std::size_t> fail(SrtpError error, int status = 0);

  std::unique_ptr<State> state_;
  Profile profile_;
  Direction direction_;
  SrtpError last_error_ = SrtpError::kNone;
  int last_status_ = 0;
};

}  // namespace podium::srtp
