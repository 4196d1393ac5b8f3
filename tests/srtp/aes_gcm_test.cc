// AesGcm runs OpenSSL's GCM through a copy of its method table, not through the default
// provider. Whatever path it takes, every byte it writes must be the provider's.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdint>
#include <vector>

#include "srtp/crypto.h"

namespace podium::srtp {
namespace {

using Buffer = std::vector<std::uint8_t>;

Buffer pattern(std::size_t size, std::uint8_t seed) {
  Buffer out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + 31 * i);
  return out;
}

// The default provider's AES-GCM, fetched by name, as a reference.
Buffer provider_seal(const Buffer& key, const Buffer& iv, const Buffer& aad, Buffer data) {
  EVP_CIPHER* cipher =
      EVP_CIPHER_fetch(nullptr, key.size() == 16 ? "AES-128-GCM" : "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
  int written = 0;
  std::uint8_t tag[16];
  EXPECT_EQ(EVP_EncryptInit_ex(context, cipher, nullptr, key.data(), iv.data()), 1);
  EXPECT_EQ(EVP_EncryptUpdate(context, nullptr, &written, aad.data(), static_cast<int>(aad.size())),
            1);
  if (!data.empty())
    EXPECT_EQ(EVP_EncryptUpdate(context, data.data(), &written, data.data(),
                                static_cast<int>(data.size())),
              1);
  EXPECT_EQ(EVP_EncryptFinal_ex(context, tag, &written), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
  EVP_CIPHER_CTX_free(context);
  EVP_CIPHER_free(cipher);
  data.insert(data.end(), tag, tag + 16);
  return data;
}

TEST(AesGcmTest, SealsAndOpensAsTheProviderDoes) {
  for (std::size_t key_size : {16u, 32u}) {
    const Buffer key = pattern(key_size, 7);
    auto seal = AesGcm::create(key, true);
    auto open = AesGcm::create(key, false);
    ASSERT_TRUE(seal && open);
    EXPECT_TRUE(seal->direct()) << "OpenSSL's GCM method table could not be copied here";
    EXPECT_TRUE(open->direct());
    // Packets one after another on the same contexts, as a session uses them.
    for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 100u, 1200u, 1400u}) {
      SCOPED_TRACE(testing::Message() << "key " << key_size << ", " << size << " bytes");
      const Buffer iv = pattern(12, static_cast<std::uint8_t>(size));
      const Buffer header = pattern(12, 1), extension = pattern(8, 2);
      Buffer aad = header;
      aad.insert(aad.end(), extension.begin(), extension.end());
      const Buffer plain = pattern(size, 9);

      Buffer sealed = plain;
      sealed.resize(size + AesGcm::kTagLength);
      ASSERT_TRUE(
          seal->seal(iv.data(), header, extension, sealed.data(), size, sealed.data() + size));
      EXPECT_EQ(sealed, provider_seal(key, iv, aad, plain));

      Buffer opened = sealed;
      ASSERT_TRUE(
          open->open(iv.data(), header, extension, opened.data(), size, opened.data() + size));
      EXPECT_EQ(Buffer(opened.begin(), opened.begin() + size), plain);

      Buffer tampered = sealed;
      tampered[size] ^= 0x01;  // the tag's first bit
      EXPECT_FALSE(
          open->open(iv.data(), header, extension, tampered.data(), size, tampered.data() + size));
      if (size > 0) {
        tampered = sealed;
        tampered[0] ^= 0x80;
        EXPECT_FALSE(open->open(iv.data(), header, extension, tampered.data(), size,
                                tampered.data() + size));
      }
      // A failed open leaves the context good for the next packet.
      opened = sealed;
      EXPECT_TRUE(
          open->open(iv.data(), header, extension, opened.data(), size, opened.data() + size));
    }
  }
}

}  // namespace
}  // namespace podium::srtp
