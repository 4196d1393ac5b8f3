#include "api/recordings.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <mutex>

#include "record/matroska_writer.h"
#include "util/clock.h"
#include "util/log.h"

namespace podium::api {
namespace {

constexpr std::string_view kLog = "record";

std::int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// 20261125T143000Z-123: sorts by time, safe in a path, unique per start.
std::string directory_stamp(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return fmt::format("{}-{:03}", text, unix_ms % 1000);
}

}  // namespace

// What the writer threads report, applied on the control thread: posted there, and also
// drained right after a recorder stops, so its files are listed complete even when the
// control loop is about to end (server shutdown).
struct Recordings::Shared {
  store::Store* store = nullptr;
  std::map<std::string, std::int64_t> ids;  // relative path → store id
  std::vector<std::pair<std::string, std::string>> failures;
  std::mutex mutex;
  std::vector<std::function<void(Shared&)>> pending;  // guarded by mutex

  void drain() {
    std::vector<std::function<void(Shared&)>> work;
    {
      std::lock_guard lock(mutex);
      work.swap(pending);
    }
    for (auto& item : work) item(*this);
  }
};

Recordings::Recordings(sfu::MediaServer& media, store::Store* store, std::filesystem::path data_dir,
                       Post post)
    : media_(media), store_(store), data_dir_(std::move(data_dir)), post_(std::move(post)),
      shared_(std::make_shared<Shared>()) {
  shared_->store = store_;
  finish_interrupted();
}

std::size_t Recordings::finish_interrupted() {
  if (!store_) return 0;
  std::vector<store::Recording> open;
  std::string cursor;
  for (;;) {
    auto page = store_->list_conferences(100, cursor);
    if (!page) {
      log::error(kLog, "interrupted recordings not checked: {}", page.error());
      return 0;
    }
    for (const auto& conference : page->conferences) {
      auto recordings = store_->list_recordings(conference.name);
      if (!recordings) {
        log::error(kLog, "conference {}: interrupted recordings not checked: {}", conference.name,
                   recordings.error());
        continue;
      }
      for (auto& r : *recordings)
        if (!r.ended_ms) open.push_back(std::move(r));
    }
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  for (const auto& r : open) {
    auto path = data_dir_ / r.path;
    auto repaired = record::repair_matroska(path.string());
    std::string reason = "interrupted: the server stopped while recording";
    std::int64_t first = 0, duration = 0, bytes = 0;
    std::error_code ec;
    if (repaired) {
      first = repaired->first_ms;
      duration = repaired->duration_ms;
      bytes = repaired->bytes;
      reason += fmt::format("; the {:.1f} s that reached the disk were kept", duration / 1000.0);
    } else {
      auto size = std::filesystem::file_size(path, ec);
      bytes = ec ? 0 : static_cast<std::int64_t>(size);
      reason += "; the file is not playable (" + repaired.error() + ")";
    }
    // As the writer does: duration is the media time covered, which starts at `first`.
    auto finished =
        store_->finish_recording(r.id, r.started_ms + first + duration, duration, bytes, reason);
    if (!finished) {
      log::error(kLog, "conference {}: {} stays open: {}", r.conference, r.path, finished.error());
      continue;
    }
    log::warn(kLog, "conference {}: {} {}", r.conference, r.path, reason);
  }
  return open.size();
}

Recordings::~Recordings() {
  while (!active_.empty()) stop(active_.begin()->first);
  shared_->store = nullptr;  // late callbacks touch nothing
}

void Recordings::start(const std::string& conference, const std::vector<std::string>& languages) {
  if (active_.count(conference)) return;
  record::RecorderConfig config;
  config.conference = conference;
  config.languages = languages;
  config.data_dir = data_dir_.string();
  config.started_unix_ms = unix_ms_now();
  config.started_at = SteadyClock().now();
  // Conference names are [A-Za-z0-9._-]; ".." must not climb out of recordings/.
  std::string folder = conference;
  for (char& c : folder)
    if (c == '.') c = '_';
  config.relative_dir =
      fmt::format("recordings/{}/{}", folder, directory_stamp(config.started_unix_ms));

  std::weak_ptr<Shared> weak = shared_;
  auto post = post_;
  // Runs `work` on the control thread (writer thread side).
  auto report = [weak, post](std::function<void(Shared&)> work) {
    auto shared = weak.lock();
    if (!shared) return;
    {
      std::lock_guard lock(shared->mutex);
      shared->pending.push_back(std::move(work));
    }
    post([weak] {
      if (auto alive = weak.lock()) alive->drain();
    });
  };
  record::RecorderEvents events;
  events.on_file_started = [report, conference](const record::RecordingFile& file) {
    report([conference, file](Shared& shared) {
      if (!shared.store) return;
      store::RecordingDraft draft;
      draft.conference = conference;
      draft.kind = file.kind;
      if (!file.participant.empty()) draft.participant = file.participant;
      draft.languages = file.languages;
      draft.path = file.path;
      draft.started_ms = file.started_unix_ms;
      auto added = shared.store->add_recording(draft);
      if (!added) {
        log::warn(kLog, "conference {}: {} not listed: {}", conference, file.path, added.error());
        return;
      }
      shared.ids[file.path] = added->id;
    });
  };
  events.on_file_finished = [report, conference](const record::RecordingFile& file) {
    report([conference, file](Shared& shared) {
      log::info(kLog, "conference {}: {} closed: {} ms, {} bytes{}", conference, file.path,
                file.duration_ms, file.bytes, file.error ? " (" + *file.error + ")" : "");
      auto it = shared.ids.find(file.path);
      if (!shared.store || it == shared.ids.end()) return;
      auto finished = shared.store->finish_recording(it->second, file.ended_unix_ms,
                                                     file.duration_ms, file.bytes, file.error);
      if (!finished)
        log::warn(kLog, "conference {}: {} not updated: {}", conference, file.path, finished.error());
      shared.ids.erase(it);
    });
  };
  events.on_failed = [report, conference](const std::string& reason) {
    report([conference, reason](Shared& shared) { shared.failures.emplace_back(conference, reason); });
  };
  auto recorder = std::make_shared<record::Recorder>(std::move(config), std::move(events));
  recorder->start();
  media_.set_tap(conference, recorder);
  active_[conference] = recorder;
  log::info(kLog, "conference {}: recording started", conference);
}

void Recordings::stop(const std::string& conference) {
  auto it = active_.find(conference);
  if (it == active_.end()) return;
  auto recorder = std::move(it->second);
  active_.erase(it);
  media_.set_tap(conference, nullptr);
  recorder->stop();
  shared_->drain();  // the files it closed are listed complete now
  auto stats = recorder->stats();
  log::info(kLog,
            "conference {}: recording stopped ({} packets, {} dropped on a full queue, {} frames "
            "written, {} dropped, {} program switches, writer CPU {} ms)",
            conference, stats.packets, stats.packets_dropped, stats.frames_written,
            stats.frames_dropped, stats.program_switches, stats.writer_cpu_us / 1000);
}

std::vector<std::pair<std::string, std::string>> Recordings::take_failures() {
  std::vector<std::pair<std::string, std::string>> out;
  out.swap(shared_->failures);
  return out;
}

}  // namespace podium::api
