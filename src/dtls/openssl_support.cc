#include "dtls/openssl_support.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cctype>

namespace podium::dtls {

std::string take_openssl_errors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> certificate_fingerprint(X509* certificate, std::string_view algorithm) {
  // RFC 8122 §5 names hashes by their "Hash Function Textual Names" registry entries.
  const std::string name = to_upper(algorithm);
  const EVP_MD* md = nullptr;
  if (name == "SHA-256")
    md = EVP_sha256();
  else if (name == "SHA-1")
    md = EVP_sha1();
  else if (name == "SHA-384")
    md = EVP_sha384();
  else if (name == "SHA-512")
    md = EVP_sha512();
  if (md == nullptr || certificate == nullptr) return std::nullopt;

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, md, digest, &length) != 1) return std::nullopt;

  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 3);
  for (unsigned int i = 0; i < length; ++i) {
    if (i != 0) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace podium::dtls
