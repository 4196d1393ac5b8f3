// What a sender that always protects one SSRC keeps to reach that SSRC's SRTP stream
// without a lookup (SrtpSession::protect_rtp). A consumer of a 30-person conference sends
// on a transport that carries 60 SSRCs; the session's hash lookup per packet, its nodes
// out of cache, was 3 % of the worker (docs/benchmarks.md). Opaque to its holder.
#pragma once

#include <cstdint>

namespace podium::srtp {

struct StreamHint {
  std::uint64_t session = 0;  // the keyed session state it points into; 0: empty
  std::uint32_t ssrc = 0;
  void* stream = nullptr;  // what protect_rtp reads is in its first cache line: a
                           // holder may prefetch this pointer ahead of the packet
};

}  // namespace podium::srtp
