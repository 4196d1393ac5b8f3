// The conference record: what happened, for the press and for the archive. Built from the
// conference's state (who, the agenda as planned, Q&A, chat) and its timeline (when), and
// nothing else; pure, so the same input always gives the same record. docs/record.md
// explains it and docs/record.schema.json defines its JSON.
//
//   RecordSource source{.conference = conf, .timeline = events_as_json, .now = now_ms};
//   Record record = build_record(source);
//   nlohmann::json j = to_json(record);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conference/conference.h"

namespace podium::record {

using conference::ParticipantId;
using conference::UnixMillis;

inline constexpr int kRecordSchemaVersion = 1;

// A program recording (the stage with one audio track per language), as the recording
// store lists it. Speeches link into the one that was running when they started.
struct ProgramRecording {
  std::int64_t id = 0;
  UnixMillis started_at = 0;
  std::optional<UnixMillis> ended_at;  // none while it is being written
  std::vector<std::string> languages;  // audio tracks, in file order
  // Where a reader fetches the file (a signed link); empty: the REST path, which needs
  // the caller's credentials.
  std::string url;
};

struct RecordOptions {
  bool include_chat = false;  // the organizer's record_includes_chat
  // Participants whose name stays out of the record whatever their role.
  std::set<ParticipantId> private_participants;
  // "https://host" or "" (links then start with "/").
  std::string link_base;
};

struct RecordSource {
  const conference::Conference& conference;
  // The recorded timeline in order, each event as conference::to_json writes it (that is
  // what the store keeps). Unknown event types are skipped, so a record built by an older
  // server still reads a newer timeline.
  const std::vector<nlohmann::json>& timeline;
  UnixMillis now = 0;  // for what is still running
  std::vector<ProgramRecording> program_recordings{};
  // True when the caller could look recordings up; false leaves speech links out and
  // says so in the record's notes.
  bool recordings_known = true;
  RecordOptions options{};
};

// Who, as the record may show them: no e-mail, no token, a name only when public.
struct Person {
  ParticipantId id;
  std::optional<std::string> name;  // none: the participant is not named in the record
  conference::Role role = conference::Role::attendee;  // at the time it is about
  std::optional<std::string> organization;
};

struct AgendaEntry {
  std::string id;
  std::string title;
  std::string language;
  std::vector<std::string> planned_speakers;  // names (public ones) as the agenda lists them
  std::int64_t planned_ms = 0;
  std::optional<UnixMillis> planned_start;  // scheduled start + the planned items before it
  std::optional<UnixMillis> started_at;
  std::optional<UnixMillis> ended_at;
  std::optional<std::int64_t> actual_ms;  // end (or now, while running) − start
  std::string status;                     // pending, running, done, skipped
};

struct InterpreterOnAir {
  std::string language;  // the booth's language
  Person interpreter;
  UnixMillis from = 0;
  std::optional<UnixMillis> to;
};

struct Playback {
  std::int64_t recording = 0;
  double offset_s = 0;  // from the start of the recording's file
  std::string url;      // plays the speech: <file>#t=<offset>
  std::vector<std::string> languages;
};

struct Speech {
  std::size_t number = 0;  // 1-based, in order
  Person speaker;
  std::optional<std::string> item;  // agenda item id
  std::string language;             // floor language
  UnixMillis started_at = 0;
  std::optional<UnixMillis> ended_at;  // none: still speaking
  std::int64_t duration_ms = 0;        // end (or now) − start
  std::int64_t speaking_ms = 0;        // pauses excluded, when the release says so
  std::int64_t allotted_ms = 0;        // 0: untimed
  std::string end_reason;              // yielded, revoked, ... ("" while speaking)
  std::vector<InterpreterOnAir> interpreters;
  std::optional<Playback> playback;
};

struct QuestionEntry {
  std::uint64_t id = 0;
  std::string text;
  Person asked_by;
  UnixMillis asked_at = 0;
  std::size_t votes = 0;
  std::string status;  // open, picked, answered, dismissed
  std::optional<UnixMillis> picked_at;
  std::optional<UnixMillis> closed_at;
  std::optional<Person> closed_by;      // the moderator who marked it
  std::vector<Person> answered_by;      // who held the floor between pick and answer
};

struct ChatEntry {
  std::uint64_t id = 0;
  Person from;
  UnixMillis at = 0;
  std::string text;
};

struct OrganizationGroup {
  std::optional<std::string> organization;  // none: no organization given
  std::vector<Person> people;               // named ones, by role then name
  std::map<std::string, std::size_t> unnamed_by_role;  // role → how many are not named
};

struct Record {
  std::string conference;
  std::string title;
  std::string description;
  std::vector<std::string> languages;
  std::string state;
  std::optional<UnixMillis> scheduled_start;
  std::optional<UnixMillis> scheduled_end;
  std::optional<UnixMillis> live_at;   // first time the conference went live
  std::optional<UnixMillis> ended_at;  // when it ended
  UnixMillis generated_at = 0;
  std::vector<AgendaEntry> agenda;
  std::vector<Speech> speeches;
  std::vector<QuestionEntry> questions;
  bool chat_included = false;
  std::vector<ChatEntry> chat;
  std::vector<OrganizationGroup> participants;
  std::vector<ProgramRecording> recordings;
  std::vector<std::string> notes;  // what the record could not include, and why
};

Record build_record(const RecordSource& source);

// The documented JSON (docs/record.schema.json). Times are RFC 3339 UTC strings with
// milliseconds; durations are integer milliseconds.
nlohmann::json to_json(const Record& record);

// "2026-11-25T14:00:00.123Z"
std::string format_time(UnixMillis t);

// The recording file URL the speech links use (the REST API serves it).
std::string recording_file_url(const std::string& link_base, std::int64_t recording_id);

// The media fragment (W3C Media Fragments URI 1.0, "#t=" in seconds) that seeks a
// recording to `offset_ms`, to the millisecond: "#t=1.05", "#t=60.0". Rounding to a
// tenth would seek up to 50 ms away from the offset the record gives.
std::string seek_fragment(std::int64_t offset_ms);

}  // namespace podium::record
