// The local identity for DTLS-SRTP: a self-signed certificate and its key. WebRTC does
// not use a PKI; the peer trusts the certificate whose fingerprint it received in SDP
// (RFC 8122, RFC 5763 §5).
#pragma once

#include <memory>
#include <string>

#include "util/result.h"

namespace podium::dtls {

class Certificate {
 public:
  // ECDSA P-256 key, random serial, CN "podium", valid from 30 days ago (tolerates peers
  // with a slow clock) to one year ahead.
  static Result<Certificate> generate();

  Certificate(Certificate&&) noexcept;
  Certificate& operator=(Certificate&&) noexcept;
  ~Certificate();

  // RFC 8122 §5: upper-case hex pairs separated by colons, e.g. "AB:CD:...".
  const std::string& fingerprint_sha256() const;

  struct Impl;  // OpenSSL handles; defined in openssl_support.h.
  const Impl& impl() const { return *impl_; }

 private:
  explicit Certificate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace podium::dtls
