#include "api/password.h"

#include <gtest/gtest.h>

#include <set>

namespace podium::api {
namespace {

// Small costs keep the unit tests fast; the encoded string records them.
constexpr PasswordCost kFast{1024, 1, 1};

TEST(Password, HashVerifiesAndIsEncodedArgon2id) {
  auto hash = hash_password("correct horse battery staple", kFast);
  ASSERT_TRUE(hash) << hash.error();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password("correct horse battery staple", *hash));
}

TEST(Password, DefaultCostIsRecordedInTheHash) {
  auto hash = hash_password("correct horse battery staple");
  ASSERT_TRUE(hash) << hash.error();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
}

TEST(Password, WrongPasswordIsRefused) {
  auto hash = hash_password("correct horse battery staple", kFast);
  ASSERT_TRUE(hash);
  EXPECT_FALSE(verify_password("correct horse battery stapl", *hash));
  EXPECT_FALSE(verify_password("", *hash));
  EXPECT_FALSE(verify_password("Correct horse battery staple", *hash));
}

TEST(Password, SaltMakesEveryHashDifferent) {
  auto a = hash_password("correct horse battery staple", kFast);
  auto b = hash_password("correct horse battery staple", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(Password, OtherAlgorithmsAndGarbageAreRefused) {
  auto hash = hash_password("correct horse battery staple", kFast);
  ASSERT_TRUE(hash);
  std::string argon2i = *hash;
  argon2i.replace(0, 10, "$argon2i$");
  EXPECT_FALSE(verify_password("correct horse battery staple", argon2i));
  EXPECT_FALSE(verify_password("correct horse battery staple", ""));
  EXPECT_FALSE(verify_password("correct horse battery staple", "$argon2id$garbage"));
  EXPECT_FALSE(verify_password("correct horse battery staple", "plaintext"));
}

TEST(Password, LengthLimits) {
  EXPECT_FALSE(hash_password("short", kFast));
  EXPECT_FALSE(hash_password(std::string(kMaxPasswordLength + 1, 'x'), kFast));
  EXPECT_TRUE(hash_password(std::string(kMaxPasswordLength, 'x'), kFast));
}

TEST(Password, GeneratedPasswordsAreLongAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto password = generate_password();
    EXPECT_EQ(password.size(), 24u);
    EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos) << password;
    seen.insert(password);
  }
  EXPECT_EQ(seen.size(), 50u);
}

}  // namespace
}  // namespace podium::api
