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

  // Idempotent. `floor_title`: the title of the program's floor audio track.
  void start(const std::string& conference);
  // Writes what is queued and closes the files (blocks until they are closed).
  void stop(const std::string& conference);
  bool recording(std::string_view conference) const { return active_.count(std::string(conference)) > 0; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

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
