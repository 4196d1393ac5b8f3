#include "dtls/certificate.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <ctime>

#include "dtls/openssl_support.h"
#include "util/bytes.h"

namespace podium::dtls {
namespace {

// Fingerprint recomputed independently: SHA-256 over the DER encoding (RFC 8122 §5).
std::string der_sha256_fingerprint(X509* x509) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(x509, &der);
  EXPECT_GT(length, 0);
  unsigned char digest[32];
  unsigned int digest_length = 0;
  EXPECT_EQ(
      EVP_Digest(der, static_cast<size_t>(length), digest, &digest_length, EVP_sha256(), nullptr),
      1);
  OPENSSL_free(der);
  std::string hex = to_hex(Bytes(digest, digest_length));
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i != 0) out += ':';
    out += static_cast<char>(std::toupper(hex[i]));
    out += static_cast<char>(std::toupper(hex[i + 1]));
  }
  return out;
}

TEST(CertificateTest, GeneratesSelfSignedP256WithSdpFingerprint) {
  auto certificate = Certificate::generate();
  ASSERT_TRUE(certificate.ok()) << certificate.error();
  X509* x509 = certificate->impl().x509.get();

  const std::string& fingerprint = certificate->fingerprint_sha256();
  ASSERT_EQ(fingerprint.size(), 32u * 3 - 1);
  for (size_t i = 0; i < fingerprint.size(); ++i) {
    if (i % 3 == 2) {
      EXPECT_EQ(fingerprint[i], ':');
    } else {
      EXPECT_TRUE(std::isdigit(fingerprint[i]) || (fingerprint[i] >= 'A' && fingerprint[i] <= 'F'))
          << fingerprint;
    }
  }
  EXPECT_EQ(fingerprint, der_sha256_fingerprint(x509));

  // ECDSA on P-256.
  EVP_PKEY* key = X509_get0_pubkey(x509);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  char group[64] = {};
  size_t group_length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, &group_length), 1);
  EXPECT_STREQ(group, "prime256v1");

  // Self-signed: the signature verifies with its own key; issuer equals subject.
  EXPECT_EQ(X509_verify(x509, key), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)), 0);
  char common_name[32] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, common_name,
                            sizeof common_name);
  EXPECT_STREQ(common_name, "podium");

  // Valid now, from about 30 days ago to about a year ahead.
  const std::time_t now = std::time(nullptr);
  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(x509), X509_get0_notAfter(x509)),
            1);
  const long span = static_cast<long>(days) * 86400 + seconds;
  EXPECT_NEAR(span, 395L * 86400, 5);
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(x509), const_cast<std::time_t*>(&now)), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x509), const_cast<std::time_t*>(&now)), 0);
}

TEST(CertificateTest, EachCertificateIsDistinct) {
  auto a = Certificate::generate();
  auto b = Certificate::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->fingerprint_sha256(), b->fingerprint_sha256());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a->impl().x509.get()),
                             X509_get0_serialNumber(b->impl().x509.get())),
            0);
}

TEST(CertificateTest, MovedCertificateKeepsItsFingerprint) {
  auto generated = Certificate::generate();
  ASSERT_TRUE(generated.ok());
  const std::string fingerprint = generated->fingerprint_sha256();
  Certificate moved = std::move(generated).value();
  EXPECT_EQ(moved.fingerprint_sha256(), fingerprint);
}

TEST(FingerprintTest, UnknownAlgorithmIsRejected) {
  auto certificate = Certificate::generate();
  ASSERT_TRUE(certificate.ok());
  X509* x509 = certificate->impl().x509.get();
  EXPECT_FALSE(certificate_fingerprint(x509, "md5").has_value());
  auto sha1 = certificate_fingerprint(x509, "SHA-1");
  ASSERT_TRUE(sha1.has_value());
  EXPECT_EQ(sha1->size(), 20u * 3 - 1);
  EXPECT_EQ(certificate_fingerprint(x509, "Sha-256"), certificate->fingerprint_sha256());
}

}  // namespace
}  // namespace podium::dtls
