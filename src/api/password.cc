#include "api/password.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace podium::api {
namespace {

constexpr std::size_t kSaltLength = 16;  // RFC 9106 §3.1: 128 bits is enough for all uses
constexpr std::size_t kHashLength = 32;
constexpr std::string_view kPrefix = "$argon2id$";

void random_bytes(std::uint8_t* out, std::size_t size) {
  if (RAND_bytes(out, static_cast<int>(size)) != 1) throw std::runtime_error("RAND_bytes failed");
}

}  // namespace

Result<std::string> hash_password(std::string_view password, PasswordCost cost) {
  if (password.size() < kMinPasswordLength) {
    return Error{fmt::format("password too short: use at least {} characters", kMinPasswordLength)};
  }
  if (password.size() > kMaxPasswordLength) {
    return Error{fmt::format("password too long: at most {} characters", kMaxPasswordLength)};
  }
  std::array<std::uint8_t, kSaltLength> salt{};
  random_bytes(salt.data(), salt.size());
  std::size_t encoded_length = argon2_encodedlen(cost.iterations, cost.memory_kib, cost.parallelism,
                                                 kSaltLength, kHashLength, Argon2_id);
  std::string encoded(encoded_length, '\0');
  int rc = argon2id_hash_encoded(cost.iterations, cost.memory_kib, cost.parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashLength, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Error{fmt::format("argon2id failed: {}", argon2_error_message(rc))};
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminator
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  if (encoded.substr(0, kPrefix.size()) != kPrefix) return false;
  if (password.size() > kMaxPasswordLength) return false;
  std::string terminated(encoded);  // libargon2 wants a C string
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string generate_password(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  out.reserve(length);
  std::vector<std::uint8_t> buffer(length * 2);
  while (out.size() < length) {
    random_bytes(buffer.data(), buffer.size());
    for (auto byte : buffer) {
      // Rejection sampling keeps every letter equally likely (256 is not a multiple of 57).
      if (byte >= 256 - 256 % kAlphabet.size()) continue;
      out += kAlphabet[byte % kAlphabet.size()];
      if (out.size() == length) break;
    }
  }
  return out;
}

}  // namespace podium::api
