// The recorders of the conferences being recorded, on the control thread: starts one
// when the conference says recording is on, stops it when off, and keeps the store's
// list of recording files (docs/recording.md) as the recorder opens and closes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "record/recorder.h"
#include "sfu/media_server.h"
#include "store/store.h"

namespace podium::api {

class Recordings {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // data_dir: files go to data_dir/recordings/<conference>/<start>/. store may be null
  // (files are written, nothing is listed). post runs work on the control thread.
  Recordings(sfu::MediaServer& media, store::Store* store, std::filesystem::path data_dir,
             Post post);
  ~Recordings();
  Recordings(const Recordings&) = delete;
  Recordings& operator=(const Recordings&) = delete;

  // Idempotent. `languages`: the booth languages, one program audio track each after the
  // floor (their program mixes run while the recorder holds them).
  void start(const std::string& conference, const std::vector<std::string>& languages = {});
  // Writes what is queued and closes the files (blocks until they are closed).
  void stop(const std::string& conference);
  bool recording(std::string_view conference) const { return active_.count(std::string(conference)) > 0; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

  // Recordings the store still lists as being written were left so by a server that
  // stopped without closing them (a crash, SIGKILL). Each is closed: its file repaired
  // (what reached the disk, with an index) and marked ended with an error that starts
  // with "interrupted". Run at start-up, before any recorder starts; returns how many.
  std::size_t finish_interrupted();

  // Recordings that stopped by themselves since the last call: (conference, reason).
  std::vector<std::pair<std::string, std::string>> take_failures();

 private:
  struct Shared;  // outlives this object while callbacks are in flight

  sfu::MediaServer& media_;
  store::Store* store_;
  std::filesystem::path data_dir_;
  Post post_;
  std::shared_ptr<Shared> shared_;
  std::map<std::string, std::shared_ptr<record::Recorder>> active_;
};

}  // namespace podium::api
