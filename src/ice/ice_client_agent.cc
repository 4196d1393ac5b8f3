#include "ice/ice_client_agent.h"

#include <algorithm>
#include <string_view>

#include "ice/connectivity_check.h"
#include "ice/stun_writer.h"

namespace podium::ice {

IceClientAgent::IceClientAgent(std::string local_ufrag, std::string local_password,
                               std::uint64_t tie_breaker)
    : IceClientAgent(std::move(local_ufrag), std::move(local_password), tie_breaker, Options{}) {}

IceClientAgent::IceClientAgent(std::string local_ufrag, std::string local_password,
                               std::uint64_t tie_breaker, Options options)
    : local_ufrag_(std::move(local_ufrag)),
      local_password_(std::move(local_password)),
      tie_breaker_(tie_breaker),
      options_(options) {}

void IceClientAgent::set_remote_credentials(std::string remote_ufrag, std::string remote_password) {
  if (!remote_ufrag_.empty() && remote_ufrag != remote_ufrag_) {
    // RFC 8445 §9: an ICE restart; the checks start over.
    state_ = State::kNew;
    pending_.reset();
    selected_.reset();
    next_consent_at_.reset();
    candidates_.clear();
    next_candidate_ = 0;
  }
  remote_ufrag_ = std::move(remote_ufrag);
  remote_password_ = std::move(remote_password);
}

void IceClientAgent::add_remote_candidate(const TransportAddress& address, std::uint32_t priority) {
  for (const Candidate& c : candidates_)
    if (c.address == address) return;
  // RFC 8445 §6.1.2.3: pairs are checked in decreasing priority; with one local
  // candidate that is the order of the remote priorities. Only unchecked ones move.
  auto at = std::find_if(candidates_.begin() + static_cast<std::ptrdiff_t>(next_candidate_),
                         candidates_.end(),
                         [&](const Candidate& c) { return c.priority < priority; });
  candidates_.insert(at, Candidate{address, priority});
}

std::uint32_t IceClientAgent::check_priority() const {
  // RFC 8445 §5.1.2.1: (2^24) type preference + (2^8) local preference + (256 - component);
  // §7.1.1: a check carries the priority of a peer-reflexive candidate (type pref 110).
  return (110u << 24) | (65535u << 8) | (256u - 1u);
}

void IceClientAgent::start(TimePoint now) {
  if (state_ != State::kNew) return;
  if (remote_ufrag_.empty() || remote_password_.empty()) return fail("no remote ICE credentials");
  if (candidates_.empty()) return fail("no remote candidate");
  state_ = State::kChecking;
  next_candidate_ = 0;
  check_next_candidate(now);
}

void IceClientAgent::check_next_candidate(TimePoint now) {
  if (next_candidate_ >= candidates_.size()) {
    return fail(failure_reason_.empty() ? std::string("every candidate pair failed")
                                        : "every candidate pair failed; last: " + failure_reason_);
  }
  send_request(candidates_[next_candidate_++].address, Purpose::kCheck, now);
}

void IceClientAgent::fail(std::string reason) {
  state_ = State::kFailed;
  failure_reason_ = std::move(reason);
  pending_.reset();
  next_consent_at_.reset();
}

void IceClientAgent::send_request(const TransportAddress& to, Purpose purpose, TimePoint now) {
  Transaction t;
  t.id = random_transaction_id();
  // RFC 8445 §7.2.2 / §8.1.1: USE-CANDIDATE only on the nominating check; consent checks
  // (RFC 7675 §5.1) are plain Binding requests with the same credentials.
  if (controlling_) {
    t.request = make_binding_request(remote_ufrag_, local_ufrag_, remote_password_, tie_breaker_,
                                     check_priority(), purpose == Purpose::kNominate, t.id);
  } else {
    // RFC 8445 §7.2.2: the controlled side says ICE-CONTROLLED and never nominates.
    StunWriter writer(StunClass::kRequest, stun::kMethodBinding, t.id);
    writer.add_username(remote_ufrag_ + ":" + local_ufrag_)
        .add_priority(check_priority())
        .add_ice_controlled(tie_breaker_)
        .add_message_integrity(std::string_view(remote_password_))
        .add_fingerprint();
    t.request = std::move(writer).take();
  }
  t.to = to;
  t.purpose = purpose;
  t.transmissions = 1;
  t.rto = options_.initial_rto;
  t.next_at = now + t.rto;
  outgoing_.push_back({t.request, to});
  ++requests_sent_;
  pending_ = std::move(t);
}

bool IceClientAgent::handle_datagram(Bytes datagram, const TransportAddress& from, TimePoint now) {
  auto parsed = StunMessage::parse(datagram);
  if (!parsed) return false;
  const StunMessage& message = *parsed;
  // RFC 5389 §7.3: a FINGERPRINT that does not verify means this is not STUN at all.
  if (message.fingerprint_offset() && !verify_fingerprint(message)) return false;
  if (message.method() != stun::kMethodBinding) return false;
  switch (message.message_class()) {
    case StunClass::kRequest:
      on_request(message, datagram, from);
      return true;
    case StunClass::kSuccessResponse:
    case StunClass::kErrorResponse:
      on_response(message, datagram, from, now);
      return true;
    case StunClass::kIndication:
      return true;  // RFC 8445 §11 keepalive: nothing to do
  }
  return false;
}

void IceClientAgent::on_response(const StunMessage& message, Bytes datagram,
                                 const TransportAddress& from, TimePoint now) {
  if (!pending_ || !std::ranges::equal(message.transaction_id_bytes(), pending_->id)) return;
  // RFC 8445 §7.2.5.2.1: a response from another address than the request went to is a
  // failure (non-symmetric), and any response must authenticate with the remote password.
  if (!verify_message_integrity(message, as_bytes(remote_password_))) {
    // RFC 5389 §10.1.3: an error without MESSAGE-INTEGRITY (400/401) still ends the
    // transaction; a success that does not verify is discarded.
    if (message.message_class() == StunClass::kSuccessResponse) return;
  }
  Transaction done = std::move(*pending_);
  pending_.reset();
  if (message.message_class() == StunClass::kErrorResponse || !(from == done.to)) {
    auto error = message.error_code();
    std::string reason = error ? "check refused: " + std::to_string(error->code)
                               : std::string("response from an unexpected address");
    if (error && error->code == 487 && state_ == State::kChecking && done.purpose != Purpose::kConsent) {
      // RFC 8445 §7.2.5.1: switch role and check the same pair again.
      controlling_ = !controlling_;
      send_request(done.to, Purpose::kCheck, now);
      return;
    }
    if (done.purpose == Purpose::kConsent) return fail("consent refused: " + reason);
    if (state_ == State::kChecking) {
      failure_reason_ = reason;
      check_next_candidate(now);
    }
    return;
  }
  switch (done.purpose) {
    case Purpose::kCheck:
      // RFC 8445 §8.1.1 regular nomination: the pair is valid; nominate it. Controlled,
      // the peer nominates; a valid pair is enough to send on (§7.3.1.5 would wait for
      // the peer's USE-CANDIDATE, which a single-pair client does not need).
      if (state_ != State::kChecking) break;
      if (controlling_) {
        send_request(done.to, Purpose::kNominate, now);
      } else {
        state_ = State::kConnected;
        selected_ = done.to;
        last_consent_ = now;
        next_consent_at_ = now + options_.consent_interval;
      }
      break;
    case Purpose::kNominate:
      if (state_ != State::kChecking) break;
      state_ = State::kConnected;
      selected_ = done.to;
      last_consent_ = now;
      next_consent_at_ = now + options_.consent_interval;
      break;
    case Purpose::kConsent:
      last_consent_ = now;
      next_consent_at_ = now + options_.consent_interval;
      break;
  }
}

void IceClientAgent::on_request(const StunMessage& message, Bytes datagram,
                                const TransportAddress& from) {
  // RFC 5389 §10.1.2: short-term credential checks; our ufrag first in USERNAME.
  auto error = [&](int code, std::string_view reason, bool integrity) {
    StunWriter writer(StunClass::kErrorResponse, message.method(), message.transaction_id());
    writer.add_error_code(code, reason);
    if (integrity) writer.add_message_integrity(std::string_view(local_password_));
    writer.add_fingerprint();
    outgoing_.push_back({std::move(writer).take(), from});
  };
  auto username = message.username();
  if (!username || !message.message_integrity()) return error(400, "Bad Request", false);
  if (username->size() <= local_ufrag_.size() || (*username)[local_ufrag_.size()] != ':' ||
      username->substr(0, local_ufrag_.size()) != local_ufrag_ ||
      !verify_message_integrity(message, as_bytes(local_password_))) {
    return error(401, "Unauthorized", false);
  }
  // RFC 8445 §7.3.1.1: both claim the same role; the larger tie-breaker is controlling.
  // If that is us the peer is told with 487, otherwise we switch.
  auto theirs = controlling_ ? message.ice_controlling() : message.ice_controlled();
  if (theirs) {
    bool we_win = tie_breaker_ >= *theirs;
    if (controlling_ == we_win) return error(487, "Role Conflict", true);
    controlling_ = !controlling_;
  }
  StunWriter writer(StunClass::kSuccessResponse, message.method(), message.transaction_id());
  writer.add_xor_mapped_address(from)
      .add_message_integrity(std::string_view(local_password_))
      .add_fingerprint();
  outgoing_.push_back({std::move(writer).take(), from});
  ++requests_answered_;
}

void IceClientAgent::handle_timeout(TimePoint now) {
  if (pending_ && now >= pending_->next_at) {
    Transaction& t = *pending_;
    if (t.transmissions >= options_.max_transmissions) {
      // RFC 5389 §7.2.1: no answer after Rc transmissions and the final wait.
      Purpose purpose = t.purpose;
      pending_.reset();
      if (purpose == Purpose::kConsent) {
        // Keep trying until RFC 7675's 30 s pass without an answer.
        if (now - last_consent_ >= options_.consent_timeout) return fail("consent expired");
        next_consent_at_ = now;
      } else {
        failure_reason_ = "no answer to the check";
        check_next_candidate(now);
        return;
      }
    } else {
      ++t.transmissions;
      ++retransmissions_;
      t.rto *= 2;
      t.next_at = now + (t.transmissions == options_.max_transmissions
                             ? options_.initial_rto * options_.last_wait_multiplier
                             : t.rto);
      outgoing_.push_back({t.request, t.to});
    }
  }
  if (state_ == State::kConnected && !pending_ && next_consent_at_ && now >= *next_consent_at_) {
    if (now - last_consent_ >= options_.consent_timeout) return fail("consent expired");
    send_request(*selected_, Purpose::kConsent, now);
  }
}

std::optional<TimePoint> IceClientAgent::next_timeout() const {
  if (state_ == State::kFailed) return std::nullopt;
  std::optional<TimePoint> next;
  if (pending_) next = pending_->next_at;
  if (state_ == State::kConnected && !pending_ && next_consent_at_) next = *next_consent_at_;
  return next;
}

std::vector<IceClientAgent::Transmit> IceClientAgent::take_outgoing() {
  std::vector<Transmit> out;
  out.swap(outgoing_);
  return out;
}

const char* to_string(IceClientAgent::State state) {
  switch (state) {
    case IceClientAgent::State::kNew: return "new";
    case IceClientAgent::State::kChecking: return "checking";
    case IceClientAgent::State::kConnected: return "connected";
    case IceClientAgent::State::kFailed: return "failed";
  }
  return "?";
}

}  // namespace podium::ice
