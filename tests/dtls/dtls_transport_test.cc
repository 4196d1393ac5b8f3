#include "dtls/dtls_transport.h"

#include <gtest/gtest.h>

#include <random>

#include "util/bytes.h"
#include "util/clock.h"

namespace podium::dtls {
namespace {

using State = DtlsTransport::State;
using Role = DtlsTransport::Role;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Datagrams = std::vector<std::vector<uint8_t>>;

constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;

Certificate make_certificate() {
  auto certificate = Certificate::generate();
  EXPECT_TRUE(certificate.ok()) << certificate.error();
  return std::move(certificate).value();
}

void deliver(const Datagrams& datagrams, DtlsTransport& to, TimePoint now) {
  for (const auto& datagram : datagrams) to.handle_datagram(datagram, now);
}

class DtlsTransportTest : public ::testing::Test {
 protected:
  DtlsTransportTest()
      : client_certificate_(make_certificate()),
        server_certificate_(make_certificate()),
        client_(client_certificate_, Role::kClient),
        server_(server_certificate_, Role::kServer) {}

  void set_fingerprints() {
    client_.set_remote_fingerprint("sha-256", server_certificate_.fingerprint_sha256());
    server_.set_remote_fingerprint("sha-256", client_certificate_.fingerprint_sha256());
  }

  // Moves datagrams both ways until neither side has anything to send. Returns every
  // datagram that crossed, so tests can inspect sizes.
  Datagrams pump() {
    Datagrams seen;
    for (int round = 0; round < 20; ++round) {
      Datagrams from_client = client_.take_outgoing();
      Datagrams from_server = server_.take_outgoing();
      if (from_client.empty() && from_server.empty()) break;
      deliver(from_client, server_, clock_.now());
      deliver(from_server, client_, clock_.now());
      seen.insert(seen.end(), from_client.begin(), from_client.end());
      seen.insert(seen.end(), from_server.begin(), from_server.end());
    }
    return seen;
  }

  void connect() {
    set_fingerprints();
    server_.start(clock_.now());
    client_.start(clock_.now());
    pump();
    ASSERT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
    ASSERT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
  }

  FakeClock clock_;
  Certificate client_certificate_;
  Certificate server_certificate_;
  DtlsTransport client_;
  DtlsTransport server_;
};

TEST_F(DtlsTransportTest, StartsNewAndClientSendsClientHello) {
  EXPECT_EQ(client_.state(), State::kNew);
  EXPECT_EQ(server_.state(), State::kNew);
  server_.start(clock_.now());
  EXPECT_TRUE(server_.take_outgoing().empty());  // the server waits
  EXPECT_EQ(server_.state(), State::kConnecting);

  client_.start(clock_.now());
  EXPECT_EQ(client_.state(), State::kConnecting);
  Datagrams hello = client_.take_outgoing();
  ASSERT_EQ(hello.size(), 1u);
  ASSERT_GE(hello[0].size(), 14u);
  EXPECT_EQ(hello[0][0], kHandshake);
  // RFC 6347 §4.1: the first ClientHello may carry record version {254, 255}; the
  // client_version inside (after the 12-byte handshake header, §4.2.2) is DTLS 1.2.
  EXPECT_EQ(hello[0][1], 0xfe);
  EXPECT_TRUE(hello[0][2] == 0xff || hello[0][2] == 0xfd);
  EXPECT_EQ(hello[0][13], 1);  // HandshakeType client_hello
  ASSERT_GE(hello[0].size(), 27u);
  EXPECT_EQ(hello[0][25], 0xfe);
  EXPECT_EQ(hello[0][26], 0xfd);
  EXPECT_EQ(client_.next_timeout(), clock_.now() + seconds(1));
  EXPECT_FALSE(client_.srtp_keys().has_value());
}

TEST_F(DtlsTransportTest, HandshakeAgreesOnGcmAndMatchingKeys) {
  set_fingerprints();
  client_.start(clock_.now());
  Datagrams crossed = pump();  // server starts on the first ClientHello
  ASSERT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
  ASSERT_EQ(server_.state(), State::kConnected) << server_.failure_reason();

  for (const auto& datagram : crossed) EXPECT_LE(datagram.size(), DtlsTransport::kMtu);

  auto client_keys = client_.srtp_keys();
  auto server_keys = server_.srtp_keys();
  ASSERT_TRUE(client_keys && server_keys);
  EXPECT_EQ(client_keys->profile, SrtpProfile::kAeadAes128Gcm);
  EXPECT_EQ(server_keys->profile, SrtpProfile::kAeadAes128Gcm);
  // RFC 7714 §12: 128-bit key, 96-bit salt.
  EXPECT_EQ(client_keys->local_key.size(), 16u);
  EXPECT_EQ(client_keys->local_salt.size(), 12u);
  EXPECT_EQ(client_keys->local_key, server_keys->remote_key);
  EXPECT_EQ(client_keys->local_salt, server_keys->remote_salt);
  EXPECT_EQ(client_keys->remote_key, server_keys->local_key);
  EXPECT_EQ(client_keys->remote_salt, server_keys->local_salt);
  EXPECT_NE(client_keys->local_key, client_keys->remote_key);
  EXPECT_NE(client_keys->local_salt, client_keys->remote_salt);

  EXPECT_FALSE(client_.next_timeout().has_value());
  EXPECT_FALSE(server_.next_timeout().has_value());
  EXPECT_TRUE(client_.failure_reason().empty());
}

TEST_F(DtlsTransportTest, FingerprintMayArriveAfterTheHandshake) {
  client_.start(clock_.now());
  pump();
  // Handshake finished, but without a fingerprint nobody is trusted yet.
  EXPECT_EQ(client_.state(), State::kConnecting);
  EXPECT_EQ(server_.state(), State::kConnecting);
  EXPECT_FALSE(client_.srtp_keys().has_value());

  // RFC 8122 §5 allows lower-case hex; comparison is case-insensitive.
  std::string lower = server_certificate_.fingerprint_sha256();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  client_.set_remote_fingerprint("SHA-256", lower);
  server_.set_remote_fingerprint("sha-256", client_certificate_.fingerprint_sha256());
  EXPECT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
  EXPECT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
  EXPECT_TRUE(client_.srtp_keys().has_value());
}

TEST_F(DtlsTransportTest, WrongServerFingerprintFailsBothSides) {
  auto other = make_certificate();
  client_.set_remote_fingerprint("sha-256", other.fingerprint_sha256());
  server_.set_remote_fingerprint("sha-256", client_certificate_.fingerprint_sha256());
  client_.start(clock_.now());
  pump();
  EXPECT_EQ(client_.state(), State::kFailed);
  EXPECT_NE(client_.failure_reason().find("fingerprint"), std::string::npos)
      << client_.failure_reason();
  EXPECT_FALSE(client_.srtp_keys().has_value());
  // The client's fatal alert ends the server's handshake too.
  EXPECT_EQ(server_.state(), State::kFailed);
  EXPECT_FALSE(server_.srtp_keys().has_value());
}

TEST_F(DtlsTransportTest, WrongClientFingerprintFailsTheServer) {
  auto other = make_certificate();
  client_.set_remote_fingerprint("sha-256", server_certificate_.fingerprint_sha256());
  server_.set_remote_fingerprint("sha-256", other.fingerprint_sha256());
  client_.start(clock_.now());
  pump();
  EXPECT_EQ(server_.state(), State::kFailed);
  EXPECT_NE(server_.failure_reason().find("fingerprint"), std::string::npos)
      << server_.failure_reason();
  EXPECT_NE(client_.state(), State::kConnected);
}

TEST_F(DtlsTransportTest, LateWrongFingerprintFails) {
  client_.start(clock_.now());
  pump();
  client_.set_remote_fingerprint("sha-256", client_certificate_.fingerprint_sha256());
  EXPECT_EQ(client_.state(), State::kFailed);
  EXPECT_FALSE(client_.srtp_keys().has_value());
  client_.set_remote_fingerprint("sha-256", server_certificate_.fingerprint_sha256());
  EXPECT_EQ(client_.state(), State::kFailed);  // failure is final
}

TEST_F(DtlsTransportTest, ClientRetransmitsWhenTheServerFlightIsLost) {
  set_fingerprints();
  client_.start(clock_.now());
  Datagrams first_hello = client_.take_outgoing();
  ASSERT_EQ(first_hello.size(), 1u);
  deliver(first_hello, server_, clock_.now());
  Datagrams lost = server_.take_outgoing();
  ASSERT_FALSE(lost.empty());  // ServerHello ... ServerHelloDone, dropped on the floor

  // Nothing happens before the deadline.
  const TimePoint deadline = clock_.now() + seconds(1);
  ASSERT_EQ(client_.next_timeout(), deadline);
  clock_.advance(milliseconds(999));
  client_.handle_timeout(clock_.now());
  EXPECT_TRUE(client_.take_outgoing().empty());

  // At the deadline the ClientHello goes out again with the same handshake body
  // (RFC 6347 §4.2.4) and the timer backs off to 2 s (§4.2.4.1).
  clock_.advance(milliseconds(1));
  client_.handle_timeout(clock_.now());
  Datagrams again = client_.take_outgoing();
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].size(), first_hello[0].size());
  EXPECT_EQ(again[0][0], kHandshake);
  EXPECT_TRUE(std::equal(again[0].begin() + 13, again[0].end(), first_hello[0].begin() + 13));
  EXPECT_NE(again[0], first_hello[0]);  // a new record sequence number
  EXPECT_EQ(client_.next_timeout(), clock_.now() + seconds(2));

  // The retransmission gets the handshake going again.
  deliver(again, server_, clock_.now());
  pump();
  if (server_.state() != State::kConnected || client_.state() != State::kConnected) {
    // The server may ignore a repeated ClientHello and rely on its own timer instead.
    ASSERT_TRUE(server_.next_timeout().has_value());
    clock_.advance(seconds(1));
    server_.handle_timeout(clock_.now());
    pump();
  }
  EXPECT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
  EXPECT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
}

TEST_F(DtlsTransportTest, ServerRetransmitsItsFlightOnItsOwnTimer) {
  set_fingerprints();
  client_.start(clock_.now());
  deliver(client_.take_outgoing(), server_, clock_.now());
  Datagrams lost = server_.take_outgoing();
  ASSERT_FALSE(lost.empty());
  ASSERT_EQ(server_.next_timeout(), clock_.now() + seconds(1));

  clock_.advance(seconds(1));
  server_.handle_timeout(clock_.now());
  Datagrams resent = server_.take_outgoing();
  ASSERT_FALSE(resent.empty());
  for (const auto& datagram : resent) {
    EXPECT_EQ(datagram[0], kHandshake);
    EXPECT_LE(datagram.size(), DtlsTransport::kMtu);
  }
  EXPECT_EQ(server_.next_timeout(), clock_.now() + seconds(2));
  deliver(resent, client_, clock_.now());
  pump();
  EXPECT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
  EXPECT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
}

TEST_F(DtlsTransportTest, GivesUpAfterRepeatedTimeouts) {
  client_.start(clock_.now());
  client_.take_outgoing();
  for (int i = 0; i < 20 && client_.state() == State::kConnecting; ++i) {
    auto deadline = client_.next_timeout();
    ASSERT_TRUE(deadline.has_value());
    EXPECT_LE(*deadline - clock_.now(), seconds(60));  // RFC 6347 §4.2.4.1 cap
    clock_.set(*deadline);
    client_.handle_timeout(clock_.now());
    client_.take_outgoing();
  }
  EXPECT_EQ(client_.state(), State::kFailed);
  EXPECT_FALSE(client_.next_timeout().has_value());
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t size) {
  std::vector<uint8_t> out(size);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

TEST_F(DtlsTransportTest, GarbageDuringTheHandshakeIsIgnored) {
  set_fingerprints();
  std::mt19937 rng(7);
  server_.start(clock_.now());
  server_.handle_datagram(std::vector<uint8_t>{}, clock_.now());
  server_.handle_datagram(std::vector<uint8_t>{kHandshake, 0xfe, 0xfd}, clock_.now());
  EXPECT_EQ(server_.dropped_datagrams(), 2u);
  for (int i = 0; i < 50; ++i) {
    auto junk = random_bytes(rng, 13 + rng() % 200);
    junk[0] = kHandshake;
    junk[1] = 0xfe;
    junk[2] = 0xfd;
    server_.handle_datagram(junk, clock_.now());
  }
  EXPECT_EQ(server_.state(), State::kConnecting);
  EXPECT_TRUE(server_.take_outgoing().empty());

  client_.start(clock_.now());
  pump();
  EXPECT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
  EXPECT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
}

TEST_F(DtlsTransportTest, GarbageAfterConnectIsIgnored) {
  ASSERT_NO_FATAL_FAILURE(connect());
  const auto keys_before = client_.srtp_keys();
  std::mt19937 rng(11);
  for (int i = 0; i < 200; ++i) {
    auto junk = random_bytes(rng, rng() % 300);
    if (i % 2 == 0 && junk.size() >= 13) {
      // Looks like an application_data record in epoch 1 with a bogus MAC.
      junk[0] = 23;
      junk[1] = 0xfe;
      junk[2] = 0xfd;
      junk[3] = 0;
      junk[4] = 1;
      junk[11] = static_cast<uint8_t>((junk.size() - 13) >> 8);
      junk[12] = static_cast<uint8_t>(junk.size() - 13);
    }
    client_.handle_datagram(junk, clock_.now());
    server_.handle_datagram(junk, clock_.now());
    ASSERT_EQ(client_.state(), State::kConnected) << i << " " << to_hex(junk);
  }
  EXPECT_EQ(client_.state(), State::kConnected) << client_.failure_reason();
  EXPECT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
  EXPECT_TRUE(client_.take_outgoing().empty());
  auto keys_after = client_.srtp_keys();
  ASSERT_TRUE(keys_after.has_value());
  EXPECT_EQ(keys_after->local_key, keys_before->local_key);
}

// Records OpenSSL 3.0 would treat as fatal instead of discarding (RFC 6347 §4.1.2.7).
TEST_F(DtlsTransportTest, RecordsThatWouldBeFatalInOpenSslAreDropped) {
  ASSERT_NO_FATAL_FAILURE(connect());
  const uint64_t dropped_before = client_.dropped_datagrams();
  // application_data, epoch 1, 20 bytes: shorter than a GCM nonce plus tag.
  client_.handle_datagram(
      from_hex("17fefd00017379d595249300147f17bd72e51bed84d9e027ee5571e0221ba114b2"), clock_.now());
  // Content type 25 (tls12_cid) was never negotiated.
  client_.handle_datagram(from_hex("19fefd000100000000000100200000000000000000000000000000000000"
                                   "000000000000000000000000000000"),
                          clock_.now());
  // A valid-length record followed by a short one in the same datagram.
  client_.handle_datagram(from_hex("17fefd0001000000000009001a" + std::string(52, '0') +
                                   "17fefd000100000000000a0002abcd"),
                          clock_.now());
  EXPECT_EQ(client_.dropped_datagrams(), dropped_before + 3);
  EXPECT_EQ(client_.state(), State::kConnected) << client_.failure_reason();

  // The association still works: the server's close_notify gets through.
  server_.close();
  deliver(server_.take_outgoing(), client_, clock_.now());
  EXPECT_EQ(client_.state(), State::kClosed) << client_.failure_reason();
}

TEST_F(DtlsTransportTest, CloseNotifyClosesThePeer) {
  ASSERT_NO_FATAL_FAILURE(connect());
  client_.close();
  EXPECT_EQ(client_.state(), State::kClosed);
  EXPECT_FALSE(client_.srtp_keys().has_value());
  Datagrams alert = client_.take_outgoing();
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_EQ(alert[0][0], kAlert);
  deliver(alert, server_, clock_.now());
  EXPECT_EQ(server_.state(), State::kClosed) << server_.failure_reason();

  // Nothing moves a closed transport.
  client_.handle_datagram(alert[0], clock_.now());
  client_.close();
  EXPECT_EQ(client_.state(), State::kClosed);
  EXPECT_TRUE(client_.take_outgoing().empty());
}

TEST_F(DtlsTransportTest, ClientIgnoresDatagramsBeforeStart) {
  std::vector<uint8_t> record(40, 0);
  record[0] = kHandshake;
  client_.handle_datagram(record, clock_.now());
  EXPECT_EQ(client_.state(), State::kNew);
  EXPECT_TRUE(client_.take_outgoing().empty());
}

TEST_F(DtlsTransportTest, MovedTransportKeepsWorking) {
  set_fingerprints();
  DtlsTransport moved_client = std::move(client_);
  moved_client.start(clock_.now());
  for (int round = 0; round < 10; ++round) {
    deliver(moved_client.take_outgoing(), server_, clock_.now());
    deliver(server_.take_outgoing(), moved_client, clock_.now());
  }
  EXPECT_EQ(moved_client.state(), State::kConnected) << moved_client.failure_reason();
  EXPECT_EQ(server_.state(), State::kConnected) << server_.failure_reason();
}

}  // namespace
}  // namespace podium::dtls
