#include "srtp/srtp_session.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "srtp/crypto.h"
#include "srtp/replay_window.h"
#include "util/log.h"

namespace podium::srtp {
namespace {

constexpr std::string_view kComponent = "srtp";

// RFC 3550 §5.1 fixed RTP header; RFC 3550 §6.4.1 RTCP header plus sender SSRC.
constexpr std::size_t kRtpHeaderSize = 12;
constexpr std::size_t kRtcpHeaderSize = 8;
// RFC 3711 §3.4: the E flag and 31-bit SRTCP index after the (encrypted) RTCP packet.
constexpr std::size_t kRtcpIndexSize = 4;
constexpr std::uint32_t kEncryptedFlag = 0x80000000u;
constexpr std::uint32_t kMaxRtcpIndex = 0x7fffffffu;
// RFC 3711 §4.3.1 key derivation labels.
constexpr std::uint8_t kRtpEncryptionLabel = 0;
constexpr std::uint8_t kRtpAuthenticationLabel = 1;
constexpr std::uint8_t kRtpSaltLabel = 2;
constexpr std::uint8_t kRtcpEncryptionLabel = 3;
constexpr std::uint8_t kRtcpAuthenticationLabel = 4;
constexpr std::uint8_t kRtcpSaltLabel = 5;
constexpr std::size_t kAuthenticationKeySize = 20;  // RFC 3711 §8.2: 160-bit HMAC key
constexpr std::size_t kCmSessionSaltSize = 14;      // 112 bits, RFC 3711 §8.2
constexpr std::size_t kGcmSessionSaltSize = 12;     // 96 bits, RFC 7714 §12

bool is_gcm(Profile profile) {
  return profile == Profile::kAeadAes128Gcm || profile == Profile::kAeadAes256Gcm;
}

std::size_t rtp_tag_length(Profile profile) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
    case Profile::kAeadAes256Gcm:
      return AesGcm::kTagLength;
    case Profile::kAes128CmSha1_80:
      return 10;
    case Profile::kAes128CmSha1_32:
      return 4;
  }
  return 0;
}

// RFC 5764 §4.1.2: the _32 profile shortens only the SRTP tag; SRTCP keeps 80 bits.
std::size_t rtcp_tag_length(Profile profile) { return is_gcm(profile) ? AesGcm::kTagLength : 10; }

// The RTP header's length (fixed part, CSRCs, extension), or 0 if it does not fit in
// `available` bytes.
std::size_t rtp_header_length(const std::uint8_t* data, std::size_t available) {
  if (available < kRtpHeaderSize) return 0;
  std::size_t length = kRtpHeaderSize + 4 * std::size_t{data[0] & 0x0fu};
  if ((data[0] & 0x10) != 0) {  // RFC 3550 §5.3.1 header extension
    if (length + 4 > available) return 0;
    length += 4 + 4 * std::size_t{load_u16(data + length + 2)};
  }
  return length <= available ? length : 0;
}

// The keys of one direction of one kind (SRTP or SRTCP): AES-CM + HMAC-SHA1 or AES-GCM.
struct Transform {
  std::optional<AesCounterMode> counter_mode;
  std::optional<HmacSha1> hmac;
  std::optional<AesGcm> gcm;
  std::array<std::uint8_t, kCmSessionSaltSize> salt{};
  std::size_t tag_length = 0;

  // RFC 3711 §4.1.1 (also the SRTCP IV with the 31-bit index in place of the 48-bit one):
  // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16).
  void counter_mode_iv(std::uint32_t ssrc, std::uint64_t index, std::uint8_t iv[16]) const {
    std::memcpy(iv, salt.data(), kCmSessionSaltSize);
    iv[14] = 0;
    iv[15] = 0;
    for (int b = 0; b < 4; ++b) iv[4 + b] ^= static_cast<std::uint8_t>(ssrc >> (24 - 8 * b));
    for (int b = 0; b < 6; ++b) iv[8 + b] ^= static_cast<std::uint8_t>(index >> (40 - 8 * b));
  }

  // RFC 7714 §8.1 (SRTP: 00 00 || SSRC || ROC || SEQ) and §9.1 (SRTCP: 00 00 || SSRC ||
  // 00 00 || 0 || index), each XOR the 96-bit session salt; `tail` is the last 6 bytes.
  void gcm_iv(std::uint32_t ssrc, std::uint64_t tail, std::uint8_t iv[12]) const {
    iv[0] = 0;
    iv[1] = 0;
    store_u32(iv + 2, ssrc);
    store_u16(iv + 6, static_cast<std::uint16_t>(tail >> 32));
    store_u32(iv + 8, static_cast<std::uint32_t>(tail));
    for (std::size_t b = 0; b < kGcmSessionSaltSize; ++b) iv[b] ^= salt[b];
  }
};

std::optional<Transform> make_transform(Profile profile, Bytes master_key, Bytes master_salt,
                                        Direction direction, std::uint8_t encryption_label,
                                        std::uint8_t authentication_label, std::uint8_t salt_label,
                                        std::size_t tag_length) {
  Transform transform;
  transform.tag_length = tag_length;
  std::array<std::uint8_t, 32> key{};
  const std::size_t key_size = master_key.size();
  bool ok = derive_session_key(master_key, master_salt, encryption_label, key.data(), key_size);
  if (is_gcm(profile)) {
    ok = ok && derive_session_key(master_key, master_salt, salt_label, transform.salt.data(),
                                  kGcmSessionSaltSize);
    if (ok) {
      transform.gcm =
          AesGcm::create(Bytes(key.data(), key_size), direction == Direction::kOutbound);
    }
    ok = ok && transform.gcm.has_value();
  } else {
    std::array<std::uint8_t, kAuthenticationKeySize> auth{};
    ok = ok &&
         derive_session_key(master_key, master_salt, authentication_label, auth.data(),
                            auth.size()) &&
         derive_session_key(master_key, master_salt, salt_label, transform.salt.data(),
                            kCmSessionSaltSize);
    if (ok) {
      transform.counter_mode = AesCounterMode::create(Bytes(key.data(), key_size));
      transform.hmac.emplace(auth);
    }
    ok = ok && transform.counter_mode.has_value();
    OPENSSL_cleanse(auth.data(), auth.size());
  }
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) return std::nullopt;
  return transform;
}

// What a session remembers per SSRC.
struct Stream {
  // Outbound: the highest index sent. First, so that a sender's prefetch of the stream
  // (its StreamHint's pointer, one cache line) brings it: behind the 136-byte replay
  // window it missed the cache on every packet of a large fan-out.
  std::uint64_t highest_sent = 0;
  // SRTCP: outbound, the index of the next packet; inbound, the replay window.
  std::uint32_t next_rtcp_index = 0;
  // SRTP inbound: the highest authenticated packet index (ROC || SEQ) and the indices
  // received near it.
  ReplayWindow<1024> rtp_window;
  ReplayWindow<128> rtcp_window;
};

std::uint64_t next_state_id() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

struct SrtpSession::State {
  // Unique per keyed state, so a StreamHint from an earlier session (or an earlier key of
  // this one) is never taken for this one's, even at a reused address.
  std::uint64_t id = next_state_id();
  Transform rtp;
  Transform rtcp;
  std::unordered_map<std::uint32_t, Stream> streams;  // node-based: pointers stay valid
  // A transport carries a handful of SSRCs each way (audio, video, their RTX, RTCP
  // senders), interleaved packet by packet: the last few streams found are kept here
  // and checked before the map, so a packet costs no hash lookup. Sixteen, because a
  // listener of a panel or an interpreted debate receives a dozen audio streams or more;
  // with four, the map's lookup (its nodes out of cache) was 6.7 % of the worker's time
  // with ten (docs/benchmarks.md). The SSRCs fill one cache line.
  static constexpr std::size_t kRecent = 16;
  std::array<std::uint32_t, kRecent> recent_ssrc{};
  std::array<Stream*, kRecent> recent_stream{};
  std::size_t recent_next = 0;

  Stream* find(std::uint32_t ssrc) {
    for (std::size_t i = 0; i < kRecent; ++i) {
      if (recent_stream[i] != nullptr && recent_ssrc[i] == ssrc) return recent_stream[i];
    }
    auto it = streams.find(ssrc);
    if (it == streams.end()) return nullptr;
    return remember(ssrc, &it->second);
  }

  Stream* remember(std::uint32_t ssrc, Stream* stream) {
    recent_ssrc[recent_next] = ssrc;
    recent_stream[recent_next] = stream;
    recent_next = (recent_next + 1) % kRecent;
    return stream;
  }

  // The stream of `ssrc`, created if there is room.
  Stream* find_or_add(std::uint32_t ssrc) {
    if (Stream* stream = find(ssrc)) return stream;
    if (streams.size() >= kMaxStreams) return nullptr;
    return remember(ssrc, &streams[ssrc]);
  }
};

void initialize() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Fetch the ciphers once so the first session does not pay for the provider lookup.
    if (EVP_aes_128_ecb() == nullptr || EVP_aes_128_gcm() == nullptr) {
      log::error(kComponent, "OpenSSL has no AES-ECB or AES-GCM");
    }
  });
}

std::size_t master_key_length(Profile profile) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:  // RFC 7714 §12
    case Profile::kAes128CmSha1_80:
    case Profile::kAes128CmSha1_32:  // RFC 3711 §8.2
      return 16;
    case Profile::kAeadAes256Gcm:
      return 32;
  }
  return 0;
}

std::size_t master_salt_length(Profile profile) {
  return is_gcm(profile) ? kGcmSessionSaltSize : kCmSessionSaltSize;
}

std::string_view to_string(Profile profile) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      return "AEAD_AES_128_GCM";
    case Profile::kAes128CmSha1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    case Profile::kAes128CmSha1_32:
      return "AES_CM_128_HMAC_SHA1_32";
    case Profile::kAeadAes256Gcm:
      return "AEAD_AES_256_GCM";
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
  auto rtp = make_transform(profile, master_key, master_salt, direction, kRtpEncryptionLabel,
                            kRtpAuthenticationLabel, kRtpSaltLabel, rtp_tag_length(profile));
  auto rtcp = make_transform(profile, master_key, master_salt, direction, kRtcpEncryptionLabel,
                             kRtcpAuthenticationLabel, kRtcpSaltLabel, rtcp_tag_length(profile));
  if (!rtp || !rtcp) {
    return Error{
        fmt::format("OpenSSL could not key {} (error {:#x})", to_string(profile), ERR_get_error())};
  }
  auto state = std::make_unique<State>();
  state->rtp = std::move(*rtp);
  state->rtcp = std::move(*rtcp);
  return SrtpSession(std::move(state), profile, direction);
}

SrtpSession::SrtpSession(std::unique_ptr<State> state, Profile profile, Direction direction)
    : state_(std::move(state)), profile_(profile), direction_(direction) {}

SrtpSession::SrtpSession(SrtpSession&& other) noexcept = default;
SrtpSession& SrtpSession::operator=(SrtpSession&& other) noexcept = default;
SrtpSession::~SrtpSession() = default;

void SrtpSession::prefetch(int stage) const {
  if (!state_) return;
  if (stage == 0) {
    const char* state = reinterpret_cast<const char*>(state_.get());
    for (std::size_t offset = 0; offset < sizeof(State); offset += 64) __builtin_prefetch(state + offset);
    return;
  }
  // The state is in cache by now: what protect_rtp reads next.
  if (state_->rtp.gcm) state_->rtp.gcm->prefetch();
  for (Stream* stream : state_->recent_stream) {
    if (stream != nullptr) __builtin_prefetch(&stream->highest_sent);
  }
}

std::optional<std::size_t> SrtpSession::fail(SrtpError error, int status) {
  last_error_ = error;
  last_status_ = status;
  return std::nullopt;
}

std::optional<std::size_t> SrtpSession::protect_rtp(std::uint8_t* data, std::size_t length,
                                                    std::size_t capacity, StreamHint* hint) {
  if (direction_ != Direction::kOutbound || !state_) return fail(SrtpError::kWrongDirection);
  Transform& transform = state_->rtp;
  const std::size_t header = data == nullptr ? 0 : rtp_header_length(data, length);
  if (header == 0 || capacity < length + transform.tag_length) {
    return fail(SrtpError::kBadLength);
  }
  const std::uint32_t ssrc = load_u32(data + 8);
  Stream* stream = nullptr;
  if (hint != nullptr && hint->session == state_->id && hint->ssrc == ssrc) {
    stream = static_cast<Stream*>(hint->stream);  // streams are never removed
  } else {
    stream = state_->find_or_add(ssrc);
    if (stream == nullptr) return fail(SrtpError::kOther);
    if (hint != nullptr) *hint = StreamHint{state_->id, ssrc, stream};
  }
  // The sender estimates like a receiver (RFC 3711 §3.3.1), so a re-sent older packet
  // gets the index it had the first time.
  const std::uint64_t index = estimate_index(stream->highest_sent, load_u16(data + 2));
  const std::uint32_t roc = static_cast<std::uint32_t>(index >> 16);
  std::uint8_t* payload = data + header;
  const std::size_t payload_length = length - header;

  if (transform.gcm) {
    // RFC 7714 §8.2: the header is the associated data; the tag follows the ciphertext.
    std::uint8_t iv[12];
    transform.gcm_iv(ssrc, index, iv);
    if (!transform.gcm->seal(iv, Bytes(data, header), {}, payload, payload_length, data + length)) {
      return fail(SrtpError::kOther, static_cast<int>(ERR_get_error()));
    }
  } else {
    std::uint8_t iv[16];
    transform.counter_mode_iv(ssrc, index, iv);
    if (!transform.counter_mode->apply(iv, payload, payload_length)) {
      return fail(SrtpError::kOther, static_cast<int>(ERR_get_error()));
    }
    // RFC 3711 §4.2: the tag covers the header, the encrypted payload and the ROC.
    std::uint8_t roc_bytes[4];
    store_u32(roc_bytes, roc);
    const auto tag = transform.hmac->compute(Bytes(data, length), roc_bytes);
    std::memcpy(data + length, tag.data(), transform.tag_length);
  }
  if (index > stream->highest_sent) stream->highest_sent = index;
  last_error_ = SrtpError::kNone;
  return length + transform.tag_length;
}

std::optional<std::size_t> SrtpSession::unprotect_rtp(std::uint8_t* data, std::size_t length) {
  if (direction_ != Direction::kInbound || !state_) return fail(SrtpError::kWrongDirection);
  Transform& transform = state_->rtp;
  if (data == nullptr || length < kRtpHeaderSize + transform.tag_length) {
    return fail(SrtpError::kBadLength);
  }
  const std::size_t protected_length = length - transform.tag_length;
  const std::size_t header = rtp_header_length(data, protected_length);
  if (header == 0) return fail(SrtpError::kBadLength);

  const std::uint32_t ssrc = load_u32(data + 8);
  Stream* stream = state_->find(ssrc);
  // A new SSRC is checked against a fresh stream's state and kept only if authentic.
  static const ReplayWindow<1024> kFresh;
  const ReplayWindow<1024>& window = stream != nullptr ? stream->rtp_window : kFresh;
  const std::uint64_t index = estimate_index(window.highest(), load_u16(data + 2));
  if (!window.accepts(index)) return fail(SrtpError::kReplay);
  const std::uint32_t roc = static_cast<std::uint32_t>(index >> 16);
  std::uint8_t* payload = data + header;
  const std::size_t payload_length = protected_length - header;

  if (transform.gcm) {
    std::uint8_t iv[12];
    transform.gcm_iv(ssrc, index, iv);
    if (!transform.gcm->open(iv, Bytes(data, header), {}, payload, payload_length,
                             data + protected_length)) {
      return fail(SrtpError::kAuthFailure);
    }
  } else {
    std::uint8_t roc_bytes[4];
    store_u32(roc_bytes, roc);
    const auto tag = transform.hmac->compute(Bytes(data, protected_length), roc_bytes);
    if (!equal_in_constant_time(tag.data(), data + protected_length, transform.tag_length)) {
      return fail(SrtpError::kAuthFailure);
    }
    std::uint8_t iv[16];
    transform.counter_mode_iv(ssrc, index, iv);
    if (!transform.counter_mode->apply(iv, payload, payload_length)) {
      return fail(SrtpError::kOther, static_cast<int>(ERR_get_error()));
    }
  }
  if (stream == nullptr && (stream = state_->find_or_add(ssrc)) == nullptr) {
    return fail(SrtpError::kOther);
  }
  stream->rtp_window.accept(index);
  last_error_ = SrtpError::kNone;
  return protected_length;
}

std::optional<std::size_t> SrtpSession::protect_rtcp(std::uint8_t* data, std::size_t length,
                                                     std::size_t capacity) {
  if (direction_ != Direction::kOutbound || !state_) return fail(SrtpError::kWrongDirection);
  Transform& transform = state_->rtcp;
  const std::size_t trailer = kRtcpIndexSize + transform.tag_length;
  if (data == nullptr || length < kRtcpHeaderSize || capacity < length + trailer) {
    return fail(SrtpError::kBadLength);
  }
  const std::uint32_t ssrc = load_u32(data + 4);
  Stream* stream = state_->find_or_add(ssrc);
  if (stream == nullptr) return fail(SrtpError::kOther);
  // RFC 3711 §3.3.2: the index starts at 0 and must not wrap under one key.
  const std::uint32_t index = stream->next_rtcp_index;
  if (index > kMaxRtcpIndex) return fail(SrtpError::kOther);
  std::uint8_t e_index[kRtcpIndexSize];
  store_u32(e_index, kEncryptedFlag | index);

  if (transform.gcm) {
    // RFC 7714 §9: AAD = the first 8 octets || E || index; then ciphertext, tag, E|index.
    std::uint8_t iv[12];
    transform.gcm_iv(ssrc, index, iv);
    if (!transform.gcm->seal(iv, Bytes(data, kRtcpHeaderSize), e_index, data + kRtcpHeaderSize,
                             length - kRtcpHeaderSize, data + length)) {
      return fail(SrtpError::kOther, static_cast<int>(ERR_get_error()));
    }
    std::memcpy(data + length + AesGcm::kTagLength, e_index, kRtcpIndexSize);
  } else {
    // RFC 3711 §3.4: encrypted body, E|index, then the tag over everything before it.
    std::uint8_t iv[16];
    transform.counter_mode_iv(ssrc, index, iv);
    if (!transform.counter_mode->apply(iv, data + kRtcpHeaderSize, length - kRtcpHeaderSize)) {
      return fail(SrtpError::kOther, static_cast<int>(ERR_get_error()));
    }
    std::memcpy(data + length, e_index, kRtcpIndexSize);
    const auto tag = transform.hmac->compute(Bytes(data, length + kRtcpIndexSize), {});
    std::memcpy(data + length + kRtcpIndexSize, tag.data(), transform.tag_length);
  }
  ++stream->next_rtcp_index;
  last_error_ = SrtpError::kNone;
  return length + trailer;
}

std::optional<std::size_t> SrtpSession::unprotect_rtcp(std::uint8_t* data, std::size_t length) {
  if (direction_ != Direction::kInbound || !state_) return fail(SrtpError::kWrongDirection);
  Transform& transform = state_->rtcp;
  const std::size_t trailer = kRtcpIndexSize + transform.tag_length;
  if (data == nullptr || length < kRtcpHeaderSize + trailer) return fail(SrtpError::kBadLength);
  const std::size_t plain_length = length - trailer;

  // Where E|index sits: last for GCM (RFC 7714 §9.1), before the tag for AES-CM.
  const std::uint8_t* e_index =
      transform.gcm ? data + length - kRtcpIndexSize : data + plain_length;
  const std::uint32_t e_and_index = load_u32(e_index);
  const bool encrypted = (e_and_index & kEncryptedFlag) != 0;
  const std::uint32_t index = e_and_index & kMaxRtcpIndex;
  const std::uint32_t ssrc = load_u32(data + 4);
  Stream* stream = state_->find(ssrc);
  static const ReplayWindow<128> kFresh;
  const ReplayWindow<128>& window = stream != nullptr ? stream->rtcp_window : kFresh;
  if (!window.accepts(index)) return fail(SrtpError::kReplay);

  if (transform.gcm) {
    std::uint8_t iv[12];
    transform.gcm_iv(ssrc, index, iv);
    // RFC 7714 §9.2 / §17: unencrypted SRTCP authenticates the whole packet as AAD.
    const std::size_t aad = encrypted ? kRtcpHeaderSize : plain_length;
    if (!transform.gcm->open(iv, Bytes(data, aad), Bytes(e_index, kRtcpIndexSize), data + aad,
                             plain_length - aad, data + plain_length)) {
      return fail(SrtpError::kAuthFailure);
    }
  } else {
    const std::size_t authenticated = plain_length + kRtcpIndexSize;
    const auto tag = transform.hmac->compute(Bytes(data, authenticated), {});
    if (!equal_in_constant_time(tag.data(), data + authenticated, transform.tag_length)) {
      return fail(SrtpError::kAuthFailure);
    }
    if (encrypted) {
      std::uint8_t iv[16];
      transform.counter_mode_iv(ssrc, index, iv);
      if (!transform.counter_mode->apply(iv, data + kRtcpHeaderSize,
                                         plain_length - kRtcpHeaderSize)) {
        return fail(SrtpError::kOther, static_cast<int>(ERR_get_error()));
      }
    }
  }
  if (stream == nullptr && (stream = state_->find_or_add(ssrc)) == nullptr) {
    return fail(SrtpError::kOther);
  }
  stream->rtcp_window.accept(index);
  last_error_ = SrtpError::kNone;
  return plain_length;
}

}  // namespace podium::srtp
