// The people of a running conference and what they said, for the organizer who owns it
// (docs/api.md "Participants", docs/openapi.yaml):
//
//   GET    /api/v1/conferences/{name}/participants?limit=N&cursor=ID
//   PATCH  /api/v1/conferences/{name}/participants/{id}   {"role": "speaker"}
//   DELETE /api/v1/conferences/{name}/participants/{id}
//   GET    /api/v1/conferences/{name}/export              the chat and the Q&A
//
// The router has checked the organizer's session and ownership. The conference itself
// lives in the signaling hub; the server connects it through Control.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/http_router.h"
#include "util/result.h"

namespace podium::api {

class ParticipantResource {
 public:
  static constexpr int kDefaultLimit = 100;
  static constexpr int kMaxLimit = 1000;

  struct Control {
    std::function<Result<nlohmann::json>(std::string_view conference)> list;
    std::function<Result<nlohmann::json>(std::string_view conference)> talk;
    // The error is the conference's refusal.
    std::function<Result<bool>(std::string_view conference, const std::string& participant, Role role)>
        change_role;
    // false: the participant is not connected now.
    std::function<bool(std::string_view conference, const std::string& participant)> remove;
  };

  void set_control(Control control) { control_ = std::move(control); }

  HttpResponse list(const HttpRequest& request, std::string_view conference);
  HttpResponse patch(const HttpRequest& request, std::string_view conference, const std::string& id);
  HttpResponse remove(std::string_view conference, const std::string& id);
  HttpResponse talk(std::string_view conference);

 private:
  Control control_;
};

}  // namespace podium::api
