#include "util/clock.h"

namespace podium {

std::uint64_t ntp_now() {
  using namespace std::chrono;
  constexpr std::uint64_t kNtpUnixOffset = 2208988800ULL;  // 1900 → 1970, in seconds
  auto since_epoch = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  std::uint64_t secs = static_cast<std::uint64_t>(since_epoch / 1'000'000'000) + kNtpUnixOffset;
  std::uint64_t nanos = static_cast<std::uint64_t>(since_epoch % 1'000'000'000);
  return (secs << 32) | ((nanos << 32) / 1'000'000'000);
}

}  // namespace podium
