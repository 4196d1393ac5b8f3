#include "api/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cmath>
#include <limits>

namespace podium::api {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kSha256Size = 32;

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::array<std::uint8_t, kSha256Size> hmac_sha256(Bytes key, std::string_view data) {
  std::array<std::uint8_t, kSha256Size> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &length);
  return mac;
}

std::optional<nlohmann::json> decode_json_object(std::string_view part) {
  auto raw = base64url_decode(part);
  if (!raw) return std::nullopt;
  auto json = nlohmann::json::parse(raw->begin(), raw->end(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  return json;
}

// RFC 7519 §2 NumericDate: seconds, possibly non-integer.
std::optional<double> numeric_date(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (!it->is_number()) return std::numeric_limits<double>::quiet_NaN();
  return it->get<double>();
}

}  // namespace

std::string base64url_encode(Bytes data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  std::size_t rest = data.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
  // A single leftover character carries only 6 bits: never a valid encoding.
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = decode_char(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // RFC 4648 §3.5: the unused trailing bits must be zero, so each token has one encoding.
  if (acc != 0) return std::nullopt;
  return out;
}

std::string jwt_sign_hs256(const nlohmann::json& claims, Bytes key) {
  static const std::string kHeader = R"({"alg":"HS256","typ":"JWT"})";
  std::string signing_input = base64url_encode(as_bytes(kHeader));
  signing_input += '.';
  std::string payload = claims.dump();
  signing_input += base64url_encode(as_bytes(payload));
  auto mac = hmac_sha256(key, signing_input);
  signing_input += '.';
  signing_input += base64url_encode(mac);
  return signing_input;
}

Result<nlohmann::json> jwt_verify_hs256(std::string_view token, Bytes key, std::int64_t now_unix) {
  // RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature).
  auto first = token.find('.');
  if (first == std::string_view::npos) return Error{"token is not a JWT (no '.')"};
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Error{"token is not a JWT (needs three parts)"};
  }
  auto header = decode_json_object(token.substr(0, first));
  if (!header) return Error{"token header is not base64url JSON"};
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return Error{"token algorithm must be HS256"};
  }
  // RFC 7515 §4.1.11: extensions we do not understand make the token invalid.
  if (header->contains("crit")) return Error{"token has critical header extensions"};

  auto signature = base64url_decode(token.substr(second + 1));
  if (!signature || signature->size() != kSha256Size) return Error{"token signature is malformed"};
  auto expected = hmac_sha256(key, token.substr(0, second));
  if (CRYPTO_memcmp(expected.data(), signature->data(), kSha256Size) != 0) {
    return Error{"token signature is invalid"};
  }

  auto claims = decode_json_object(token.substr(first + 1, second - first - 1));
  if (!claims) return Error{"token payload is not base64url JSON"};
  auto now = static_cast<double>(now_unix);
  // RFC 7519 §4.1.4: the token must not be accepted on or after "exp".
  if (auto exp = numeric_date(*claims, "exp")) {
    if (std::isnan(*exp)) return Error{"token exp is not a number"};
    if (now >= *exp) return Error{"token expired"};
  }
  // RFC 7519 §4.1.5: nor before "nbf".
  if (auto nbf = numeric_date(*claims, "nbf")) {
    if (std::isnan(*nbf)) return Error{"token nbf is not a number"};
    if (now < *nbf) return Error{"token not yet valid"};
  }
  return std::move(*claims);
}

}  // namespace podium::api
