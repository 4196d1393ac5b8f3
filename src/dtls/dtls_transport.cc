#include "dtls/dtls_transport.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "dtls/openssl_support.h"
#include "util/log.h"

namespace podium::dtls {
namespace {

constexpr std::string_view kComponent = "dtls";

// ECDHE only (forward secrecy), AEAD first. Our own certificate is ECDSA; RSA suites are
// accepted for peers whose certificate is RSA.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA";
constexpr const char* kGroups = "X25519:P-256:P-384";
// RFC 5764 §4.1.2 and RFC 7714 §14.2. The server takes the first profile of its own list
// that the client offered, so AES-128-GCM wins whenever both sides have it; the 32-bit
// tag of AES128_CM_SHA1_32 is the weakest and comes last.
std::string srtp_profile_list(const std::vector<SrtpProfile>& profiles) {
  std::string list;
  for (SrtpProfile p : profiles) {
    if (!list.empty()) list += ':';
    list += to_string(p);
  }
  return list;
}
constexpr std::string_view kExporterLabel = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2

// RFC 6347 §4.2.4.1: start at 1 s, double on each retransmission, cap at 60 s.
constexpr Duration kInitialRetransmit = std::chrono::seconds(1);
constexpr Duration kMaxRetransmit = std::chrono::seconds(60);

// RFC 6347 §4.1: a record header is 13 bytes.
constexpr std::size_t kRecordHeaderSize = 13;

// RFC 6347 §4.1.2.7 says invalid records SHOULD be silently discarded, but OpenSSL 3.0
// turns some of them into fatal errors: an unknown content type (openssl#25840) and an
// AEAD record shorter than its nonce and tag (openssl#25290). Anyone who can spoof the
// 5-tuple could then kill the association with one packet, so such datagrams are dropped
// before OpenSSL sees them. `min_protected` is the AEAD overhead of the cipher in use.
bool records_acceptable(Bytes datagram, std::size_t min_protected) {
  if (datagram.empty()) return false;
  while (!datagram.empty()) {
    if (datagram.size() < kRecordHeaderSize) return false;
    const std::uint8_t type = datagram[0];
    // change_cipher_spec, alert, handshake, application_data (RFC 6347 §4.1)
    if (type < 20 || type > 23 || datagram[1] != 0xfe) return false;
    const std::uint16_t epoch = load_u16(datagram.data() + 3);
    const std::size_t length = load_u16(datagram.data() + 11);
    if (epoch != 0 && length < min_protected) return false;
    if (length > datagram.size() - kRecordHeaderSize) return true;  // truncated: OpenSSL drops it
    datagram = datagram.subspan(kRecordHeaderSize + length);
  }
  return true;
}

// Fewest bytes a protected record can have with the negotiated cipher; before a cipher is
// known, the largest overhead of the AEAD suites we offer.
std::size_t min_protected_record_length(const SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_get_pending_cipher(ssl);
  if (cipher == nullptr) cipher = SSL_get_current_cipher(ssl);
  constexpr std::size_t kGcm = 8 + 16;  // RFC 5288 §3: explicit nonce, then 16-byte tag
  constexpr std::size_t kChaCha = 16;   // RFC 7905 §2: implicit nonce, 16-byte tag
  if (cipher == nullptr) return kGcm;
  switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm:
    case NID_aes_256_gcm:
      return kGcm;
    case NID_chacha20_poly1305:
      return kChaCha;
    default:
      return 0;  // CBC suites: OpenSSL discards short records itself
  }
}

// OpenSSL times DTLS retransmissions with the wall clock. We want the caller's TimePoint
// to decide instead, so OpenSSL's own timer is set far out (it then never fires by
// itself, not even inside SSL_read) and, when our deadline passes, we make it due and
// call DTLSv1_handle_timeout. OpenSSL up to 3.1 hands the BIO a pointer to its timer
// (BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT) on every start and stop, which is what makes this
// possible; 3.2 passes a copy, so there we fall back to OpenSSL's wall-clock timer.
#if OPENSSL_VERSION_NUMBER < 0x30200000L
constexpr bool kCallerDrivesTimer = true;
#else
constexpr bool kCallerDrivesTimer = false;
#endif
constexpr unsigned int kOpenSslTimerMicros = 3600u * 1000u * 1000u;

[[maybe_unused]] unsigned int openssl_timer_duration(SSL*, unsigned int) {
  return kOpenSslTimerMicros;
}

}  // namespace

struct DtlsTransport::Impl {
  Role role;
  State state = State::kNew;
  std::string failure_reason;
  SslCtxPtr ctx;
  SslPtr ssl;

  TimePoint now{};
  // The datagram OpenSSL may read next; offered once, whole, like a UDP socket would.
  Bytes incoming;
  bool incoming_pending = false;
  std::vector<std::vector<std::uint8_t>> outgoing;

  std::optional<TimePoint> deadline;
  Duration retransmit_interval = kInitialRetransmit;
  timeval* openssl_deadline = nullptr;

  std::optional<std::string> remote_algorithm;
  std::string remote_fingerprint;  // upper-case
  std::string verify_failure;
  bool handshake_done = false;
  std::optional<SrtpKeyMaterial> keys;
  std::uint64_t dropped = 0;

  explicit Impl(Role r) : role(r) {}

  std::string init(const Certificate::Impl& certificate, const std::vector<SrtpProfile>& profiles);
  void start(TimePoint at);
  void drive_handshake();
  void read_records();
  void on_handshake_done();
  void check_remote_fingerprint();
  bool fingerprint_matches(X509* certificate) const;
  Result<SrtpKeyMaterial> export_keys();
  void on_openssl_timer(timeval* next);
  void fail(std::string reason);
  bool handshaking() const { return state == State::kConnecting && !handshake_done; }
};

namespace {

DtlsTransport::Impl* impl_of(BIO* bio) {
  return static_cast<DtlsTransport::Impl*>(BIO_get_data(bio));
}

int bio_write(BIO* bio, const char* data, int length) {
  if (length <= 0) return 0;
  // OpenSSL writes each DTLS record (or flight fragment) with one call; one call is one
  // datagram, so record boundaries survive.
  impl_of(bio)->outgoing.emplace_back(data, data + length);
  return length;
}

int bio_read(BIO* bio, char* out, int size) {
  BIO_clear_retry_flags(bio);
  DtlsTransport::Impl* self = impl_of(bio);
  if (!self->incoming_pending || size <= 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  self->incoming_pending = false;
  // A datagram larger than the read buffer is truncated, as recv() would; the record
  // layer then discards it.
  const std::size_t n =
      std::min<std::size_t>(self->incoming.size(), static_cast<std::size_t>(size));
  if (n != 0) std::memcpy(out, self->incoming.data(), n);
  return static_cast<int>(n);
}

long bio_ctrl(BIO* bio, int command, long, void* pointer) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
      impl_of(bio)->on_openssl_timer(static_cast<timeval*>(pointer));
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
      return static_cast<long>(DtlsTransport::kMtu);
    default:
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* datagram_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "podium datagram");
    if (m != nullptr) {
      BIO_meth_set_write(m, bio_write);
      BIO_meth_set_read(m, bio_read);
      BIO_meth_set_ctrl(m, bio_ctrl);
      BIO_meth_set_create(m, bio_create);
    }
    return m;
  }();
  return method;
}

// WebRTC certificates are self-signed; trust comes from the fingerprint signalled in SDP
// (RFC 5763 §5), so chain errors are ignored and only the leaf's fingerprint matters.
int verify_peer(int, X509_STORE_CTX* store) {
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = ssl ? static_cast<DtlsTransport::Impl*>(SSL_get_app_data(ssl)) : nullptr;
  // Fingerprint not known yet: accept now, check once set_remote_fingerprint() arrives.
  if (self == nullptr || !self->remote_algorithm) return 1;
  if (self->fingerprint_matches(X509_STORE_CTX_get_current_cert(store))) return 1;
  self->verify_failure = "remote certificate does not match the expected fingerprint";
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);  // alert: bad_certificate
  return 0;
}

}  // namespace

std::string DtlsTransport::Impl::init(const Certificate::Impl& certificate,
                                      const std::vector<SrtpProfile>& profiles) {
  ERR_clear_error();
  ctx.reset(SSL_CTX_new(DTLS_method()));
  if (!ctx) return "SSL_CTX_new failed: " + take_openssl_errors();
  SSL_CTX* c = ctx.get();
  // RFC 8827 §6.5: DTLS 1.2 is what browsers negotiate; 1.0 is obsolete.
  if (SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(c, DTLS1_2_VERSION) != 1) {
    return "setting the DTLS version failed: " + take_openssl_errors();
  }
  if (SSL_CTX_use_certificate(c, certificate.x509.get()) != 1 ||
      SSL_CTX_use_PrivateKey(c, certificate.key.get()) != 1 || SSL_CTX_check_private_key(c) != 1) {
    return "loading the certificate failed: " + take_openssl_errors();
  }
  if (SSL_CTX_set_cipher_list(c, kCipherList) != 1 || SSL_CTX_set1_groups_list(c, kGroups) != 1) {
    return "setting ciphers failed: " + take_openssl_errors();
  }
  if (profiles.empty()) return "no SRTP protection profile to offer";
  if (SSL_CTX_set_tlsext_use_srtp(c, srtp_profile_list(profiles).c_str()) != 0) {  // 0: success
    return "setting SRTP profiles failed: " + take_openssl_errors();
  }
  // The server must ask for the client's certificate: its fingerprint is the only
  // authentication of the peer (RFC 5763 §5).
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
  SSL_CTX_set_options(c, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_read_ahead(c, 1);

  ssl.reset(SSL_new(c));
  if (!ssl) return "SSL_new failed: " + take_openssl_errors();
  BIO_METHOD* method = datagram_bio_method();
  BIO* bio = method ? BIO_new(method) : nullptr;
  if (bio == nullptr) return "BIO_new failed: " + take_openssl_errors();
  BIO_set_data(bio, this);
  SSL_set_bio(ssl.get(), bio, bio);  // one reference, owned by the SSL
  SSL_set_app_data(ssl.get(), this);
  SSL_set_mtu(ssl.get(), static_cast<long>(DtlsTransport::kMtu));
  if constexpr (kCallerDrivesTimer) DTLS_set_timer_cb(ssl.get(), openssl_timer_duration);
  if (role == Role::kClient) {
    SSL_set_connect_state(ssl.get());
  } else {
    SSL_set_accept_state(ssl.get());
  }
  return {};
}

void DtlsTransport::Impl::fail(std::string reason) {
  log::warn(kComponent, "{} transport failed: {}", role == Role::kClient ? "client" : "server",
            reason);
  state = State::kFailed;
  failure_reason = std::move(reason);
  deadline.reset();
  ERR_clear_error();
}

void DtlsTransport::Impl::start(TimePoint at) {
  now = at;
  if (state != State::kNew) return;
  state = State::kConnecting;
  if (role == Role::kClient) drive_handshake();
}

void DtlsTransport::Impl::drive_handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl.get());
  if (rc == 1) {
    on_handshake_done();
    return;
  }
  switch (SSL_get_error(ssl.get(), rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      ERR_clear_error();
      return;
    case SSL_ERROR_ZERO_RETURN:
      state = State::kClosed;
      deadline.reset();
      return;
    default: {
      std::string errors = take_openssl_errors();
      fail(verify_failure.empty() ? "handshake failed: " + errors : verify_failure);
    }
  }
}

void DtlsTransport::Impl::read_records() {
  std::array<std::uint8_t, 2048> buffer;
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
    if (n > 0) {
      // No data channel yet: application data has no consumer.
      log::debug(kComponent, "dropping {} bytes of application data", n);
      continue;
    }
    const int error = SSL_get_error(ssl.get(), n);
    switch (error) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return;
      case SSL_ERROR_ZERO_RETURN:  // close_notify, RFC 5246 §7.2.1
        log::info(kComponent, "peer sent close_notify");
        state = State::kClosed;
        deadline.reset();
        return;
      default: {
        std::string errors = take_openssl_errors();
        // An empty application_data record makes SSL_read return 0, which OpenSSL 3.0
        // reports as SSL_ERROR_SYSCALL with an empty queue (openssl#27316). A fatal error
        // leaves a reason or puts the state machine back "in init".
        if (errors.empty() && SSL_is_init_finished(ssl.get())) {
          log::debug(kComponent, "discarded an invalid record");
          return;
        }
        fail(fmt::format("DTLS error {}: {}", error, errors));
        return;
      }
    }
  }
}

void DtlsTransport::Impl::on_handshake_done() {
  handshake_done = true;
  deadline.reset();
  auto exported = export_keys();
  if (!exported) {
    fail(exported.error());
    return;
  }
  keys = std::move(exported).value();
  if (remote_algorithm) {
    check_remote_fingerprint();
  } else {
    log::debug(kComponent, "handshake done; waiting for the remote fingerprint");
  }
}

bool DtlsTransport::Impl::fingerprint_matches(X509* certificate) const {
  if (!remote_algorithm) return false;
  auto actual = certificate_fingerprint(certificate, *remote_algorithm);
  return actual && *actual == remote_fingerprint;
}

void DtlsTransport::Impl::check_remote_fingerprint() {
  X509Ptr peer(SSL_get1_peer_certificate(ssl.get()));
  if (!peer) {
    fail("peer presented no certificate");
    return;
  }
  if (!certificate_fingerprint(peer.get(), *remote_algorithm)) {
    fail("unsupported fingerprint algorithm " + *remote_algorithm);
    return;
  }
  if (!fingerprint_matches(peer.get())) {
    // RFC 5763 §5: a mismatch MUST tear the session down.
    SSL_shutdown(ssl.get());
    fail("remote certificate does not match the expected fingerprint");
    return;
  }
  state = State::kConnected;
  log::info(kComponent, "connected as {}, cipher {}, SRTP profile {}",
            role == Role::kClient ? "client" : "server", SSL_get_cipher_name(ssl.get()),
            to_string(keys->profile));
}

Result<SrtpKeyMaterial> DtlsTransport::Impl::export_keys() {
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl.get());
  if (selected == nullptr) return Error{"peer negotiated no SRTP profile (RFC 5764 use_srtp)"};

  SrtpKeyMaterial out;
  // RFC 5764 §4.1.2, RFC 7714 §14.2: 128-bit keys (256-bit for AES-256-GCM); 112-bit
  // salt for AES-CM, 96-bit for GCM.
  std::size_t key_length = 16;
  std::size_t salt_length = 0;
  switch (selected->id) {
    case SRTP_AEAD_AES_128_GCM:
      out.profile = SrtpProfile::kAeadAes128Gcm;
      salt_length = 12;
      break;
    case SRTP_AEAD_AES_256_GCM:
      out.profile = SrtpProfile::kAeadAes256Gcm;
      key_length = 32;
      salt_length = 12;
      break;
    case SRTP_AES128_CM_SHA1_80:
      out.profile = SrtpProfile::kAes128CmSha1_80;
      salt_length = 14;
      break;
    case SRTP_AES128_CM_SHA1_32:
      out.profile = SrtpProfile::kAes128CmSha1_32;
      salt_length = 14;
      break;
    default:
      return Error{"unexpected SRTP profile " + std::string(selected->name)};
  }

  std::array<std::uint8_t, 2 * (32 + 14)> material{};
  const std::size_t total = 2 * (key_length + salt_length);
  if (SSL_export_keying_material(ssl.get(), material.data(), total, kExporterLabel.data(),
                                 kExporterLabel.size(), nullptr, 0, 0) != 1) {
    return Error{"exporting SRTP keys failed: " + take_openssl_errors()};
  }
  // RFC 5764 §4.2: client key | server key | client salt | server salt.
  const std::uint8_t* p = material.data();
  const std::uint8_t* client_key = p;
  const std::uint8_t* server_key = p + key_length;
  const std::uint8_t* client_salt = p + 2 * key_length;
  const std::uint8_t* server_salt = p + 2 * key_length + salt_length;
  const bool client = role == Role::kClient;
  const std::uint8_t* local_key = client ? client_key : server_key;
  const std::uint8_t* remote_key = client ? server_key : client_key;
  const std::uint8_t* local_salt = client ? client_salt : server_salt;
  const std::uint8_t* remote_salt = client ? server_salt : client_salt;
  out.local_key.assign(local_key, local_key + key_length);
  out.remote_key.assign(remote_key, remote_key + key_length);
  out.local_salt.assign(local_salt, local_salt + salt_length);
  out.remote_salt.assign(remote_salt, remote_salt + salt_length);
  OPENSSL_cleanse(material.data(), material.size());
  return out;
}

void DtlsTransport::Impl::on_openssl_timer(timeval* next) {
  if constexpr (!kCallerDrivesTimer) return;
  if (next == nullptr) return;
  if (next->tv_sec == 0 && next->tv_usec == 0) {  // dtls1_stop_timer: flight acknowledged
    deadline.reset();
    retransmit_interval = kInitialRetransmit;
    return;
  }
  openssl_deadline = next;
  deadline = now + retransmit_interval;
}

DtlsTransport::DtlsTransport(const Certificate& certificate, Role role)
    : DtlsTransport(certificate, role, default_srtp_profiles()) {}

DtlsTransport::DtlsTransport(const Certificate& certificate, Role role,
                             const std::vector<SrtpProfile>& srtp_profiles)
    : impl_(std::make_unique<Impl>(role)) {
  if (std::string error = impl_->init(certificate.impl(), srtp_profiles); !error.empty()) {
    impl_->fail(std::move(error));
  }
}

DtlsTransport::DtlsTransport(DtlsTransport&&) noexcept = default;
DtlsTransport& DtlsTransport::operator=(DtlsTransport&&) noexcept = default;
DtlsTransport::~DtlsTransport() = default;

void DtlsTransport::set_remote_fingerprint(std::string algorithm, std::string value) {
  impl_->remote_algorithm = std::move(algorithm);
  impl_->remote_fingerprint = to_upper(value);
  if (impl_->state == State::kConnecting && impl_->handshake_done) {
    impl_->check_remote_fingerprint();
  }
}

void DtlsTransport::start(TimePoint now) { impl_->start(now); }

void DtlsTransport::handle_datagram(Bytes datagram, TimePoint now) {
  Impl& self = *impl_;
  self.now = now;
  if (self.state == State::kNew && self.role == Role::kServer) self.start(now);
  if (self.state != State::kConnecting && self.state != State::kConnected) return;
  if (!records_acceptable(datagram, min_protected_record_length(self.ssl.get()))) {
    ++self.dropped;
    log::debug(kComponent, "dropping a {}-byte datagram that is not a valid DTLS record",
               datagram.size());
    return;
  }
  self.incoming = datagram;
  self.incoming_pending = true;
  if (self.handshake_done) {
    self.read_records();
  } else {
    self.drive_handshake();
  }
  self.incoming_pending = false;
  self.incoming = {};
}

void DtlsTransport::handle_timeout(TimePoint now) {
  Impl& self = *impl_;
  self.now = now;
  if (!self.handshaking()) return;
  if constexpr (kCallerDrivesTimer) {
    if (!self.deadline || now < *self.deadline || self.openssl_deadline == nullptr) return;
    self.retransmit_interval = std::min(self.retransmit_interval * 2, kMaxRetransmit);
    // Make OpenSSL's timer due (a non-zero time long past) so it retransmits now.
    self.openssl_deadline->tv_sec = 0;
    self.openssl_deadline->tv_usec = 1;
  }
  ERR_clear_error();
  if (DTLSv1_handle_timeout(self.ssl.get()) < 0) {
    self.fail("handshake timed out: " + take_openssl_errors());
    return;
  }
  ERR_clear_error();
  // Never report a deadline in the past, or the owner would spin.
  if (self.deadline && *self.deadline <= now) self.deadline = now + self.retransmit_interval;
}

std::optional<TimePoint> DtlsTransport::next_timeout() const {
  const Impl& self = *impl_;
  if (!self.handshaking()) return std::nullopt;
  if constexpr (kCallerDrivesTimer) {
    return self.deadline;
  } else {
    timeval left{};
    if (DTLSv1_get_timeout(self.ssl.get(), &left) != 1) return std::nullopt;
    return self.now + std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
  }
}

std::vector<std::vector<std::uint8_t>> DtlsTransport::take_outgoing() {
  return std::exchange(impl_->outgoing, {});
}

void DtlsTransport::close() {
  Impl& self = *impl_;
  if (self.state == State::kFailed || self.state == State::kClosed) return;
  if (self.ssl && SSL_is_init_finished(self.ssl.get())) {
    ERR_clear_error();
    SSL_shutdown(self.ssl.get());  // writes close_notify into the outgoing queue
    ERR_clear_error();
  }
  self.state = State::kClosed;
  self.deadline.reset();
}

DtlsTransport::Role DtlsTransport::role() const { return impl_->role; }
DtlsTransport::State DtlsTransport::state() const { return impl_->state; }
const std::string& DtlsTransport::failure_reason() const { return impl_->failure_reason; }
std::uint64_t DtlsTransport::dropped_datagrams() const { return impl_->dropped; }

std::optional<SrtpKeyMaterial> DtlsTransport::srtp_keys() const {
  if (impl_->state != State::kConnected) return std::nullopt;
  return impl_->keys;
}

const char* to_string(DtlsTransport::State state) {
  switch (state) {
    case DtlsTransport::State::kNew:
      return "new";
    case DtlsTransport::State::kConnecting:
      return "connecting";
    case DtlsTransport::State::kConnected:
      return "connected";
    case DtlsTransport::State::kFailed:
      return "failed";
    case DtlsTransport::State::kClosed:
      return "closed";
  }
  return "?";
}

const std::vector<SrtpProfile>& default_srtp_profiles() {
  static const std::vector<SrtpProfile> profiles = {
      SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAeadAes256Gcm, SrtpProfile::kAes128CmSha1_80,
      SrtpProfile::kAes128CmSha1_32};
  return profiles;
}

std::string_view to_string(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::kAeadAes128Gcm:
      return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::kAes128CmSha1_80:
      return "SRTP_AES128_CM_SHA1_80";
    case SrtpProfile::kAeadAes256Gcm:
      return "SRTP_AEAD_AES_256_GCM";
    case SrtpProfile::kAes128CmSha1_32:
      return "SRTP_AES128_CM_SHA1_32";
  }
  return "?";
}

}  // namespace podium::dtls
