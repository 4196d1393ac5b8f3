// SHA1_Init/Update/Final are deprecated in OpenSSL 3 but remain the only interface whose
// state can be copied without allocating (see HmacSha1 in crypto.h); EVP_CIPHER_meth_dup
// is deprecated too, and runs GCM without the provider's named parameters (AesGcm).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "srtp/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace podium::srtp {

void CipherContextDeleter::operator()(EVP_CIPHER_CTX* context) const {
  EVP_CIPHER_CTX_free(context);
}

namespace {

const EVP_CIPHER* aes_ecb(std::size_t key_length) {
  switch (key_length) {
    case 16:
      return EVP_aes_128_ecb();
    case 32:
      return EVP_aes_256_ecb();
  }
  return nullptr;
}

const EVP_CIPHER* aes_gcm(std::size_t key_length) {
  switch (key_length) {
    case 16:
      return EVP_aes_128_gcm();
    case 32:
      return EVP_aes_256_gcm();
  }
  return nullptr;
}

// OpenSSL's GCM as a method table of our own (EVP_ORIG_METH), which EVP runs directly,
// without the provider's named parameters; one per key size for the process's life.
// Null where OpenSSL cannot copy it.
const EVP_CIPHER* direct_gcm(std::size_t key_length) {
  static const EVP_CIPHER* const aes_128 = EVP_CIPHER_meth_dup(EVP_aes_128_gcm());
  static const EVP_CIPHER* const aes_256 = EVP_CIPHER_meth_dup(EVP_aes_256_gcm());
  switch (key_length) {
    case 16:
      return aes_128;
    case 32:
      return aes_256;
  }
  return nullptr;
}

void xor_into(std::uint8_t* data, const std::uint8_t* keystream, std::size_t length) {
  std::size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, data + i, 8);
    std::memcpy(&b, keystream + i, 8);
    a ^= b;
    std::memcpy(data + i, &a, 8);
  }
  for (; i < length; ++i) data[i] ^= keystream[i];
}

}  // namespace

std::optional<AesCounterMode> AesCounterMode::create(Bytes key) {
  const EVP_CIPHER* cipher = aes_ecb(key.size());
  if (cipher == nullptr) return std::nullopt;
  CipherContext context(EVP_CIPHER_CTX_new());
  if (!context || EVP_EncryptInit_ex(context.get(), cipher, nullptr, key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(context.get(), 0) != 1) {
    return std::nullopt;
  }
  return AesCounterMode(std::move(context));
}

bool AesCounterMode::apply(const std::uint8_t iv[16], std::uint8_t* data, std::size_t length) {
  // RFC 3711 §4.1.1: block j of the keystream is E(k, IV + j), a 128-bit big-endian sum.
  const std::uint64_t high = load_u64(iv);
  const std::uint64_t low = load_u64(iv + 8);
  std::uint64_t block = 0;
  while (length > 0) {
    const std::size_t chunk = std::min(length, keystream_.size());
    const std::size_t blocks = (chunk + 15) / 16;
    for (std::size_t b = 0; b < blocks; ++b, ++block) {
      std::uint8_t* counter = keystream_.data() + 16 * b;
      const std::uint64_t sum = low + block;
      store_u64(counter, high + (sum < low ? 1 : 0));
      store_u64(counter + 8, sum);
    }
    int written = 0;
    if (EVP_EncryptUpdate(context_.get(), keystream_.data(), &written, keystream_.data(),
                          static_cast<int>(blocks * 16)) != 1) {
      return false;
    }
    xor_into(data, keystream_.data(), chunk);
    data += chunk;
    length -= chunk;
  }
  return true;
}

struct HmacSha1::Pads {
  SHA_CTX inner;
  SHA_CTX outer;
};

HmacSha1::HmacSha1(Bytes key) : pads_(std::make_unique<Pads>()) {
  // RFC 2104 §2: a key longer than the block is hashed first (SRTP's 20-byte keys are not).
  constexpr std::size_t kBlock = 64;
  std::uint8_t block[kBlock] = {};
  if (key.size() > kBlock) {
    SHA1(key.data(), key.size(), block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  std::uint8_t pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  SHA1_Init(&pads_->inner);
  SHA1_Update(&pads_->inner, pad, kBlock);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  SHA1_Init(&pads_->outer);
  SHA1_Update(&pads_->outer, pad, kBlock);
  OPENSSL_cleanse(block, kBlock);
  OPENSSL_cleanse(pad, kBlock);
}

HmacSha1::~HmacSha1() {
  if (pads_) OPENSSL_cleanse(pads_.get(), sizeof(Pads));
}
HmacSha1::HmacSha1(HmacSha1&&) noexcept = default;
HmacSha1& HmacSha1::operator=(HmacSha1&&) noexcept = default;

std::array<std::uint8_t, HmacSha1::kDigestLength> HmacSha1::compute(Bytes first,
                                                                    Bytes second) const {
  std::array<std::uint8_t, kDigestLength> digest;
  SHA_CTX context = pads_->inner;
  SHA1_Update(&context, first.data(), first.size());
  if (!second.empty()) SHA1_Update(&context, second.data(), second.size());
  SHA1_Final(digest.data(), &context);
  context = pads_->outer;
  SHA1_Update(&context, digest.data(), digest.size());
  SHA1_Final(digest.data(), &context);
  OPENSSL_cleanse(&context, sizeof context);
  return digest;
}

std::optional<AesGcm> AesGcm::create(Bytes key, bool encrypt) {
  const int enc = encrypt ? 1 : 0;
  // The IV length is 12, GCM's default; the IV itself is set per packet.
  auto keyed = [&](const EVP_CIPHER* cipher) {
    CipherContext context(EVP_CIPHER_CTX_new());
    if (!context ||
        EVP_CipherInit_ex(context.get(), cipher, nullptr, key.data(), nullptr, enc) != 1)
      context.reset();
    return context;
  };
  if (const EVP_CIPHER* direct = direct_gcm(key.size())) {
    if (CipherContext context = keyed(direct)) return AesGcm(std::move(context), true);
  }
  const EVP_CIPHER* cipher = aes_gcm(key.size());
  if (cipher == nullptr) return std::nullopt;
  CipherContext context = keyed(cipher);
  if (!context) return std::nullopt;
  return AesGcm(std::move(context), false);
}

bool AesGcm::start(const std::uint8_t iv[12], Bytes aad1, Bytes aad2) {
  int written = 0;
  if (EVP_CipherInit_ex(context_.get(), nullptr, nullptr, nullptr, iv, -1) != 1) return false;
  if (!aad1.empty() && EVP_CipherUpdate(context_.get(), nullptr, &written, aad1.data(),
                                        static_cast<int>(aad1.size())) != 1) {
    return false;
  }
  if (!aad2.empty() && EVP_CipherUpdate(context_.get(), nullptr, &written, aad2.data(),
                                        static_cast<int>(aad2.size())) != 1) {
    return false;
  }
  return true;
}

void AesGcm::prefetch() const {
  // EVP_CIPHER_CTX is opaque; its fields span about four cache lines (OpenSSL 3.0).
  // A prefetch never faults, so reading past a smaller one costs nothing.
  const char* context = reinterpret_cast<const char*>(context_.get());
  for (int line = 0; line < 4; ++line) __builtin_prefetch(context + 64 * line);
}

bool AesGcm::seal(const std::uint8_t iv[12], Bytes aad1, Bytes aad2, std::uint8_t* data,
                  std::size_t length, std::uint8_t tag[kTagLength]) {
  int written = 0;
  if (length > INT_MAX || !start(iv, aad1, aad2)) return false;
  if (length > 0 &&
      EVP_EncryptUpdate(context_.get(), data, &written, data, static_cast<int>(length)) != 1) {
    return false;
  }
  if (EVP_EncryptFinal_ex(context_.get(), data + written, &written) != 1) return false;
  if (direct_)
    return EVP_CIPHER_CTX_ctrl(context_.get(), EVP_CTRL_AEAD_GET_TAG, kTagLength, tag) == 1;
  // The provider's tag through the parameter interface: EVP_CIPHER_CTX_ctrl would build
  // the same parameters and also drop the context's cached IV length (OpenSSL 3.0).
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kTagLength),
      OSSL_PARAM_construct_end()};
  return EVP_CIPHER_CTX_get_params(context_.get(), params) == 1;
}

bool AesGcm::open(const std::uint8_t iv[12], Bytes aad1, Bytes aad2, std::uint8_t* data,
                  std::size_t length, const std::uint8_t tag[kTagLength]) {
  int written = 0;
  if (length > INT_MAX || !start(iv, aad1, aad2)) return false;
  if (length > 0 &&
      EVP_DecryptUpdate(context_.get(), data, &written, data, static_cast<int>(length)) != 1) {
    return false;
  }
  // OpenSSL only reads the expected tag; the const_casts are its signatures', not writes.
  if (direct_) {
    return EVP_CIPHER_CTX_ctrl(context_.get(), EVP_CTRL_AEAD_SET_TAG, kTagLength,
                               const_cast<std::uint8_t*>(tag)) == 1 &&
           EVP_DecryptFinal_ex(context_.get(), data + written, &written) == 1;
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, const_cast<std::uint8_t*>(tag),
                                        kTagLength),
      OSSL_PARAM_construct_end()};
  return EVP_CIPHER_CTX_set_params(context_.get(), params) == 1 &&
         EVP_DecryptFinal_ex(context_.get(), data + written, &written) == 1;
}

bool derive_session_key(Bytes master_key, Bytes master_salt, std::uint8_t label, std::uint8_t* out,
                        std::size_t length) {
  // x = (label || r) XOR master_salt, r = 0 (key_derivation_rate 0), right-aligned in 112
  // bits; the keystream starts at x * 2^16.
  if (master_salt.size() > 14) return false;
  std::uint8_t iv[16] = {};
  std::memcpy(iv, master_salt.data(), master_salt.size());
  iv[7] ^= label;
  auto prf = AesCounterMode::create(master_key);
  if (!prf) return false;
  std::memset(out, 0, length);
  return prf->apply(iv, out, length);
}

bool equal_in_constant_time(const std::uint8_t* a, const std::uint8_t* b, std::size_t length) {
  return CRYPTO_memcmp(a, b, length) == 0;
}

}  // namespace podium::srtp
