// SRTP/SRTCP unprotect. The first byte picks the profile (bits 0-1) and RTP or RTCP
// (bit 2); the rest is the packet, unprotected with a fixed key (the seeds in
// fuzz/corpus/srtp are real packets protected with it, so the fuzzer starts past the
// tag check). Then the same bytes, taken as plain RTP/RTCP, must survive protect →
// unprotect unchanged.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "srtp/srtp_session.h"

using namespace podium;
using namespace podium::srtp;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

SrtpSession session(Profile profile, Direction direction) {
  std::uint8_t key[32];
  std::uint8_t salt[14];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<std::uint8_t>(i + 1);
  for (int i = 0; i < 14; ++i) salt[i] = static_cast<std::uint8_t>(0xa0 + i);
  auto created = SrtpSession::create(profile, Bytes(key, master_key_length(profile)),
                                     Bytes(salt, master_salt_length(profile)), direction);
  check(created.ok());
  return std::move(created).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr Profile kProfiles[] = {Profile::kAeadAes128Gcm, Profile::kAes128CmSha1_80,
                                          Profile::kAes128CmSha1_32, Profile::kAeadAes256Gcm};
  const Profile profile = kProfiles[data[0] & 3];
  const bool rtcp = (data[0] & 4) != 0;
  ++data;
  --size;

  // Exactly `size` bytes on the heap, so a sanitizer sees any read past the packet.
  std::vector<std::uint8_t> packet(data, data + size);
  SrtpSession inbound = session(profile, Direction::kInbound);
  auto plain = rtcp ? inbound.unprotect_rtcp(packet.data(), size)
                    : inbound.unprotect_rtp(packet.data(), size);
  check(plain ? *plain < size && inbound.last_error() == SrtpError::kNone
              : inbound.last_error() != SrtpError::kNone);

  // Round trip of the input taken as plain RTP/RTCP.
  SrtpSession outbound = session(profile, Direction::kOutbound);
  SrtpSession receiver = session(profile, Direction::kInbound);
  std::vector<std::uint8_t> buffer(data, data + size);
  buffer.resize(size + kMaxRtcpTrailerLength);
  auto protected_length = rtcp ? outbound.protect_rtcp(buffer.data(), size, buffer.size())
                               : outbound.protect_rtp(buffer.data(), size, buffer.size());
  if (!protected_length) return 0;
  check(*protected_length > size && *protected_length <= buffer.size());
  buffer.resize(*protected_length);
  auto back = rtcp ? receiver.unprotect_rtcp(buffer.data(), buffer.size())
                   : receiver.unprotect_rtp(buffer.data(), buffer.size());
  check(back.has_value() && *back == size);
  check(size == 0 || std::memcmp(buffer.data(), data, size) == 0);
  return 0;
}
