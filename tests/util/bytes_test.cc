#include "util/bytes.h"

#include <gtest/gtest.h>

namespace podium {

TEST(Bytes, BigEndianRoundTrip) {
  std::uint8_t buf[8] = {};
  store_u16(buf, 0xBEEF);
  EXPECT_EQ(buf[0], 0xBE);
  EXPECT_EQ(load_u16(buf), 0xBEEF);
  store_u24(buf, 0x123456);
  EXPECT_EQ(load_u24(buf), 0x123456u);
  store_u32(buf, 0xDEADBEEF);
  EXPECT_EQ(buf[3], 0xEF);
  EXPECT_EQ(load_u32(buf), 0xDEADBEEFu);
  store_u64(buf, 0x0102030405060708ULL);
  EXPECT_EQ(load_u64(buf), 0x0102030405060708ULL);
}

TEST(Bytes, HexRoundTrip) {
  auto bytes = from_hex("00 ff 10 Ab");
  ASSERT_EQ(bytes.size(), 4u);
  EXPECT_EQ(to_hex(bytes), "00ff10ab");
  EXPECT_TRUE(from_hex("zz").empty());
}

}  // namespace podium
