#include "libsrtp_session.h"

#include <srtp2/srtp.h>

#include <array>
#include <climits>
#include <cstring>
#include <mutex>
#include <utility>

namespace podium::srtp::reference {
namespace {

static_assert(kMaxTrailerLength == SRTP_MAX_TRAILER_LEN);
static_assert(std::is_same_v<srtp_t, srtp_ctx_t_*>);

void set_policy(Profile profile, srtp_policy_t& policy) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      break;
    case Profile::kAeadAes256Gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
      break;
    case Profile::kAes128CmSha1_80:
      srtp_crypto_policy_set_rtp_default(&policy.rtp);
      srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
      break;
    case Profile::kAes128CmSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      srtp_crypto_policy_set_rtcp_default(&policy.rtcp);  // RFC 5764 §4.1.2: 80-bit SRTCP tag
      break;
  }
}

}  // namespace

Result<LibsrtpSession> LibsrtpSession::create(Profile profile, Bytes master_key, Bytes master_salt,
                                              Direction direction, bool encrypt_rtcp) {
  static std::once_flag once;
  std::call_once(once, [] { srtp_init(); });
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  set_policy(profile, policy);
  if (!encrypt_rtcp) policy.rtcp.sec_serv = sec_serv_auth;
  // libsrtp takes key || salt in one buffer.
  std::array<unsigned char, 64> key_and_salt{};
  if (master_key.size() + master_salt.size() > key_and_salt.size()) return Error{"key too long"};
  std::memcpy(key_and_salt.data(), master_key.data(), master_key.size());
  std::memcpy(key_and_salt.data() + master_key.size(), master_salt.data(), master_salt.size());
  policy.key = key_and_salt.data();
  if (direction == Direction::kInbound) {
    policy.ssrc.type = ssrc_any_inbound;
    policy.window_size = 1024;
  } else {
    policy.ssrc.type = ssrc_any_outbound;
    policy.allow_repeat_tx = 1;
  }
  srtp_t context = nullptr;
  const srtp_err_status_t status = srtp_create(&context, &policy);
  if (status != srtp_err_status_ok) {
    return Error{"srtp_create failed with status " + std::to_string(static_cast<int>(status))};
  }
  return LibsrtpSession(context);
}

LibsrtpSession::LibsrtpSession(LibsrtpSession&& other) noexcept
    : context_(std::exchange(other.context_, nullptr)), last_status_(other.last_status_) {}

LibsrtpSession& LibsrtpSession::operator=(LibsrtpSession&& other) noexcept {
  if (this != &other) {
    if (context_ != nullptr) srtp_dealloc(context_);
    context_ = std::exchange(other.context_, nullptr);
    last_status_ = other.last_status_;
  }
  return *this;
}

LibsrtpSession::~LibsrtpSession() {
  if (context_ != nullptr) srtp_dealloc(context_);
}

std::optional<std::size_t> LibsrtpSession::protect_rtp(std::uint8_t* data, std::size_t length,
                                                       std::size_t capacity) {
  if (capacity < length + kMaxTrailerLength || length > INT_MAX / 2) return std::nullopt;
  int out = static_cast<int>(length);
  last_status_ = srtp_protect(context_, data, &out);
  if (last_status_ != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(out);
}

std::optional<std::size_t> LibsrtpSession::protect_rtcp(std::uint8_t* data, std::size_t length,
                                                        std::size_t capacity) {
  if (capacity < length + kMaxRtcpTrailerLength || length > INT_MAX / 2) return std::nullopt;
  int out = static_cast<int>(length);
  last_status_ = srtp_protect_rtcp(context_, data, &out);
  if (last_status_ != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(out);
}

std::optional<std::size_t> LibsrtpSession::unprotect_rtp(std::uint8_t* data, std::size_t length) {
  if (length > INT_MAX / 2) return std::nullopt;
  int out = static_cast<int>(length);
  last_status_ = srtp_unprotect(context_, data, &out);
  if (last_status_ != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(out);
}

std::optional<std::size_t> LibsrtpSession::unprotect_rtcp(std::uint8_t* data, std::size_t length) {
  if (length > INT_MAX / 2) return std::nullopt;
  int out = static_cast<int>(length);
  last_status_ = srtp_unprotect_rtcp(context_, data, &out);
  if (last_status_ != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(out);
}

}  // namespace podium::srtp::reference
