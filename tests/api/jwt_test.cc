#include "api/jwt.h"

#include <gtest/gtest.h>

namespace podium::api {
namespace {

// RFC 7515 Appendix A.1: the HS256 example, with the key from its JWK ("k").
constexpr std::string_view kRfcKey =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kRfcToken =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::int64_t kRfcExp = 1300819380;

std::vector<std::uint8_t> rfc_key() { return base64url_decode(kRfcKey).value(); }

TEST(Base64Url, RoundTripsAllLengths) {
  std::vector<std::uint8_t> data;
  for (int i = 0; i < 40; ++i) {
    auto text = base64url_encode(data);
    EXPECT_EQ(text.find('='), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<std::uint8_t>(i * 37 + 250));
  }
}

TEST(Base64Url, KnownAnswers) {
  // RFC 4648 §10 vectors, translated to the url alphabet without padding.
  EXPECT_EQ(base64url_encode(as_bytes("f")), "Zg");
  EXPECT_EQ(base64url_encode(as_bytes("fo")), "Zm8");
  EXPECT_EQ(base64url_encode(as_bytes("foobar")), "Zm9vYmFy");
  std::vector<std::uint8_t> high = {0xfb, 0xff};
  EXPECT_EQ(base64url_encode(high), "-_8");
}

TEST(Base64Url, RejectsPaddingAndForeignCharacters) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm+v"));
  EXPECT_FALSE(base64url_decode("Zm/v"));
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero trailing bits
}

TEST(Jwt, VerifiesRfc7515ExampleA1) {
  auto claims = jwt_verify_hs256(kRfcToken, rfc_key(), kRfcExp - 1);
  ASSERT_TRUE(claims) << claims.error();
  EXPECT_EQ((*claims)["iss"], "joe");
  EXPECT_EQ((*claims)["http://example.com/is_root"], true);
}

TEST(Jwt, Rfc7515ExampleExpiresAtExp) {
  auto claims = jwt_verify_hs256(kRfcToken, rfc_key(), kRfcExp);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error(), "token expired");
}

TEST(Jwt, RoundTrip) {
  std::vector<std::uint8_t> key(32, 7);
  nlohmann::json claims = {{"sub", "x"}, {"exp", 2000}, {"nbf", 1000}};
  auto token = jwt_sign_hs256(claims, key);
  auto back = jwt_verify_hs256(token, key, 1500);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, claims);
  EXPECT_FALSE(jwt_verify_hs256(token, key, 999));   // before nbf
  EXPECT_FALSE(jwt_verify_hs256(token, key, 2000));  // at exp
}

TEST(Jwt, RejectsWrongKeyAndTampering) {
  std::vector<std::uint8_t> key(32, 7);
  std::vector<std::uint8_t> other(32, 8);
  auto token = jwt_sign_hs256({{"role", "attendee"}}, key);
  EXPECT_FALSE(jwt_verify_hs256(token, other, 0));

  // Swap in a payload claiming more, keeping the signature.
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  std::string forged_payload = base64url_encode(as_bytes(R"({"role":"organizer"})"));
  std::string forged = token.substr(0, first + 1) + forged_payload + token.substr(second);
  auto result = jwt_verify_hs256(forged, key, 0);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "token signature is invalid");

  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(jwt_verify_hs256(flipped, key, 0));
}

TEST(Jwt, RejectsAlgNoneAndOtherAlgorithms) {
  std::vector<std::uint8_t> key(32, 7);
  std::string payload = base64url_encode(as_bytes(R"({"sub":"x"})"));
  std::string none = base64url_encode(as_bytes(R"({"alg":"none"})")) + "." + payload + ".";
  auto result = jwt_verify_hs256(none, key, 0);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "token algorithm must be HS256");
  // A correct HS256 signature under a header naming HS512 is still refused.
  std::string header = base64url_encode(as_bytes(R"({"alg":"HS512"})"));
  auto token = jwt_sign_hs256({{"sub", "x"}}, key);
  EXPECT_FALSE(jwt_verify_hs256(header + token.substr(token.find('.')), key, 0));
}

TEST(Jwt, RejectsMalformedShapes) {
  std::vector<std::uint8_t> key(32, 7);
  EXPECT_FALSE(jwt_verify_hs256("", key, 0));
  EXPECT_FALSE(jwt_verify_hs256("abc", key, 0));
  EXPECT_FALSE(jwt_verify_hs256("a.b", key, 0));
  EXPECT_FALSE(jwt_verify_hs256("a.b.c.d", key, 0));
  auto token = jwt_sign_hs256({{"sub", "x"}}, key);
  EXPECT_FALSE(jwt_verify_hs256(token + "x", key, 0));
  // Non-numeric exp is an error, not "no expiry".
  auto bad_exp = jwt_sign_hs256({{"exp", "tomorrow"}}, key);
  EXPECT_FALSE(jwt_verify_hs256(bad_exp, key, 0));
}

}  // namespace
}  // namespace podium::api
