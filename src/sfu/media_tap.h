// A copy of a conference's media for a recorder: every RTP packet its producers forward
// (after SRTP unprotect, RTX unwrapped, only while the conference lets the publisher
// send), and the stage changes, in the order the router sees them. Called on the worker
// thread that owns the conference: an implementation copies what it needs and returns at
// once (no disk I/O, no blocking).
#pragma once

#include <string>
#include <vector>

#include "sfu/track.h"
#include "util/clock.h"

namespace podium::rtp {
class RtpPacket;
}

namespace podium::sfu {

class Producer;

class MediaTap {
 public:
  virtual ~MediaTap() = default;
  // A producer appeared (or already existed when the tap was attached). Its id,
  // publisher, kind and codec stay valid until on_producer_removed.
  virtual void on_producer_added(const Producer& producer, TimePoint now) = 0;
  virtual void on_producer_removed(const Producer& producer, TimePoint now) = 0;
  // `layer`: the simulcast stream (0 without simulcast). Returns true when the tap needs
  // a keyframe of this stream (it lost one, or just started): the producer asks the
  // publisher, throttled as for any subscriber.
  virtual bool on_rtp(const Producer& producer, int layer, const rtp::RtpPacket& packet,
                      TimePoint now) = 0;
  // The participant on the stage (the floor holder), empty when none is named.
  virtual void on_stage(const std::string& participant_id, TimePoint now) = 0;
  // Languages whose program mix (LanguagePrograms, docs/interpretation.md) the tap wants:
  // while it is attached the router keeps each of them mixed (a hold) and hands every
  // packet it produces to on_program_rtp. Asked once, when the tap is attached.
  virtual std::vector<std::string> program_languages() const { return {}; }
  virtual void on_program_rtp(const std::string& /*language*/, const rtp::RtpPacket& /*packet*/,
                              TimePoint /*now*/) {}
};

}  // namespace podium::sfu
