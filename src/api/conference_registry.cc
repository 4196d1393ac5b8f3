#include "api/conference_registry.h"

#include <algorithm>

#include <fmt/format.h>

namespace podium::api {

const Participant& ConferenceRegistry::add_participant(Participant participant) {
  if (participant.id.empty() || conference_of_.count(participant.id)) {
    do {
      participant.id = fmt::format("p{}", next_participant_++);
    } while (conference_of_.count(participant.id));
  }
  conference_of_[participant.id] = participant.conference;
  auto& conference = conferences_[participant.conference];
  conference.participants.push_back(std::move(participant));
  return conference.participants.back();
}

ConferenceRegistry::Conference* ConferenceRegistry::conference_for(std::string_view participant_id) {
  auto it = conference_of_.find(participant_id);
  if (it == conference_of_.end()) return nullptr;
  auto conference = conferences_.find(it->second);
  return conference == conferences_.end() ? nullptr : &conference->second;
}

std::vector<Track> ConferenceRegistry::remove_participant(std::string_view participant_id) {
  auto it = conference_of_.find(participant_id);
  if (it == conference_of_.end()) return {};
  auto removed = remove_tracks_of(participant_id);
  auto conference = conferences_.find(it->second);
  if (conference != conferences_.end()) {
    std::erase_if(conference->second.participants,
                  [&](const Participant& p) { return p.id == participant_id; });
    if (conference->second.participants.empty()) conferences_.erase(conference);
  }
  conference_of_.erase(it);
  return removed;
}

Participant* ConferenceRegistry::find_participant(std::string_view participant_id) {
  auto* conference = conference_for(participant_id);
  if (!conference) return nullptr;
  for (auto& p : conference->participants) {
    if (p.id == participant_id) return &p;
  }
  return nullptr;
}

std::optional<std::string> ConferenceRegistry::participant_for_session(sfu::SessionId session) const {
  if (session == 0) return std::nullopt;
  for (const auto& [name, conference] : conferences_) {
    for (const auto& p : conference.participants) {
      if (p.session == session) return p.id;
    }
  }
  return std::nullopt;
}

std::vector<const Participant*> ConferenceRegistry::participants(std::string_view conference) const {
  std::vector<const Participant*> out;
  auto it = conferences_.find(conference);
  if (it == conferences_.end()) return out;
  for (const auto& p : it->second.participants) {
    if (p.listed()) out.push_back(&p);
  }
  return out;
}

std::size_t ConferenceRegistry::audience_count(std::string_view conference) const {
  auto it = conferences_.find(conference);
  if (it == conferences_.end()) return 0;
  return static_cast<std::size_t>(std::count_if(
      it->second.participants.begin(), it->second.participants.end(),
      [](const Participant& p) { return p.admitted && in_audience(p.role); }));
}

std::vector<Track> ConferenceRegistry::tracks(std::string_view conference) const {
  auto it = conferences_.find(conference);
  return it == conferences_.end() ? std::vector<Track>{} : it->second.tracks;
}

const Track* ConferenceRegistry::find_track(std::string_view conference,
                                            std::string_view track_id) const {
  auto it = conferences_.find(conference);
  if (it == conferences_.end()) return nullptr;
  for (const auto& t : it->second.tracks) {
    if (t.id == track_id) return &t;
  }
  return nullptr;
}

void ConferenceRegistry::add_track(std::string_view conference, Track track) {
  auto it = conferences_.find(conference);
  if (it != conferences_.end()) it->second.tracks.push_back(std::move(track));
}

std::optional<Track> ConferenceRegistry::remove_track(std::string_view participant_id,
                                                      std::string_view track_id) {
  auto* conference = conference_for(participant_id);
  if (!conference) return std::nullopt;
  auto it = std::find_if(conference->tracks.begin(), conference->tracks.end(), [&](const Track& t) {
    return t.id == track_id && t.participant == participant_id;
  });
  if (it == conference->tracks.end()) return std::nullopt;
  Track removed = std::move(*it);
  conference->tracks.erase(it);
  return removed;
}

std::vector<Track> ConferenceRegistry::remove_tracks_of(std::string_view participant_id) {
  std::vector<Track> removed;
  auto* conference = conference_for(participant_id);
  if (!conference) return removed;
  auto& tracks = conference->tracks;
  for (auto it = tracks.begin(); it != tracks.end();) {
    if (it->participant == participant_id) {
      removed.push_back(std::move(*it));
      it = tracks.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace podium::api
