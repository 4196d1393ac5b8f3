#include "srtp/srtp_session.h"

#include <srtp2/srtp.h>

#include <array>
#include <climits>
#include <cstring>
#include <mutex>
#include <utility>

#include "util/log.h"

namespace podium::srtp {
namespace {

constexpr std::string_view kComponent = "srtp";
static_assert(kMaxTrailerLength == SRTP_MAX_TRAILER_LEN);
static_assert(std::is_same_v<srtp_t, srtp_ctx_t_*>);

// RFC 3550 §5.1 fixed RTP header; RFC 3550 §6.4.1 RTCP header plus sender SSRC.
constexpr std::size_t kRtpHeaderSize = 12;
constexpr std::size_t kRtcpHeaderSize = 8;
// Inbound replay window (RFC 3711 §3.3.2 asks for at least 64).
constexpr unsigned long kReplayWindow = 1024;

SrtpError classify(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_auth_fail:
    case srtp_err_status_cipher_fail:  // AEAD tag mismatch surfaces here in some builds
      return SrtpError::kAuthFailure;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      return SrtpError::kReplay;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
      return SrtpError::kBadLength;
    default:
      return SrtpError::kOther;
  }
}

}  // namespace

void initialize() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (srtp_err_status_t status = srtp_init(); status != srtp_err_status_ok) {
      log::error(kComponent, "srtp_init failed with status {}", static_cast<int>(status));
    }
  });
}

std::size_t master_key_length(Profile profile) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      return SRTP_AES_128_KEY_LEN;  // RFC 7714 §12
    case Profile::kAes128CmSha1_80:
      return SRTP_AES_128_KEY_LEN;  // RFC 3711 §8.2
  }
  return 0;
}

std::size_t master_salt_length(Profile profile) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      return SRTP_AEAD_SALT_LEN;  // 96 bits, RFC 7714 §12
    case Profile::kAes128CmSha1_80:
      return SRTP_SALT_LEN;  // 112 bits, RFC 3711 §8.2
  }
  return 0;
}

std::string_view to_string(Profile profile) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      return "AEAD_AES_128_GCM";
    case Profile::kAes128CmSha1_80:
      return "AES_CM_128_HMAC_SHA1_80";
  }
  return "?";
}

std::string_view to_string(SrtpError error) {
  switch (error) {
    case SrtpError::kNone:
      return "none";
    case SrtpError::kBadLength:
      return "bad_length";
    case SrtpError::kAuthFailure:
      return "auth_failure";
    case SrtpError::kReplay:
      return "replay";
    case SrtpError::kWrongDirection:
      return "wrong_direction";
    case SrtpError::kOther:
      return "other";
  }
  return "?";
}

Result<SrtpSession> SrtpSession::create(Profile profile, Bytes master_key, Bytes master_salt,
                                        Direction direction) {
  initialize();
  if (master_key.size() != master_key_length(profile) ||
      master_salt.size() != master_salt_length(profile)) {
    return Error{fmt::format("{} needs a {}-byte key and {}-byte salt, got {} and {}",
                             to_string(profile), master_key_length(profile),
                             master_salt_length(profile), master_key.size(), master_salt.size())};
  }

  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
    case Profile::kAes128CmSha1_80:
      srtp_crypto_policy_set_rtp_default(&policy.rtp);
      srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
      break;
  }
  // libsrtp takes key || salt in one buffer.
  std::array<unsigned char, SRTP_AES_ICM_128_KEY_LEN_WSALT> key_and_salt{};
  std::memcpy(key_and_salt.data(), master_key.data(), master_key.size());
  std::memcpy(key_and_salt.data() + master_key.size(), master_salt.data(), master_salt.size());
  policy.key = key_and_salt.data();
  if (direction == Direction::kInbound) {
    policy.ssrc.type = ssrc_any_inbound;
    policy.window_size = kReplayWindow;
  } else {
    policy.ssrc.type = ssrc_any_outbound;
    policy.allow_repeat_tx = 1;
  }
  policy.next = nullptr;

  srtp_t context = nullptr;
  const srtp_err_status_t status = srtp_create(&context, &policy);
  std::memset(key_and_salt.data(), 0, key_and_salt.size());
  if (status != srtp_err_status_ok) {
    return Error{fmt::format("srtp_create failed with status {}", static_cast<int>(status))};
  }
  return SrtpSession(context, profile, direction);
}

SrtpSession::SrtpSession(srtp_ctx_t_* context, Profile profile, Direction direction)
    : context_(context), profile_(profile), direction_(direction) {}

SrtpSession::SrtpSession(SrtpSession&& other) noexcept
    : context_(std::exchange(other.context_, nullptr)),
      profile_(other.profile_),
      direction_(other.direction_),
      last_error_(other.last_error_),
      last_status_(other.last_status_) {}

SrtpSession& SrtpSession::operator=(SrtpSession&& other) noexcept {
  if (this != &other) {
    if (context_ != nullptr) srtp_dealloc(context_);
    context_ = std::exchange(other.context_, nullptr);
    profile_ = other.profile_;
    direction_ = other.direction_;
    last_error_ = other.last_error_;
    last_status_ = other.last_status_;
  }
  return *this;
}

SrtpSession::~SrtpSession() {
  if (context_ != nullptr) srtp_dealloc(context_);
}

std::optional<std::size_t> SrtpSession::fail(SrtpError error, int status) {
  last_error_ = error;
  last_status_ = status;
  return std::nullopt;
}

std::optional<std::size_t> SrtpSession::protect_rtp(std::uint8_t* data, std::size_t length,
                                                    std::size_t capacity) {
  if (direction_ != Direction::kOutbound || context_ == nullptr) {
    return fail(SrtpError::kWrongDirection);
  }
  // libsrtp writes up to SRTP_MAX_TRAILER_LEN past the packet without being told the size.
  if (data == nullptr || length < kRtpHeaderSize || capacity < length + kMaxTrailerLength ||
      length > INT_MAX - kMaxTrailerLength) {
    return fail(SrtpError::kBadLength);
  }
  int out = static_cast<int>(length);
  if (srtp_err_status_t status = srtp_protect(context_, data, &out); status != srtp_err_status_ok) {
    return fail(classify(status), status);
  }
  last_error_ = SrtpError::kNone;
  return static_cast<std::size_t>(out);
}

std::optional<std::size_t> SrtpSession::protect_rtcp(std::uint8_t* data, std::size_t length,
                                                     std::size_t capacity) {
  if (direction_ != Direction::kOutbound || context_ == nullptr) {
    return fail(SrtpError::kWrongDirection);
  }
  if (data == nullptr || length < kRtcpHeaderSize || capacity < length + kMaxRtcpTrailerLength ||
      length > INT_MAX - kMaxRtcpTrailerLength) {
    return fail(SrtpError::kBadLength);
  }
  int out = static_cast<int>(length);
  if (srtp_err_status_t status = srtp_protect_rtcp(context_, data, &out);
      status != srtp_err_status_ok) {
    return fail(classify(status), status);
  }
  last_error_ = SrtpError::kNone;
  return static_cast<std::size_t>(out);
}

std::optional<std::size_t> SrtpSession::unprotect_rtp(std::uint8_t* data, std::size_t length) {
  if (direction_ != Direction::kInbound || context_ == nullptr) {
    return fail(SrtpError::kWrongDirection);
  }
  if (data == nullptr || length < kRtpHeaderSize || length > INT_MAX) {
    return fail(SrtpError::kBadLength);
  }
  int out = static_cast<int>(length);
  if (srtp_err_status_t status = srtp_unprotect(context_, data, &out);
      status != srtp_err_status_ok) {
    return fail(classify(status), status);
  }
  last_error_ = SrtpError::kNone;
  return static_cast<std::size_t>(out);
}

std::optional<std::size_t> SrtpSession::unprotect_rtcp(std::uint8_t* data, std::size_t length) {
  if (direction_ != Direction::kInbound || context_ == nullptr) {
    return fail(SrtpError::kWrongDirection);
  }
  if (data == nullptr || length < kRtcpHeaderSize || length > INT_MAX) {
    return fail(SrtpError::kBadLength);
  }
  int out = static_cast<int>(length);
  if (srtp_err_status_t status = srtp_unprotect_rtcp(context_, data, &out);
      status != srtp_err_status_ok) {
    return fail(classify(status), status);
  }
  last_error_ = SrtpError::kNone;
  return static_cast<std::size_t>(out);
}

}  // namespace podium::srtp
