// SrtpSession (OpenSSL) against libsrtp2, both ways, for every profile: what one
// protects the other must unprotect, SRTP bytes must be identical, and both must refuse
// the same replays, forgeries and truncations.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "libsrtp_session.h"
#include "srtp/srtp_session.h"
#include "srtp_reference.h"
#include "util/bytes.h"

namespace podium::srtp {
namespace {

using Buffer = std::vector<uint8_t>;
using reference::LibsrtpSession;

constexpr size_t kRoom = kMaxRtcpTrailerLength;

struct Keys {
  Buffer key;
  Buffer salt;
};

Keys keys_for(Profile profile) {
  Keys keys;
  keys.key.resize(master_key_length(profile));
  keys.salt.resize(master_salt_length(profile));
  for (size_t i = 0; i < keys.key.size(); ++i) keys.key[i] = static_cast<uint8_t>(0x31 * i + 7);
  for (size_t i = 0; i < keys.salt.size(); ++i) keys.salt[i] = static_cast<uint8_t>(0x17 * i + 3);
  return keys;
}

// RTP with `csrcs` CSRCs and, if `extension`, a two-word RFC 8285 one-byte extension.
Buffer make_rtp(uint16_t seq, uint32_t ssrc, size_t payload_size, int csrcs = 0,
                bool extension = false) {
  Buffer rtp{static_cast<uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs), 0x60};
  rtp.resize(12);
  store_u16(rtp.data() + 2, seq);
  store_u32(rtp.data() + 4, 3000u * seq);
  store_u32(rtp.data() + 8, ssrc);
  for (int i = 0; i < csrcs; ++i) {
    rtp.resize(rtp.size() + 4);
    store_u32(rtp.data() + rtp.size() - 4, 0xc0000000u + i);
  }
  if (extension) {
    for (uint8_t b : {0xbe, 0xde, 0x00, 0x02, 0x10, 0x33, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00}) {
      rtp.push_back(b);
    }
  }
  for (size_t i = 0; i < payload_size; ++i) rtp.push_back(static_cast<uint8_t>(i * 7 + seq));
  return rtp;
}

Buffer make_rtcp(uint32_t ssrc, size_t report_words = 6) {
  Buffer rtcp(4 + 4 * report_words, 0x5a);
  rtcp[0] = 0x80;
  rtcp[1] = 200;  // SR
  store_u16(rtcp.data() + 2, static_cast<uint16_t>(report_words));
  store_u32(rtcp.data() + 4, ssrc);
  return rtcp;
}

// protect/unprotect through any session type on a copy with trailer room.
template <typename Session>
std::optional<Buffer> protect(Session& session, const Buffer& plain, bool rtcp = false) {
  Buffer buffer(plain);
  buffer.resize(plain.size() + kRoom);
  auto length = rtcp ? session.protect_rtcp(buffer.data(), plain.size(), buffer.size())
                     : session.protect_rtp(buffer.data(), plain.size(), buffer.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

template <typename Session>
std::optional<Buffer> unprotect(Session& session, const Buffer& packet, bool rtcp = false) {
  Buffer buffer(packet);
  auto length = rtcp ? session.unprotect_rtcp(buffer.data(), buffer.size())
                     : session.unprotect_rtp(buffer.data(), buffer.size());
  if (!length) return std::nullopt;
  buffer.resize(*length);
  return buffer;
}

class CrossTest : public ::testing::TestWithParam<Profile> {
 protected:
  Profile profile() const { return GetParam(); }
  SrtpSession ours(Direction direction) {
    auto session = SrtpSession::create(profile(), keys_.key, keys_.salt, direction);
    EXPECT_TRUE(session.ok()) << session.error();
    return std::move(session).value();
  }
  LibsrtpSession theirs(Direction direction, bool encrypt_rtcp = true) {
    auto session =
        LibsrtpSession::create(profile(), keys_.key, keys_.salt, direction, encrypt_rtcp);
    EXPECT_TRUE(session.ok()) << session.error();
    return std::move(session).value();
  }

  Keys keys_ = keys_for(GetParam());
};

TEST_P(CrossTest, RtpBytesMatchLibsrtpAndDecryptBothWays) {
  SrtpSession our_sender = ours(Direction::kOutbound);
  LibsrtpSession their_sender = theirs(Direction::kOutbound);
  SrtpSession our_receiver = ours(Direction::kInbound);
  LibsrtpSession their_receiver = theirs(Direction::kInbound);
  uint16_t seq = 4000;
  for (size_t payload : {0, 1, 15, 16, 17, 160, 1200}) {
    for (int csrcs : {0, 2}) {
      for (bool extension : {false, true}) {
        const Buffer plain = make_rtp(seq++, 0xa1b2c3d4u, payload, csrcs, extension);
        auto mine = protect(our_sender, plain);
        auto reference = protect(their_sender, plain);
        ASSERT_TRUE(mine && reference) << payload;
        EXPECT_EQ(to_hex(*mine), to_hex(*reference)) << "payload " << payload;
        EXPECT_EQ(unprotect(their_receiver, *mine), plain) << their_receiver.last_status();
        EXPECT_EQ(unprotect(our_receiver, *reference), plain)
            << to_string(our_receiver.last_error());
      }
    }
  }
}

TEST_P(CrossTest, RtcpDecryptsBothWays) {
  SrtpSession our_sender = ours(Direction::kOutbound);
  LibsrtpSession their_sender = theirs(Direction::kOutbound);
  SrtpSession our_receiver = ours(Direction::kInbound);
  LibsrtpSession their_receiver = theirs(Direction::kInbound);
  for (uint32_t ssrc : {1u, 0xfeedbeefu}) {
    for (size_t words : {1, 6, 40}) {
      const Buffer plain = make_rtcp(ssrc, words);
      auto mine = protect(our_sender, plain, true);
      auto reference = protect(their_sender, plain, true);
      ASSERT_TRUE(mine && reference);
      EXPECT_EQ(mine->size(), reference->size());
      EXPECT_EQ(unprotect(their_receiver, *mine, true), plain) << their_receiver.last_status();
      EXPECT_EQ(unprotect(our_receiver, *reference, true), plain)
          << to_string(our_receiver.last_error());
    }
  }
}

TEST_P(CrossTest, AuthenticatedOnlyRtcpFromLibsrtpIsAccepted) {
  LibsrtpSession their_sender = theirs(Direction::kOutbound, /*encrypt_rtcp=*/false);
  SrtpSession our_receiver = ours(Direction::kInbound);
  const Buffer plain = make_rtcp(0x0badcafe);
  auto packet = protect(their_sender, plain, true);
  ASSERT_TRUE(packet);
  // The RTCP body travels in the clear and the E flag is clear.
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), packet->begin()));
  auto decoded = unprotect(our_receiver, *packet, true);
  ASSERT_TRUE(decoded) << to_string(our_receiver.last_error());
  EXPECT_EQ(*decoded, plain);
  // Still authenticated: a changed body byte is refused.
  Buffer forged = *packet;
  forged[12] ^= 1;
  SrtpSession fresh = ours(Direction::kInbound);
  EXPECT_FALSE(unprotect(fresh, forged, true));
  EXPECT_EQ(fresh.last_error(), SrtpError::kAuthFailure);
}

// The 16-bit sequence number wraps: the ROC goes to 1 on both sides (RFC 3711 §3.3.1),
// including for a packet from before the wrap that arrives after it.
TEST_P(CrossTest, RolloverCounterAdvancesAcrossTheWrap) {
  SrtpSession our_sender = ours(Direction::kOutbound);
  LibsrtpSession their_sender = theirs(Direction::kOutbound);
  SrtpSession our_receiver = ours(Direction::kInbound);
  LibsrtpSession their_receiver = theirs(Direction::kInbound);
  std::vector<std::pair<Buffer, Buffer>> sent;  // plain, ours
  for (uint32_t n = 0; n < 12; ++n) {
    const Buffer plain = make_rtp(static_cast<uint16_t>(65530 + n), 0x55u, 100);
    auto mine = protect(our_sender, plain);
    auto reference = protect(their_sender, plain);
    ASSERT_TRUE(mine && reference);
    EXPECT_EQ(to_hex(*mine), to_hex(*reference)) << n;
    sent.emplace_back(plain, *mine);
  }
  // After the wrap the ROC is 1: check against the RFC implementation.
  if (profile() == Profile::kAes128CmSha1_80 || profile() == Profile::kAeadAes128Gcm) {
    const Buffer& plain = sent[8].first;  // seq 2, ROC 1
    const Buffer expected = profile() == Profile::kAeadAes128Gcm
                                ? reference::protect_rtp_gcm(keys_.key, keys_.salt, plain, 1)
                                : reference::protect_rtp_cm(keys_.key, keys_.salt, plain, 1);
    EXPECT_EQ(to_hex(sent[8].second), to_hex(expected));
  }
  // Deliver 65530..65534, then 0..5, then 65535 late: all authentic, each once.
  std::vector<size_t> order = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 5};
  for (size_t i : order) {
    EXPECT_EQ(unprotect(our_receiver, sent[i].second), sent[i].first)
        << i << " " << to_string(our_receiver.last_error());
    EXPECT_EQ(unprotect(their_receiver, sent[i].second), sent[i].first) << i;
  }
  EXPECT_FALSE(unprotect(our_receiver, sent[5].second));
  EXPECT_EQ(our_receiver.last_error(), SrtpError::kReplay);
}

// A random mix of in-order, reordered, duplicated and very late packets: our receiver
// accepts exactly the packets libsrtp accepts.
TEST_P(CrossTest, ReplayVerdictsMatchLibsrtp) {
  SrtpSession sender = ours(Direction::kOutbound);
  SrtpSession our_receiver = ours(Direction::kInbound);
  LibsrtpSession their_receiver = theirs(Direction::kInbound);
  std::mt19937 random(7);
  std::vector<Buffer> sent;
  uint16_t seq = 64000;  // wraps during the test
  int accepted = 0;
  int refused = 0;
  for (int step = 0; step < 3000; ++step) {
    const Buffer plain = make_rtp(seq++, 0x99u, 20);
    sent.push_back(*protect(sender, plain));
    Buffer packet = sent.back();
    const int dice = static_cast<int>(random() % 10);
    if (dice == 0 && sent.size() > 2) {
      packet = sent[sent.size() - 2 - random() % std::min<size_t>(sent.size() - 2, 1500)];
    } else if (dice == 1) {
      continue;  // lost (it may come later as a "late" one)
    }
    const bool mine = unprotect(our_receiver, packet).has_value();
    const bool theirs_ok = unprotect(their_receiver, packet).has_value();
    ASSERT_EQ(mine, theirs_ok) << "step " << step << " seq " << load_u16(packet.data() + 2) << " "
                               << to_string(our_receiver.last_error());
    if (!mine) {
      EXPECT_EQ(our_receiver.last_error(), SrtpError::kReplay);
    }
    (mine ? accepted : refused)++;
  }
  EXPECT_GT(accepted, 2000);
  EXPECT_GT(refused, 50);
}

TEST_P(CrossTest, RtcpReplayIsRefused) {
  LibsrtpSession sender = theirs(Direction::kOutbound);
  SrtpSession receiver = ours(Direction::kInbound);
  std::vector<Buffer> sent;
  for (int i = 0; i < 200; ++i) sent.push_back(*protect(sender, make_rtcp(0x42u), true));
  ASSERT_TRUE(unprotect(receiver, sent[199], true));
  EXPECT_FALSE(unprotect(receiver, sent[199], true));
  EXPECT_EQ(receiver.last_error(), SrtpError::kReplay);
  EXPECT_TRUE(unprotect(receiver, sent[150], true));  // 49 behind: in the 128 window
  EXPECT_FALSE(unprotect(receiver, sent[10], true));  // 189 behind: too old
  EXPECT_EQ(receiver.last_error(), SrtpError::kReplay);
}

TEST_P(CrossTest, EveryTamperedByteOfLibsrtpPacketFails) {
  LibsrtpSession sender = theirs(Direction::kOutbound);
  const Buffer plain = make_rtp(777, 0x1234u, 40, 1, true);
  const Buffer packet = *protect(sender, plain);
  const Buffer rtcp = *protect(sender, make_rtcp(0x1234u), true);
  SrtpSession receiver = ours(Direction::kInbound);
  for (size_t at = 0; at < packet.size(); ++at) {
    // Bytes 2-3 (sequence number) change the index; 8-11 (SSRC) the stream. Both still
    // have to fail authentication, not be taken as another packet.
    Buffer tampered = packet;
    tampered[at] ^= 0x40;
    EXPECT_FALSE(unprotect(receiver, tampered)) << at;
    EXPECT_NE(receiver.last_error(), SrtpError::kNone) << at;
  }
  for (size_t at = 0; at < rtcp.size(); ++at) {
    Buffer tampered = rtcp;
    tampered[at] ^= 0x40;
    EXPECT_FALSE(unprotect(receiver, tampered, true)) << at;
  }
  // Nothing above was accepted, so the untouched packets still are.
  EXPECT_EQ(unprotect(receiver, packet), plain);
  EXPECT_TRUE(unprotect(receiver, rtcp, true));
}

TEST_P(CrossTest, TruncatedPacketsAreDroppedWithAReason) {
  LibsrtpSession sender = theirs(Direction::kOutbound);
  const Buffer packet = *protect(sender, make_rtp(5, 0x77u, 30, 2, true));
  const Buffer rtcp = *protect(sender, make_rtcp(0x77u), true);
  SrtpSession receiver = ours(Direction::kInbound);
  for (size_t length = 0; length < packet.size(); ++length) {
    // A heap copy of exactly `length` bytes, so the sanitizer sees any read past it.
    Buffer cut(packet.begin(), packet.begin() + length);
    EXPECT_FALSE(receiver.unprotect_rtp(cut.empty() ? nullptr : cut.data(), length)) << length;
    const SrtpError error = receiver.last_error();
    EXPECT_TRUE(error == SrtpError::kBadLength || error == SrtpError::kAuthFailure) << length;
  }
  for (size_t length = 0; length < rtcp.size(); ++length) {
    Buffer cut(rtcp.begin(), rtcp.begin() + length);
    EXPECT_FALSE(receiver.unprotect_rtcp(cut.empty() ? nullptr : cut.data(), length)) << length;
    const SrtpError error = receiver.last_error();
    EXPECT_TRUE(error == SrtpError::kBadLength || error == SrtpError::kAuthFailure ||
                error == SrtpError::kReplay)
        << length;
  }
  EXPECT_TRUE(unprotect(receiver, packet));
}

INSTANTIATE_TEST_SUITE_P(Profiles, CrossTest,
                         ::testing::Values(Profile::kAeadAes128Gcm, Profile::kAeadAes256Gcm,
                                           Profile::kAes128CmSha1_80, Profile::kAes128CmSha1_32),
                         [](const auto& info) {
                           switch (info.param) {
                             case Profile::kAeadAes128Gcm:
                               return std::string("Gcm128");
                             case Profile::kAeadAes256Gcm:
                               return std::string("Gcm256");
                             case Profile::kAes128CmSha1_80:
                               return std::string("AesCm80");
                             case Profile::kAes128CmSha1_32:
                               return std::string("AesCm32");
                           }
                           return std::string("?");
                         });

// Malformed headers that claim more than the packet holds.
TEST(SrtpSessionBoundsTest, HeaderLongerThanPacketIsBadLength) {
  const Keys keys = keys_for(Profile::kAes128CmSha1_80);
  auto sender =
      SrtpSession::create(Profile::kAes128CmSha1_80, keys.key, keys.salt, Direction::kOutbound);
  auto receiver =
      SrtpSession::create(Profile::kAes128CmSha1_80, keys.key, keys.salt, Direction::kInbound);
  ASSERT_TRUE(sender.ok() && receiver.ok());
  Buffer many_csrcs = make_rtp(1, 2, 20);
  many_csrcs[0] |= 0x0f;  // 15 CSRCs = 60 bytes, the packet has 20 after the header
  many_csrcs.resize(many_csrcs.size() + kRoom);
  EXPECT_FALSE(sender->protect_rtp(many_csrcs.data(), 32, many_csrcs.size()));
  EXPECT_EQ(sender->last_error(), SrtpError::kBadLength);
  Buffer huge_extension = make_rtp(1, 2, 40, 0, true);
  store_u16(huge_extension.data() + 14, 0xffff);
  EXPECT_FALSE(receiver->unprotect_rtp(huge_extension.data(), huge_extension.size()));
  EXPECT_EQ(receiver->last_error(), SrtpError::kBadLength);
}

// Only authentic packets create per-SSRC state, and there is a bound on it.
TEST(SrtpSessionBoundsTest, StreamsAreBounded) {
  const Keys keys = keys_for(Profile::kAeadAes128Gcm);
  auto sender =
      SrtpSession::create(Profile::kAeadAes128Gcm, keys.key, keys.salt, Direction::kOutbound);
  auto receiver =
      SrtpSession::create(Profile::kAeadAes128Gcm, keys.key, keys.salt, Direction::kInbound);
  ASSERT_TRUE(sender.ok() && receiver.ok());
  for (uint32_t ssrc = 0; ssrc < SrtpSession::kMaxStreams; ++ssrc) {
    auto packet = protect(*sender, make_rtp(1, ssrc, 4));
    ASSERT_TRUE(packet);
    ASSERT_TRUE(unprotect(*receiver, *packet)) << ssrc;
  }
  auto one_more = protect(*sender, make_rtp(1, 0xffffffffu, 4));
  EXPECT_FALSE(one_more);
  EXPECT_EQ(sender->last_error(), SrtpError::kOther);

  // The receiver refuses an authentic packet of one SSRC too many, and keeps working.
  auto other_sender =
      SrtpSession::create(Profile::kAeadAes128Gcm, keys.key, keys.salt, Direction::kOutbound);
  auto extra = protect(*other_sender, make_rtp(1, 0xffffffffu, 4));
  ASSERT_TRUE(extra);
  EXPECT_FALSE(unprotect(*receiver, *extra));
  EXPECT_EQ(receiver->last_error(), SrtpError::kOther);
  auto known = protect(*sender, make_rtp(2, 5, 4));
  EXPECT_TRUE(unprotect(*receiver, *known));
}

}  // namespace
}  // namespace podium::srtp
