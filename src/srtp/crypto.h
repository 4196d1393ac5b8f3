// The three transforms SRTP needs, over OpenSSL, each keyed once per session and then run
// per packet in place without allocating: AES counter mode (RFC 3711 §4.1.1), HMAC-SHA1
// (RFC 3711 §4.2.1) and AES-GCM (RFC 7714). Internal to src/srtp; the session header
// does not include it, so OpenSSL's headers stay out of every other layer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "util/bytes.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace podium::srtp {

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const;
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

// AES in counter mode with a 16-byte IV whose low 16 bits count blocks (RFC 3711
// §4.1.1). The keystream comes from AES-ECB over counter blocks, so a packet costs no
// cipher re-initialisation: OpenSSL 3.0 spends ~150 ns in EVP_EncryptInit_ex just to set
// a new IV, more than the encryption of an audio packet.
class AesCounterMode {
 public:
  // A 16- or 32-byte key (AES-128 or AES-256).
  static std::optional<AesCounterMode> create(Bytes key);

  // XORs the keystream for `iv` into data[0, length). False only if OpenSSL fails.
  bool apply(const std::uint8_t iv[16], std::uint8_t* data, std::size_t length);

 private:
  explicit AesCounterMode(CipherContext context) : context_(std::move(context)) {}

  // Keystream is made this many blocks at a time (stays in L1, one ECB call per chunk).
  static constexpr std::size_t kChunkBlocks = 32;
  CipherContext context_;
  std::array<std::uint8_t, kChunkBlocks * 16> keystream_{};
};

// HMAC-SHA1 (RFC 2104) with the key's inner and outer pad states hashed once; a tag is
// two state copies and the hashing of the message. (OpenSSL 3.0's EVP_MAC_init, asked
// to reuse its key, duplicates a digest context: two allocations per packet.)
class HmacSha1 {
 public:
  static constexpr std::size_t kDigestLength = 20;

  explicit HmacSha1(Bytes key);
  ~HmacSha1();
  HmacSha1(const HmacSha1&) = delete;
  HmacSha1& operator=(const HmacSha1&) = delete;
  HmacSha1(HmacSha1&&) noexcept;
  HmacSha1& operator=(HmacSha1&&) noexcept;

  // HMAC over first || second (second may be empty).
  std::array<std::uint8_t, kDigestLength> compute(Bytes first, Bytes second) const;

 private:
  struct Pads;  // the hashed inner and outer pad states (OpenSSL's SHA_CTX)
  std::unique_ptr<Pads> pads_;
};

// AES-GCM with a 12-byte IV and 16-byte tag, in one direction (seal or open) for the
// session's life.
//
// It runs OpenSSL's built-in GCM through the cipher's own method table (a copy of
// EVP_aes_*_gcm() made with EVP_CIPHER_meth_dup) rather than through the default
// provider. Both run the same AES-NI code; the provider path also passes the IV length
// and the tag as named parameters, found with strcmp, twice per packet: protecting a
// 100-byte SRTP packet costs 131 ns this way and 184 ns that way (docs/benchmarks.md).
// Where the copy cannot be made, the provider's implementation is used.
class AesGcm {
 public:
  static constexpr std::size_t kTagLength = 16;

  // A 16- or 32-byte key.
  static std::optional<AesGcm> create(Bytes key, bool encrypt);

  // Encrypts data[0, length) in place and writes the tag. The associated data is
  // aad1 || aad2.
  bool seal(const std::uint8_t iv[12], Bytes aad1, Bytes aad2, std::uint8_t* data,
            std::size_t length, std::uint8_t tag[kTagLength]);
  // Decrypts in place; false if the tag does not verify (the data is then garbage).
  bool open(const std::uint8_t iv[12], Bytes aad1, Bytes aad2, std::uint8_t* data,
            std::size_t length, const std::uint8_t tag[kTagLength]);
  // Asks the CPU to fetch the cipher context ahead of seal/open.
  void prefetch() const;
  // Whether this context runs through the cipher's method table (see above).
  bool direct() const { return direct_; }

 private:
  AesGcm(CipherContext context, bool direct) : context_(std::move(context)), direct_(direct) {}
  bool start(const std::uint8_t iv[12], Bytes aad1, Bytes aad2);

  CipherContext context_;
  bool direct_ = false;
};

// RFC 3711 §4.3.1 key derivation with key_derivation_rate 0, the AES-CM PRF of §4.3.3
// (AES-256 for a 32-byte master key, RFC 6188 §7). A 12-byte (RFC 7714) master salt is
// zero-padded on the right to 14 bytes. Writes `length` bytes; false if OpenSSL fails.
bool derive_session_key(Bytes master_key, Bytes master_salt, std::uint8_t label, std::uint8_t* out,
                        std::size_t length);

// Compares without an early exit, so timing does not tell how much of a tag was right.
bool equal_in_constant_time(const std::uint8_t* a, const std::uint8_t* b, std::size_t length);

}  // namespace podium::srtp
