#include "dtls/certificate.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "dtls/openssl_support.h"

namespace podium::dtls {
namespace {

constexpr long kSecondsPerDay = 24 * 60 * 60;
constexpr long kValidBefore = 30 * kSecondsPerDay;
constexpr long kValidAfter = 365 * kSecondsPerDay;

Error failure(std::string_view what) {
  return Error{std::string(what) + ": " + take_openssl_errors()};
}

}  // namespace

Certificate::Certificate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Certificate::Certificate(Certificate&&) noexcept = default;
Certificate& Certificate::operator=(Certificate&&) noexcept = default;
Certificate::~Certificate() = default;

const std::string& Certificate::fingerprint_sha256() const { return impl_->fingerprint_sha256; }

Result<Certificate> Certificate::generate() {
  ERR_clear_error();
  auto impl = std::make_unique<Impl>();

  impl->key.reset(EVP_EC_gen("P-256"));
  if (!impl->key) return failure("P-256 key generation failed");

  impl->x509.reset(X509_new());
  X509* x509 = impl->x509.get();
  if (x509 == nullptr) return failure("X509_new failed");
  if (X509_set_version(x509, X509_VERSION_3) != 1) return failure("X509_set_version failed");

  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 63 random bits.
  unsigned char serial[8];
  if (RAND_bytes(serial, sizeof serial) != 1) return failure("RAND_bytes failed");
  serial[0] &= 0x7f;
  BIGNUM* serial_bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok =
      serial_bn != nullptr && BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(x509)) != nullptr;
  BN_free(serial_bn);
  if (!serial_ok) return failure("setting the serial failed");

  if (X509_gmtime_adj(X509_getm_notBefore(x509), -kValidBefore) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(x509), kValidAfter) == nullptr) {
    return failure("setting the validity failed");
  }
  if (X509_set_pubkey(x509, impl->key.get()) != 1) return failure("X509_set_pubkey failed");

  X509_NAME* name = X509_get_subject_name(x509);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("podium"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(x509, name) != 1) {
    return failure("setting the name failed");
  }
  if (X509_sign(x509, impl->key.get(), EVP_sha256()) <= 0) return failure("X509_sign failed");

  auto fingerprint = certificate_fingerprint(x509, "sha-256");
  if (!fingerprint) return failure("fingerprint failed");
  impl->fingerprint_sha256 = std::move(*fingerprint);
  return Certificate(std::move(impl));
}

}  // namespace podium::dtls
