// DTLS-SRTP protection profile negotiation (RFC 5764 §4.1.1-§4.1.2, RFC 7714 §14.2):
// the server picks the first profile of its own list that the client offered, and the
// exported keys have that profile's lengths.
#include <gtest/gtest.h>

#include "dtls/dtls_transport.h"
#include "util/clock.h"

namespace podium::dtls {
namespace {

using State = DtlsTransport::State;
using Role = DtlsTransport::Role;

Certificate make_certificate() {
  auto certificate = Certificate::generate();
  EXPECT_TRUE(certificate.ok()) << certificate.error();
  return std::move(certificate).value();
}

struct Handshake {
  DtlsTransport client;
  DtlsTransport server;
};

// A client offering `client_profiles` against a server with `server_profiles`, run to
// the end over memory.
Handshake handshake(const std::vector<SrtpProfile>& client_profiles,
                    const std::vector<SrtpProfile>& server_profiles = default_srtp_profiles()) {
  Certificate client_certificate = make_certificate();
  Certificate server_certificate = make_certificate();
  Handshake h{DtlsTransport(client_certificate, Role::kClient, client_profiles),
              DtlsTransport(server_certificate, Role::kServer, server_profiles)};
  h.client.set_remote_fingerprint("sha-256", server_certificate.fingerprint_sha256());
  h.server.set_remote_fingerprint("sha-256", client_certificate.fingerprint_sha256());
  FakeClock clock;
  h.client.start(clock.now());
  for (int round = 0; round < 20; ++round) {
    auto from_client = h.client.take_outgoing();
    auto from_server = h.server.take_outgoing();
    if (from_client.empty() && from_server.empty()) break;
    for (const auto& d : from_client) h.server.handle_datagram(d, clock.now());
    for (const auto& d : from_server) h.client.handle_datagram(d, clock.now());
  }
  return h;
}

void expect_profile(const Handshake& h, SrtpProfile profile, std::size_t key, std::size_t salt) {
  ASSERT_EQ(h.client.state(), State::kConnected) << h.client.failure_reason();
  ASSERT_EQ(h.server.state(), State::kConnected) << h.server.failure_reason();
  auto client = h.client.srtp_keys();
  auto server = h.server.srtp_keys();
  ASSERT_TRUE(client && server);
  EXPECT_EQ(client->profile, profile) << to_string(client->profile);
  EXPECT_EQ(server->profile, profile) << to_string(server->profile);
  EXPECT_EQ(client->local_key.size(), key);
  EXPECT_EQ(client->local_salt.size(), salt);
  EXPECT_EQ(client->local_key, server->remote_key);
  EXPECT_EQ(client->remote_key, server->local_key);
  EXPECT_EQ(client->local_salt, server->remote_salt);
  EXPECT_EQ(client->remote_salt, server->local_salt);
  EXPECT_NE(client->local_key, client->remote_key);
}

TEST(SrtpProfiles, DefaultListInPreferenceOrder) {
  std::vector<std::string_view> names;
  for (SrtpProfile p : default_srtp_profiles()) names.push_back(to_string(p));
  EXPECT_EQ(names, (std::vector<std::string_view>{"SRTP_AEAD_AES_128_GCM", "SRTP_AEAD_AES_256_GCM",
                                                   "SRTP_AES128_CM_SHA1_80",
                                                   "SRTP_AES128_CM_SHA1_32"}));
}

TEST(SrtpProfiles, ClientOfferingOnlyAes256GcmGetsIt) {
  // RFC 7714 §14.2: AES-256 key, 96-bit salt.
  expect_profile(handshake({SrtpProfile::kAeadAes256Gcm}), SrtpProfile::kAeadAes256Gcm, 32, 12);
}

TEST(SrtpProfiles, ClientOfferingOnlyHmacSha1_32GetsIt) {
  // RFC 5764 §4.1.2: 128-bit key, 112-bit salt.
  expect_profile(handshake({SrtpProfile::kAes128CmSha1_32}), SrtpProfile::kAes128CmSha1_32, 16, 14);
}

TEST(SrtpProfiles, ClientOfferingOnlyHmacSha1_80GetsIt) {
  expect_profile(handshake({SrtpProfile::kAes128CmSha1_80}), SrtpProfile::kAes128CmSha1_80, 16, 14);
}

TEST(SrtpProfiles, TheServersPreferenceWinsOverTheClientsOrder) {
  // The client lists the weakest first; the server still takes AES-128-GCM, then
  // AES-256-GCM when 128 is missing.
  expect_profile(handshake({SrtpProfile::kAes128CmSha1_32, SrtpProfile::kAes128CmSha1_80,
                            SrtpProfile::kAeadAes256Gcm, SrtpProfile::kAeadAes128Gcm}),
                 SrtpProfile::kAeadAes128Gcm, 16, 12);
  expect_profile(handshake({SrtpProfile::kAes128CmSha1_32, SrtpProfile::kAes128CmSha1_80,
                            SrtpProfile::kAeadAes256Gcm}),
                 SrtpProfile::kAeadAes256Gcm, 32, 12);
  expect_profile(handshake({SrtpProfile::kAes128CmSha1_32, SrtpProfile::kAes128CmSha1_80}),
                 SrtpProfile::kAes128CmSha1_80, 16, 14);
}

TEST(SrtpProfiles, NoCommonProfileFailsWithAReason) {
  Handshake h = handshake({SrtpProfile::kAes128CmSha1_32}, {SrtpProfile::kAeadAes128Gcm});
  EXPECT_FALSE(h.client.state() == State::kConnected && h.server.state() == State::kConnected);
  EXPECT_FALSE(h.client.srtp_keys().has_value() && h.server.srtp_keys().has_value());
  std::string reasons = h.client.failure_reason() + " | " + h.server.failure_reason();
  EXPECT_NE(reasons.find("SRTP"), std::string::npos) << reasons;
}

TEST(SrtpProfiles, AnEmptyListFailsTheTransport) {
  Certificate certificate = make_certificate();
  DtlsTransport transport(certificate, Role::kServer, {});
  EXPECT_EQ(transport.state(), State::kFailed);
  EXPECT_NE(transport.failure_reason().find("SRTP"), std::string::npos);
}

}  // namespace
}  // namespace podium::dtls
