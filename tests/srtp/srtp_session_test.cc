#include "srtp/srtp_session.h"

#include <gtest/gtest.h>

#include <vector>

#include "srtp_reference.h"
#include "util/bytes.h"

namespace podium::srtp {
namespace {

using Buffer = std::vector<uint8_t>;

// RFC 3711 Appendix B.3 master key and salt (also libsrtp's test_key).
const Buffer kMasterKey = from_hex("e1f97a0d3e018be0d64fa32c06de4139");
const Buffer kMasterSalt = from_hex("0ec675ad498afeebb6960b3aabe6");
const Buffer kGcmSalt = from_hex("0ec675ad498afeebb6960b3a");

// A packet in a buffer with room for the trailer.
struct Packet {
  explicit Packet(const Buffer& bytes) : data(bytes), length(bytes.size()) {
    data.resize(bytes.size() + kMaxRtcpTrailerLength);
  }
  Buffer view() const { return Buffer(data.begin(), data.begin() + length); }
  Buffer data;
  size_t length;
};

Buffer make_rtp(uint16_t seq, uint32_t ssrc, size_t payload_size, uint8_t fill = 0xab) {
  Buffer rtp(12 + payload_size, fill);
  rtp[0] = 0x80;
  rtp[1] = 0x6f;  // PT 111
  store_u16(rtp.data() + 2, seq);
  store_u32(rtp.data() + 4, 48000u * seq);
  store_u32(rtp.data() + 8, ssrc);
  return rtp;
}

// RFC 3550 §6.4.1 sender report without report blocks.
Buffer make_rtcp_sr(uint32_t ssrc) {
  Buffer rtcp = from_hex("80c80006 00000000 e5f8a1b2 c3d4e5f6 00012345 00000010 00000800");
  store_u32(rtcp.data() + 4, ssrc);
  return rtcp;
}

SrtpSession make(Profile profile, Direction direction, const Buffer& key = kMasterKey) {
  auto session = SrtpSession::create(
      profile, key, profile == Profile::kAeadAes128Gcm ? kGcmSalt : kMasterSalt, direction);
  EXPECT_TRUE(session.ok()) << session.error();
  return std::move(session).value();
}

TEST(SrtpProfileTest, KeyAndSaltLengths) {
  EXPECT_EQ(master_key_length(Profile::kAes128CmSha1_80), 16u);
  EXPECT_EQ(master_salt_length(Profile::kAes128CmSha1_80), 14u);
  EXPECT_EQ(master_key_length(Profile::kAeadAes128Gcm), 16u);
  EXPECT_EQ(master_salt_length(Profile::kAeadAes128Gcm), 12u);
}

TEST(SrtpReferenceTest, KeyDerivationMatchesRfc3711AppendixB3) {
  EXPECT_EQ(to_hex(reference::derive(kMasterKey, kMasterSalt, 0, 16)),
            "c61e7a93744f39ee10734afe3ff7a087");
  EXPECT_EQ(to_hex(reference::derive(kMasterKey, kMasterSalt, 2, 14)),
            "30cbbc08863d8c85d49db34a9ae1");
  EXPECT_EQ(to_hex(reference::derive(kMasterKey, kMasterSalt, 1, 20)),
            "cebe321f6ff7716b6fd4ab49af256a156d38baa4");
}

// libsrtp's own reference packet (test/srtp_driver.c, srtp_validate) for
// AES_CM_128_HMAC_SHA1_80 with the key above.
TEST(SrtpSessionTest, AesCmMatchesLibsrtpReferencePacket) {
  const Buffer plain = from_hex("800f1234decafbadcafebabe abababababababababababababababab");
  const Buffer expected =
      from_hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb");
  EXPECT_EQ(reference::protect_rtp_cm(kMasterKey, kMasterSalt, plain), expected);

  SrtpSession sender = make(Profile::kAes128CmSha1_80, Direction::kOutbound);
  Packet packet(plain);
  auto length = sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
  ASSERT_TRUE(length.has_value()) << to_string(sender.last_error());
  packet.length = *length;
  EXPECT_EQ(to_hex(packet.view()), to_hex(expected));

  SrtpSession receiver = make(Profile::kAes128CmSha1_80, Direction::kInbound);
  auto plain_length = receiver.unprotect_rtp(packet.data.data(), packet.length);
  ASSERT_TRUE(plain_length.has_value()) << to_string(receiver.last_error());
  packet.length = *plain_length;
  EXPECT_EQ(packet.view(), plain);
}

class ProfileTest : public ::testing::TestWithParam<Profile> {
 protected:
  Profile profile() const { return GetParam(); }
  size_t rtp_overhead() const { return profile() == Profile::kAeadAes128Gcm ? 16 : 10; }
  size_t rtcp_overhead() const { return profile() == Profile::kAeadAes128Gcm ? 20 : 14; }
  const Buffer& salt() const {
    return profile() == Profile::kAeadAes128Gcm ? kGcmSalt : kMasterSalt;
  }
};

TEST_P(ProfileTest, RtpMatchesIndependentImplementation) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  for (uint16_t seq : {1, 2, 3, 500, 65535}) {
    for (uint32_t ssrc : {0x11223344u, 0xcafebabeu}) {
      const Buffer plain = make_rtp(seq, ssrc, 40 + seq % 17);
      Packet packet(plain);
      auto length = sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
      ASSERT_TRUE(length.has_value()) << to_string(sender.last_error());
      packet.length = *length;
      const Buffer expected = profile() == Profile::kAeadAes128Gcm
                                  ? reference::protect_rtp_gcm(kMasterKey, salt(), plain)
                                  : reference::protect_rtp_cm(kMasterKey, salt(), plain);
      EXPECT_EQ(to_hex(packet.view()), to_hex(expected)) << "seq " << seq << " ssrc " << ssrc;
    }
  }
}

TEST_P(ProfileTest, RtcpMatchesIndependentImplementation) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  const Buffer plain = make_rtcp_sr(0x5eed5eed);
  for (int i = 0; i < 3; ++i) {
    Packet packet(plain);
    auto length = sender.protect_rtcp(packet.data.data(), packet.length, packet.data.size());
    ASSERT_TRUE(length.has_value()) << to_string(sender.last_error());
    packet.length = *length;
    ASSERT_EQ(packet.length, plain.size() + rtcp_overhead());
    // The E|index word: after the tag-less body for GCM (RFC 7714 §9.1, last), before the
    // tag for AES-CM (RFC 3711 §3.4).
    const size_t index_at =
        profile() == Profile::kAeadAes128Gcm ? packet.length - 4 : packet.length - 14;
    const uint32_t e_index = load_u32(packet.data.data() + index_at);
    EXPECT_TRUE(e_index & 0x80000000u);
    const uint32_t index = e_index & 0x7fffffffu;
    const Buffer expected = profile() == Profile::kAeadAes128Gcm
                                ? reference::protect_rtcp_gcm(kMasterKey, salt(), plain, index)
                                : reference::protect_rtcp_cm(kMasterKey, salt(), plain, index);
    EXPECT_EQ(to_hex(packet.view()), to_hex(expected));
  }
}

TEST_P(ProfileTest, RtpRoundTrip) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  for (uint16_t seq = 100; seq < 140; ++seq) {
    const Buffer plain = make_rtp(seq, 0x01020304u + seq % 3, 10 + seq);
    Packet packet(plain);
    auto length = sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
    ASSERT_TRUE(length.has_value());
    EXPECT_EQ(*length, plain.size() + rtp_overhead());
    EXPECT_NE(Buffer(packet.data.begin() + 12, packet.data.begin() + plain.size()),
              Buffer(plain.begin() + 12, plain.end()));
    auto plain_length = receiver.unprotect_rtp(packet.data.data(), *length);
    ASSERT_TRUE(plain_length.has_value()) << to_string(receiver.last_error());
    packet.length = *plain_length;
    EXPECT_EQ(packet.view(), plain);
    EXPECT_EQ(receiver.last_error(), SrtpError::kNone);
  }
}

TEST_P(ProfileTest, RtcpRoundTrip) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  for (uint32_t ssrc : {1u, 2u, 3u}) {
    const Buffer plain = make_rtcp_sr(ssrc);
    Packet packet(plain);
    auto length = sender.protect_rtcp(packet.data.data(), packet.length, packet.data.size());
    ASSERT_TRUE(length.has_value());
    auto plain_length = receiver.unprotect_rtcp(packet.data.data(), *length);
    ASSERT_TRUE(plain_length.has_value()) << to_string(receiver.last_error());
    packet.length = *plain_length;
    EXPECT_EQ(packet.view(), plain);
  }
}

TEST_P(ProfileTest, TamperedPacketFailsAuthentication) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  const Buffer plain = make_rtp(7, 0xabcdef01u, 60);
  Packet original(plain);
  original.length =
      *sender.protect_rtp(original.data.data(), original.length, original.data.size());

  // One flipped bit in the header, the payload, or the tag.
  for (size_t at : {size_t{1}, size_t{20}, original.length - 1}) {
    Packet tampered = original;
    tampered.data[at] ^= 0x01;
    EXPECT_FALSE(receiver.unprotect_rtp(tampered.data.data(), tampered.length)) << at;
    EXPECT_EQ(receiver.last_error(), SrtpError::kAuthFailure) << at;
  }
  // A truncated tag also fails.
  Packet truncated = original;
  EXPECT_FALSE(receiver.unprotect_rtp(truncated.data.data(), truncated.length - 3));
  EXPECT_NE(receiver.last_error(), SrtpError::kNone);

  // The untouched packet still decrypts: failures do not advance the replay window.
  EXPECT_TRUE(receiver.unprotect_rtp(original.data.data(), original.length));

  Packet rtcp(make_rtcp_sr(9));
  rtcp.length = *sender.protect_rtcp(rtcp.data.data(), rtcp.length, rtcp.data.size());
  rtcp.data[10] ^= 0x80;
  EXPECT_FALSE(receiver.unprotect_rtcp(rtcp.data.data(), rtcp.length));
  EXPECT_EQ(receiver.last_error(), SrtpError::kAuthFailure);
}

TEST_P(ProfileTest, ReplayedPacketIsRejected) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  const Buffer plain = make_rtp(1000, 0x42u, 30);
  Packet packet(plain);
  packet.length = *sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
  const Packet copy = packet;
  ASSERT_TRUE(receiver.unprotect_rtp(packet.data.data(), packet.length));
  Packet replay = copy;
  EXPECT_FALSE(receiver.unprotect_rtp(replay.data.data(), replay.length));
  EXPECT_EQ(receiver.last_error(), SrtpError::kReplay);

  Packet rtcp(make_rtcp_sr(0x42u));
  rtcp.length = *sender.protect_rtcp(rtcp.data.data(), rtcp.length, rtcp.data.size());
  Packet rtcp_replay = rtcp;
  ASSERT_TRUE(receiver.unprotect_rtcp(rtcp.data.data(), rtcp.length));
  EXPECT_FALSE(receiver.unprotect_rtcp(rtcp_replay.data.data(), rtcp_replay.length));
  EXPECT_EQ(receiver.last_error(), SrtpError::kReplay);
}

TEST_P(ProfileTest, ReplayWindowIs1024Packets) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  std::vector<Packet> protected_packets;
  for (uint16_t seq : {1, 1000, 1500, 2100}) {
    Packet packet(make_rtp(seq, 0x77u, 20));
    packet.length = *sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
    protected_packets.push_back(packet);
  }
  ASSERT_TRUE(
      receiver.unprotect_rtp(protected_packets[0].data.data(), protected_packets[0].length));
  ASSERT_TRUE(
      receiver.unprotect_rtp(protected_packets[3].data.data(), protected_packets[3].length));
  // 600 behind the newest: inside a 1024 window (a 128 window would reject it).
  EXPECT_TRUE(receiver.unprotect_rtp(protected_packets[2].data.data(), protected_packets[2].length))
      << to_string(receiver.last_error());
  // 1100 behind: too old.
  EXPECT_FALSE(
      receiver.unprotect_rtp(protected_packets[1].data.data(), protected_packets[1].length));
  EXPECT_EQ(receiver.last_error(), SrtpError::kReplay);
}

TEST_P(ProfileTest, WrongKeyFailsAuthentication) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  Buffer other_key = kMasterKey;
  other_key[0] ^= 0xff;
  SrtpSession receiver = make(profile(), Direction::kInbound, other_key);
  Packet packet(make_rtp(5, 0x99u, 50));
  packet.length = *sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
  EXPECT_FALSE(receiver.unprotect_rtp(packet.data.data(), packet.length));
  EXPECT_EQ(receiver.last_error(), SrtpError::kAuthFailure);
}

// A session remembers its last few streams ahead of the SSRC map: with more SSRCs than
// that, interleaved packet by packet across a sequence number wrap, every stream must
// still keep its own rollover counter and replay window.
TEST_P(ProfileTest, ManyInterleavedSsrcsKeepTheirOwnState) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  // More than the session keeps at hand (State::kRecent): the rest come from its map.
  constexpr uint32_t kSsrcs = 20;
  for (uint32_t step = 0; step < 24; ++step) {
    for (uint32_t s = 0; s < kSsrcs; ++s) {
      // Each SSRC starts at its own sequence number, so they wrap at different steps.
      auto seq = static_cast<uint16_t>(65520 + s + step);
      const Buffer plain = make_rtp(seq, 0x5000u + s, 40);
      Packet packet(plain);
      auto length = sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
      ASSERT_TRUE(length.has_value());
      Buffer sent = Buffer(packet.data.begin(), packet.data.begin() + *length);
      auto plain_length = receiver.unprotect_rtp(packet.data.data(), *length);
      ASSERT_TRUE(plain_length.has_value()) << "ssrc " << s << " step " << step << ": "
                                            << to_string(receiver.last_error());
      packet.length = *plain_length;
      EXPECT_EQ(packet.view(), plain);
      if (step % 7 == 3) {  // the same packet again is a replay for this SSRC only
        Packet replay(sent);
        EXPECT_FALSE(receiver.unprotect_rtp(replay.data.data(), replay.length).has_value());
        EXPECT_EQ(receiver.last_error(), SrtpError::kReplay);
      }
    }
  }
}

// A sender that keeps a StreamHint per SSRC gets exactly the packets a lookup gives,
// across a sequence number wrap; a hint for another SSRC, or filled by another session,
// is not taken for the packet's stream.
TEST_P(ProfileTest, StreamHintsGiveTheSamePacketsAsLookups) {
  SrtpSession hinted = make(profile(), Direction::kOutbound);
  SrtpSession looked_up = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  constexpr uint32_t kSsrcs = 20;
  std::vector<StreamHint> hints(kSsrcs);
  auto protect = [](SrtpSession& session, const Buffer& plain, StreamHint* hint) {
    Packet packet(plain);
    auto length = session.protect_rtp(packet.data.data(), packet.length, packet.data.size(), hint);
    EXPECT_TRUE(length.has_value());
    return Buffer(packet.data.begin(), packet.data.begin() + (length ? *length : 0));
  };
  for (uint32_t step = 0; step < 24; ++step) {
    for (uint32_t s = 0; s < kSsrcs; ++s) {
      const Buffer plain = make_rtp(static_cast<uint16_t>(65520 + s + step), 0x5000u + s, 40);
      Buffer sent = protect(hinted, plain, &hints[s]);
      ASSERT_EQ(sent, protect(looked_up, plain, nullptr)) << "ssrc " << s << " step " << step;
      Packet packet(sent);
      ASSERT_TRUE(receiver.unprotect_rtp(packet.data.data(), packet.length).has_value());
    }
  }
  // SSRC 1's hint offered with a packet of SSRC 2: SSRC 2's stream is used (and the hint
  // now points to it).
  const Buffer other = make_rtp(static_cast<uint16_t>(65520 + 2 + 24), 0x5002, 40);
  EXPECT_EQ(protect(hinted, other, &hints[1]), protect(looked_up, other, nullptr));
  EXPECT_EQ(hints[1].ssrc, 0x5002u);
  // A hint of `hinted` (whose SSRC 0 wrapped: ROC 1) offered to a fresh session: the fresh
  // session's own stream (ROC 0) is used.
  SrtpSession fresh = make(profile(), Direction::kOutbound);
  SrtpSession fresh_looked_up = make(profile(), Direction::kOutbound);
  const Buffer first = make_rtp(10, 0x5000, 40);
  EXPECT_EQ(protect(fresh, first, &hints[0]), protect(fresh_looked_up, first, nullptr));
}

TEST_P(ProfileTest, RetransmissionMayReuseASequenceNumber) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  const Buffer plain = make_rtp(300, 0x31u, 25);
  Packet first(plain);
  Packet second(plain);
  first.length = *sender.protect_rtp(first.data.data(), first.length, first.data.size());
  Packet later(make_rtp(301, 0x31u, 25));
  ASSERT_TRUE(sender.protect_rtp(later.data.data(), later.length, later.data.size()));
  auto again = sender.protect_rtp(second.data.data(), second.length, second.data.size());
  ASSERT_TRUE(again.has_value()) << to_string(sender.last_error());
  second.length = *again;
  EXPECT_EQ(second.view(), first.view());
}

TEST_P(ProfileTest, RejectsBadLengthsAndWrongDirection) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);

  Buffer tiny(11 + kMaxRtcpTrailerLength, 0x80);
  EXPECT_FALSE(sender.protect_rtp(tiny.data(), 11, tiny.size()));
  EXPECT_EQ(sender.last_error(), SrtpError::kBadLength);
  EXPECT_FALSE(sender.protect_rtcp(tiny.data(), 7, tiny.size()));
  EXPECT_EQ(sender.last_error(), SrtpError::kBadLength);
  EXPECT_FALSE(receiver.unprotect_rtp(tiny.data(), 11));
  EXPECT_EQ(receiver.last_error(), SrtpError::kBadLength);
  EXPECT_FALSE(receiver.unprotect_rtcp(tiny.data(), 7));
  EXPECT_EQ(receiver.last_error(), SrtpError::kBadLength);

  // No room for the trailer: refused before libsrtp could write past the buffer.
  Buffer exact = make_rtp(1, 2, 20);
  const Buffer before = exact;
  EXPECT_FALSE(sender.protect_rtp(exact.data(), exact.size(), exact.size()));
  EXPECT_EQ(sender.last_error(), SrtpError::kBadLength);
  EXPECT_EQ(exact, before);

  Packet packet(make_rtp(1, 2, 20));
  EXPECT_FALSE(receiver.protect_rtp(packet.data.data(), packet.length, packet.data.size()));
  EXPECT_EQ(receiver.last_error(), SrtpError::kWrongDirection);
  EXPECT_FALSE(sender.unprotect_rtp(packet.data.data(), packet.length));
  EXPECT_EQ(sender.last_error(), SrtpError::kWrongDirection);
}

TEST_P(ProfileTest, MovedSessionKeepsItsState) {
  SrtpSession sender = make(profile(), Direction::kOutbound);
  SrtpSession receiver = make(profile(), Direction::kInbound);
  Packet packet(make_rtp(9, 0x10u, 16));
  packet.length = *sender.protect_rtp(packet.data.data(), packet.length, packet.data.size());
  const Packet copy = packet;
  ASSERT_TRUE(receiver.unprotect_rtp(packet.data.data(), packet.length));

  SrtpSession moved = std::move(receiver);
  Packet replay = copy;
  EXPECT_FALSE(moved.unprotect_rtp(replay.data.data(), replay.length));
  EXPECT_EQ(moved.last_error(), SrtpError::kReplay);
  EXPECT_EQ(moved.profile(), profile());
}

INSTANTIATE_TEST_SUITE_P(Profiles, ProfileTest,
                         ::testing::Values(Profile::kAeadAes128Gcm, Profile::kAes128CmSha1_80),
                         [](const auto& info) {
                           return info.param == Profile::kAeadAes128Gcm ? std::string("Gcm")
                                                                        : std::string("AesCm");
                         });

TEST(SrtpSessionTest, CreateRejectsWrongKeyOrSaltLength) {
  auto short_key = SrtpSession::create(Profile::kAes128CmSha1_80, Bytes(kMasterKey).first(15),
                                       kMasterSalt, Direction::kOutbound);
  EXPECT_FALSE(short_key.ok());
  auto cm_salt_for_gcm =
      SrtpSession::create(Profile::kAeadAes128Gcm, kMasterKey, kMasterSalt, Direction::kInbound);
  EXPECT_FALSE(cm_salt_for_gcm.ok());
}

TEST(SrtpSessionTest, InitializeIsIdempotent) {
  initialize();
  initialize();
  EXPECT_TRUE(
      SrtpSession::create(Profile::kAes128CmSha1_80, kMasterKey, kMasterSalt, Direction::kOutbound)
          .ok());
}

}  // namespace
}  // namespace podium::srtp
