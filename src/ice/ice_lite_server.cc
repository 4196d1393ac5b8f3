#include "ice/ice_lite_server.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "ice/stun_message.h"
#include "ice/stun_writer.h"

namespace podium::ice {
namespace {

void random_bytes(std::uint8_t* out, std::size_t size) {
  if (RAND_bytes(out, static_cast<int>(size)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

std::string random_ice_chars(std::size_t count) {
  static constexpr char kIceChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static_assert(sizeof(kIceChars) - 1 == 64);
  std::vector<std::uint8_t> random(count);
  random_bytes(random.data(), random.size());
  std::string out(count, '\0');
  // 64 symbols: the low 6 bits of a uniform byte are uniform.
  for (std::size_t i = 0; i < count; ++i) out[i] = kIceChars[random[i] & 63];
  return out;
}

std::uint64_t random_u64() {
  std::uint8_t bytes[8];
  random_bytes(bytes, sizeof(bytes));
  return load_u64(bytes);
}

// Attributes we understand in the comprehension-required range (RFC 5389 §7.3.1): any
// other one in a request earns a 420 listing it.
bool is_known_required(std::uint16_t type) {
  switch (type) {
    case stun::kMappedAddress:
    case stun::kUsername:
    case stun::kMessageIntegrity:
    case stun::kErrorCode:
    case stun::kUnknownAttributes:
    case stun::kRealm:
    case stun::kNonce:
    case stun::kMessageIntegritySha256:
    case stun::kPasswordAlgorithm:
    case stun::kUserhash:
    case stun::kXorMappedAddress:
    case stun::kPriority:
    case stun::kUseCandidate:
      return true;
    default:
      return false;
  }
}

// RFC 5389 §10.1.2: the 400 and 401 answers to a check that failed authentication carry
// no MESSAGE-INTEGRITY; FINGERPRINT is on every ICE message (RFC 8445 §7).
std::vector<std::uint8_t> error_response(const StunMessage& request, int code,
                                         std::string_view reason) {
  StunWriter writer(StunClass::kErrorResponse, request.method(), request.transaction_id());
  writer.add_error_code(code, reason).add_fingerprint();
  return std::move(writer).take();
}

IceLiteServer::Outcome invalid(std::string reason, std::vector<std::uint8_t> response = {}) {
  IceLiteServer::Outcome outcome;
  outcome.reason = std::move(reason);
  outcome.response = std::move(response);
  return outcome;
}

}  // namespace

IceLiteServer::IceLiteServer(std::string local_ufrag, std::string local_password,
                             std::optional<std::uint64_t> tie_breaker)
    : local_ufrag_(std::move(local_ufrag)),
      local_password_(std::move(local_password)),
      tie_breaker_(tie_breaker ? *tie_breaker : random_u64()) {}

std::string IceLiteServer::random_ufrag() { return random_ice_chars(16); }
std::string IceLiteServer::random_password() { return random_ice_chars(32); }

void IceLiteServer::set_remote_credentials(std::string remote_ufrag, std::string remote_password) {
  remote_ufrag_ = std::move(remote_ufrag);
  remote_password_ = std::move(remote_password);
}

bool IceLiteServer::username_matches(std::string_view username) const {
  // RFC 8445 §7.2.2: USERNAME is "<receiver ufrag>:<sender ufrag>".
  if (username.size() <= local_ufrag_.size() || username[local_ufrag_.size()] != ':' ||
      username.substr(0, local_ufrag_.size()) != local_ufrag_) {
    return false;
  }
  const std::string_view remote = username.substr(local_ufrag_.size() + 1);
  if (remote_ufrag_.empty()) return !remote.empty();
  return remote == remote_ufrag_;
}

IceLiteServer::Outcome IceLiteServer::handle_request(Bytes datagram, const TransportAddress& from,
                                                     TimePoint now) {
  auto parsed = StunMessage::parse(datagram);
  if (!parsed) return invalid("not STUN: " + parsed.error());
  const StunMessage& message = *parsed;

  // RFC 5389 §7.3: a FINGERPRINT that does not verify means this is not STUN at all.
  if (message.fingerprint_offset() && !verify_fingerprint(message)) {
    return invalid("bad FINGERPRINT");
  }
  if (message.method() != stun::kMethodBinding) return invalid("not a Binding message");

  switch (message.message_class()) {
    case StunClass::kIndication: {
      // RFC 8445 §11: Binding indications keep NAT bindings alive; no answer. They are
      // unauthenticated, so they do not renew consent (RFC 7675 §5.1).
      Outcome outcome;
      outcome.valid = true;
      return outcome;
    }
    case StunClass::kRequest:
      break;
    default:
      // A lite agent sends no requests, so it expects no responses.
      return invalid("unexpected STUN response");
  }

  // RFC 5389 §10.1.2: the short-term credential checks, in this order.
  auto username = message.username();
  if (!username || !message.message_integrity()) {
    return invalid("missing USERNAME or MESSAGE-INTEGRITY",
                   error_response(message, 400, "Bad Request"));
  }
  if (!username_matches(*username)) {
    return invalid("unknown USERNAME", error_response(message, 401, "Unauthorized"));
  }
  if (!verify_message_integrity(message, as_bytes(local_password_))) {
    return invalid("bad MESSAGE-INTEGRITY", error_response(message, 401, "Unauthorized"));
  }

  // RFC 5389 §7.3.1: refuse unknown comprehension-required attributes with 420.
  std::vector<std::uint16_t> unknown;
  for (const StunAttribute& attribute : message.attributes()) {
    if (stun::is_comprehension_required(attribute.type) && !is_known_required(attribute.type)) {
      unknown.push_back(attribute.type);
    }
  }
  if (!unknown.empty()) {
    StunWriter writer(StunClass::kErrorResponse, message.method(), message.transaction_id());
    writer.add_error_code(420, "Unknown Attribute")
        .add_unknown_attributes(unknown)
        .add_message_integrity(std::string_view(local_password_))
        .add_fingerprint();
    return invalid("unknown comprehension-required attribute", std::move(writer).take());
  }

  // RFC 8445 §7.3.1.1: we are controlled. A peer that also claims controlled loses the
  // tie-break if our value is larger or equal and is told so with 487; otherwise the RFC
  // makes us controlling, which for a lite agent changes nothing we do (it has no checks
  // to nominate with), so the check is answered normally and the peer keeps its role.
  if (auto their_tie_breaker = message.ice_controlled()) {
    if (tie_breaker_ >= *their_tie_breaker) {
      StunWriter writer(StunClass::kErrorResponse, message.method(), message.transaction_id());
      writer.add_error_code(487, "Role Conflict")
          .add_message_integrity(std::string_view(local_password_))
          .add_fingerprint();
      return invalid("role conflict", std::move(writer).take());
    }
  }

  // RFC 8445 §7.3.1.5 (and §8.1.1 for aggressive nomination): USE-CANDIDATE nominates
  // this tuple; a later nomination from another tuple moves the selection there.
  // Without any nomination the first authenticated tuple carries media.
  const bool use_candidate = message.use_candidate();
  if (use_candidate) {
    selected_ = from;
    nominated_ = true;
  } else if (!selected_) {
    selected_ = from;
  }
  if (selected_ == from) last_consent_ = now;

  // RFC 8445 §7.3.1.4 / RFC 5389 §10.1.2: success with XOR-MAPPED-ADDRESS of the source,
  // MESSAGE-INTEGRITY with our password and FINGERPRINT (RFC 8445 §7.3).
  StunWriter writer(StunClass::kSuccessResponse, message.method(), message.transaction_id());
  writer.add_xor_mapped_address(from)
      .add_message_integrity(std::string_view(local_password_))
      .add_fingerprint();

  Outcome outcome;
  outcome.valid = true;
  outcome.use_candidate = use_candidate;
  outcome.response = std::move(writer).take();
  return outcome;
}

bool IceLiteServer::is_expired(TimePoint now, Duration timeout) const {
  if (!last_consent_) return false;
  return now - *last_consent_ >= timeout;
}

}  // namespace podium::ice
