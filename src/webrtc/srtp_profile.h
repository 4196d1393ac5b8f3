// The SRTP profile (src/srtp) for the protection profile DTLS negotiated (RFC 5764
// §4.1.2, RFC 7714 §14.2).
#pragma once

#include "dtls/srtp_key_material.h"
#include "srtp/srtp_session.h"

namespace podium::webrtc {

inline srtp::Profile to_srtp_profile(dtls::SrtpProfile profile) {
  switch (profile) {
    case dtls::SrtpProfile::kAeadAes128Gcm:
      return srtp::Profile::kAeadAes128Gcm;
    case dtls::SrtpProfile::kAeadAes256Gcm:
      return srtp::Profile::kAeadAes256Gcm;
    case dtls::SrtpProfile::kAes128CmSha1_80:
      return srtp::Profile::kAes128CmSha1_80;
    case dtls::SrtpProfile::kAes128CmSha1_32:
      return srtp::Profile::kAes128CmSha1_32;
  }
  return srtp::Profile::kAeadAes128Gcm;
}

}  // namespace podium::webrtc
