#include "srtp_reference.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <stdexcept>

namespace podium::srtp::reference {
namespace {

using Buffer = std::vector<std::uint8_t>;

Buffer aes_128_ctr(Bytes key, const std::uint8_t iv[16], Bytes input) {
  Buffer out(input.size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, key.data(), iv) != 1 ||
      EVP_EncryptUpdate(ctx, out.data(), &n, input.data(), static_cast<int>(input.size())) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("AES-CTR failed");
  }
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

// Returns ciphertext || 16-byte tag.
Buffer aes_128_gcm(Bytes key, const std::uint8_t iv[12], Bytes aad, Bytes input) {
  Buffer out(input.size() + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), iv) == 1 &&
      EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx, out.data(), &n, input.data(), static_cast<int>(input.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, out.data() + n, &n) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + input.size()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) throw std::runtime_error("AES-GCM failed");
  return out;
}

Buffer hmac_sha1_80(Bytes key, Bytes message) {
  unsigned char digest[20];
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), digest,
       &length);
  return Buffer(digest, digest + 10);  // RFC 3711 §5.2: 80-bit tag
}

void append(Buffer& out, Bytes more) { out.insert(out.end(), more.begin(), more.end()); }

}  // namespace

Buffer derive(Bytes master_key, Bytes master_salt, std::uint8_t label, std::size_t length) {
  // x = key_id XOR master_salt, key_id = label || r (r = 0), right-aligned in 112 bits;
  // the counter block is x * 2^16.
  std::uint8_t iv[16] = {};
  std::memcpy(iv, master_salt.data(), master_salt.size());
  iv[7] ^= label;
  return aes_128_ctr(master_key, iv, Buffer(length, 0));
}

Buffer protect_rtp_cm(Bytes master_key, Bytes master_salt, Bytes rtp, std::uint32_t roc) {
  const Buffer key = derive(master_key, master_salt, 0, 16);
  const Buffer auth = derive(master_key, master_salt, 1, 20);
  const Buffer salt = derive(master_key, master_salt, 2, 14);
  // RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = ROC || SEQ.
  std::uint8_t iv[16] = {};
  std::memcpy(iv, salt.data(), 14);
  for (int b = 0; b < 4; ++b) iv[4 + b] ^= rtp[8 + b];
  const std::uint64_t index = (std::uint64_t{roc} << 16) | load_u16(rtp.data() + 2);
  for (int b = 0; b < 6; ++b) iv[8 + b] ^= static_cast<std::uint8_t>(index >> (8 * (5 - b)));

  Buffer out(rtp.begin(), rtp.begin() + 12);
  append(out, aes_128_ctr(key, iv, rtp.subspan(12)));
  // RFC 3711 §4.2: the tag covers the packet and the ROC.
  Buffer authenticated = out;
  std::uint8_t roc_bytes[4];
  store_u32(roc_bytes, roc);
  append(authenticated, roc_bytes);
  append(out, hmac_sha1_80(auth, authenticated));
  return out;
}

Buffer protect_rtp_gcm(Bytes master_key, Bytes master_salt, Bytes rtp, std::uint32_t roc) {
  // RFC 7714 §11: same AES-CM PRF; 96-bit session salt.
  const Buffer key = derive(master_key, master_salt, 0, 16);
  const Buffer salt = derive(master_key, master_salt, 2, 12);
  // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt.
  std::uint8_t iv[12] = {};
  std::memcpy(iv + 2, rtp.data() + 8, 4);
  store_u32(iv + 6, roc);
  std::memcpy(iv + 10, rtp.data() + 2, 2);
  for (int b = 0; b < 12; ++b) iv[b] ^= salt[b];
  // §8.2: the header is the associated data.
  Buffer out(rtp.begin(), rtp.begin() + 12);
  append(out, aes_128_gcm(key, iv, rtp.first(12), rtp.subspan(12)));
  return out;
}

Buffer protect_rtcp_cm(Bytes master_key, Bytes master_salt, Bytes rtcp, std::uint32_t index) {
  const Buffer key = derive(master_key, master_salt, 3, 16);
  const Buffer auth = derive(master_key, master_salt, 4, 20);
  const Buffer salt = derive(master_key, master_salt, 5, 14);
  // RFC 3711 §4.1.1 with the 31-bit SRTCP index in place of i.
  std::uint8_t iv[16] = {};
  std::memcpy(iv, salt.data(), 14);
  for (int b = 0; b < 4; ++b) iv[4 + b] ^= rtcp[4 + b];
  for (int b = 0; b < 4; ++b) iv[10 + b] ^= static_cast<std::uint8_t>(index >> (8 * (3 - b)));

  Buffer out(rtcp.begin(), rtcp.begin() + 8);
  append(out, aes_128_ctr(key, iv, rtcp.subspan(8)));
  std::uint8_t e_index[4];
  store_u32(e_index, 0x80000000u | index);  // RFC 3711 §3.4: E flag set, encrypted
  append(out, e_index);
  append(out, hmac_sha1_80(auth, out));
  return out;
}

Buffer protect_rtcp_gcm(Bytes master_key, Bytes master_salt, Bytes rtcp, std::uint32_t index) {
  const Buffer key = derive(master_key, master_salt, 3, 16);
  const Buffer salt = derive(master_key, master_salt, 5, 12);
  // RFC 7714 §9.1: IV = (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt.
  std::uint8_t iv[12] = {};
  std::memcpy(iv + 2, rtcp.data() + 4, 4);
  store_u32(iv + 8, index);
  for (int b = 0; b < 12; ++b) iv[b] ^= salt[b];
  std::uint8_t e_index[4];
  store_u32(e_index, 0x80000000u | index);
  // §9.2: AAD = the first 8 octets || E || SRTCP index; the trailer goes last.
  Buffer aad(rtcp.begin(), rtcp.begin() + 8);
  append(aad, e_index);
  Buffer out(rtcp.begin(), rtcp.begin() + 8);
  append(out, aes_128_gcm(key, iv, aad, rtcp.subspan(8)));
  append(out, e_index);
  return out;
}

}  // namespace podium::srtp::reference
