#include "rtp/retransmission_buffer.h"

#include <gtest/gtest.h>

#include <vector>

#include "rtp/rtp_writer.h"

namespace podium::rtp {
namespace {

const TimePoint kStart{Duration{5'000'000}};

std::vector<std::uint8_t> packet_bytes(std::uint16_t sequence, std::uint8_t fill, std::size_t payload = 100) {
  std::vector<std::uint8_t> out(12 + payload, fill);
  RtpHeaderFields fields;
  fields.payload_type = 96;
  fields.sequence_number = sequence;
  fields.timestamp = 1000u * sequence;
  fields.ssrc = 0x1234;
  write_rtp_header(out.data(), out.size(), fields, {});
  return out;
}

void store(RetransmissionBuffer& buffer, std::uint16_t sequence, std::uint8_t fill, TimePoint now) {
  auto bytes = packet_bytes(sequence, fill);
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  ASSERT_TRUE(buffer.store(*packet, now));
}

TEST(RetransmissionBuffer, ReturnsACopyOfTheStoredPacket) {
  RetransmissionBuffer buffer(64);
  auto bytes = packet_bytes(7, 0xab);
  {
    auto packet = RtpPacket::parse(bytes);
    buffer.store(*packet, kStart);
  }
  std::vector<std::uint8_t> original = bytes;
  std::fill(bytes.begin(), bytes.end(), 0);  // the receive buffer is reused
  auto got = buffer.get(7, kStart);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->sequence_number(), 7);
  EXPECT_EQ(got->timestamp(), 7000u);
  EXPECT_EQ(std::vector<std::uint8_t>(got->data().begin(), got->data().end()), original);
  EXPECT_FALSE(buffer.get(8, kStart));
}

TEST(RetransmissionBuffer, CapacityIsAPowerOfTwoAndOlderSlotsAreOverwritten) {
  RetransmissionBuffer buffer(100);
  EXPECT_EQ(buffer.capacity(), 128u);
  for (int s = 0; s < 200; ++s) store(buffer, static_cast<std::uint16_t>(s), 1, kStart);
  EXPECT_FALSE(buffer.get(10, kStart)) << "slot reused by 138";
  EXPECT_TRUE(buffer.get(138, kStart));
  EXPECT_TRUE(buffer.get(199, kStart));
  EXPECT_TRUE(buffer.get(72, kStart));
  EXPECT_FALSE(buffer.get(71, kStart));
}

TEST(RetransmissionBuffer, SequenceNumbersWrapAround) {
  RetransmissionBuffer buffer(64);
  for (std::uint32_t s = 65530; s < 65546; ++s) store(buffer, static_cast<std::uint16_t>(s), static_cast<std::uint8_t>(s), kStart);
  for (std::uint32_t s = 65530; s < 65546; ++s) {
    auto got = buffer.get(static_cast<std::uint16_t>(s), kStart);
    ASSERT_TRUE(got) << s;
    EXPECT_EQ(got->payload()[0], static_cast<std::uint8_t>(s));
  }
}

TEST(RetransmissionBuffer, PacketsOlderThanMaxAgeAreNotReturned) {
  RetransmissionBuffer buffer(64, Duration{1'000'000});
  store(buffer, 1, 1, kStart);
  store(buffer, 2, 2, kStart + Duration{500'000});
  EXPECT_TRUE(buffer.get(1, kStart + Duration{1'000'000}));
  EXPECT_FALSE(buffer.get(1, kStart + Duration{1'000'001}));
  EXPECT_TRUE(buffer.get(2, kStart + Duration{1'000'001}));
  buffer.clear();
  EXPECT_FALSE(buffer.get(2, kStart + Duration{1'000'001}));
}

TEST(RetransmissionBuffer, OversizedPacketsAreNotStored) {
  RetransmissionBuffer buffer(64);
  auto bytes = packet_bytes(3, 1, RetransmissionBuffer::kMaxPacketSize);
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_FALSE(buffer.store(*packet, kStart));
  EXPECT_FALSE(buffer.get(3, kStart));
}

}  // namespace
}  // namespace podium::rtp
