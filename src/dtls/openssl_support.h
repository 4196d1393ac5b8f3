// Internal to the dtls layer: owning handles for OpenSSL objects and small helpers.
// Not included by any public header, so the rest of the build never sees OpenSSL.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dtls/certificate.h"

namespace podium::dtls {

struct OpenSslFree {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
};
using X509Ptr = std::unique_ptr<X509, OpenSslFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslFree>;
using SslPtr = std::unique_ptr<SSL, OpenSslFree>;

struct Certificate::Impl {
  X509Ptr x509;
  EvpPkeyPtr key;
  std::string fingerprint_sha256;
};

// Drains the thread's OpenSSL error queue into one line ("" if it was empty).
std::string take_openssl_errors();

// RFC 8122 §5 fingerprint of a certificate with the named hash ("sha-256", "sha-1",
// "sha-384", "sha-512"; case-insensitive). nullopt for an unknown hash.
std::optional<std::string> certificate_fingerprint(X509* certificate, std::string_view algorithm);

// Upper-cases so that fingerprints compare case-insensitively (RFC 8122 §5 allows both).
std::string to_upper(std::string_view text);

}  // namespace podium::dtls
