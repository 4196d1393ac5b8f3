// A full ICE agent (RFC 8445) for one component with one local host candidate: what a
// client (a browser, the load-test tool) runs against a server. Controlling by default, it
// checks the remote candidates in priority order, nominates the first pair that works
// (regular nomination, RFC 8445 §8.1.1: a check, then the same check with USE-CANDIDATE),
// retransmits per RFC 5389 §7.2.1, keeps consent fresh (RFC 7675), answers the peer's own
// checks (a full peer such as Janus sends them) and resolves role conflicts (§7.3.1.1).
// No I/O: datagrams and the time go in, datagrams to send come out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ice/stun_message.h"
#include "ice/transport_address.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace podium::ice {

class IceClientAgent {
 public:
  enum class State { kNew, kChecking, kConnected, kFailed };

  struct Options {
    // RFC 5389 §7.2.1 / RFC 8445 §14.3: first RTO 500 ms, doubled per retransmission,
    // Rc = 7 transmissions, then Rm * RTO of waiting for the last.
    Duration initial_rto{500'000};
    int max_transmissions = 7;
    int last_wait_multiplier = 16;
    // RFC 7675 §5.1: a consent check every 4-6 s (here 5 s), expired after 30 s without
    // an answer.
    Duration consent_interval{5'000'000};
    Duration consent_timeout{30'000'000};
  };

  struct Transmit {
    std::vector<std::uint8_t> data;
    TransportAddress to;
  };

  // `tie_breaker` is the ICE-CONTROLLING value (RFC 8445 §7.1.1).
  IceClientAgent(std::string local_ufrag, std::string local_password, std::uint64_t tie_breaker);
  IceClientAgent(std::string local_ufrag, std::string local_password, std::uint64_t tie_breaker,
                 Options options);

  // From the peer's SDP (RFC 8839 §5.4). A change of ufrag is an ICE restart (RFC 8445
  // §9): checks start over on the next start().
  void set_remote_credentials(std::string remote_ufrag, std::string remote_password);
  // A remote candidate (RFC 8839 §5.1); kept in priority order, duplicates ignored.
  void add_remote_candidate(const TransportAddress& address, std::uint32_t priority);

  // Starts checking (needs credentials and at least one candidate; otherwise fails).
  void start(TimePoint now);

  // Hands a STUN datagram from `from` to the agent. Returns false if it was not STUN
  // for this agent (the owner counts it); answers, if any, come from take_outgoing().
  bool handle_datagram(Bytes datagram, const TransportAddress& from, TimePoint now);

  // Retransmissions and consent checks: call once next_timeout() has passed.
  void handle_timeout(TimePoint now);
  std::optional<TimePoint> next_timeout() const;

  std::vector<Transmit> take_outgoing();

  State state() const { return state_; }
  // The nominated pair's remote address once kConnected.
  std::optional<TransportAddress> selected() const { return selected_; }
  const std::string& failure_reason() const { return failure_reason_; }
  // Priority this agent puts in its checks: RFC 8445 §5.1.2.1 for a host candidate of
  // component 1 with local preference 65535 (and §7.1.1: the peer-reflexive type).
  std::uint32_t check_priority() const;

  std::uint64_t requests_sent() const { return requests_sent_; }
  std::uint64_t retransmissions() const { return retransmissions_; }
  std::uint64_t requests_answered() const { return requests_answered_; }
  // RFC 8445 §6.1.1: the offerer is controlling. An answering client starts controlled
  // (call before start()); a role conflict (§7.3.1.1) may switch it either way.
  void set_controlling(bool controlling) { controlling_ = controlling; }
  bool controlling() const { return controlling_; }
  const std::string& local_ufrag() const { return local_ufrag_; }
  const std::string& local_password() const { return local_password_; }

 private:
  enum class Purpose { kCheck, kNominate, kConsent };
  struct Transaction {
    TransactionId id{};
    std::vector<std::uint8_t> request;
    TransportAddress to;
    Purpose purpose = Purpose::kCheck;
    int transmissions = 0;
    Duration rto{};
    TimePoint next_at{};
  };
  struct Candidate {
    TransportAddress address;
    std::uint32_t priority = 0;
  };

  void send_request(const TransportAddress& to, Purpose purpose, TimePoint now);
  void on_response(const StunMessage& message, Bytes datagram, const TransportAddress& from,
                   TimePoint now);
  void on_request(const StunMessage& message, Bytes datagram, const TransportAddress& from);
  void check_next_candidate(TimePoint now);
  void fail(std::string reason);

  std::string local_ufrag_;
  std::string local_password_;
  std::uint64_t tie_breaker_;
  Options options_;
  bool controlling_ = true;
  std::string remote_ufrag_;
  std::string remote_password_;
  std::vector<Candidate> candidates_;
  std::size_t next_candidate_ = 0;
  State state_ = State::kNew;
  std::optional<Transaction> pending_;  // one check at a time (pacing, RFC 8445 §14.2)
  std::optional<TransportAddress> selected_;
  std::optional<TimePoint> next_consent_at_;
  TimePoint last_consent_{};
  std::vector<Transmit> outgoing_;
  std::string failure_reason_;
  std::uint64_t requests_sent_ = 0;
  std::uint64_t retransmissions_ = 0;
  std::uint64_t requests_answered_ = 0;
};

const char* to_string(IceClientAgent::State state);

}  // namespace podium::ice
