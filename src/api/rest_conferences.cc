#include "api/rest_conferences.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/rest_http.h"

namespace podium::api {
namespace {

constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxDescription = 5000;
constexpr std::size_t kMaxLanguages = 32;
constexpr std::size_t kMaxAgendaItems = 200;
constexpr std::size_t kMaxItemSpeakers = 20;
constexpr std::int64_t kMaxPlannedMs = 24LL * 3600 * 1000;
constexpr std::array<std::string_view, 7> kFields = {"title", "description", "languages", "start",
                                                     "end",   "settings",    "agenda"};

// UTF-8 code points, which is what a person counts (nlohmann has checked the encoding).
std::size_t characters(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

bool has_control(std::string_view text, bool allow_newlines) {
  for (unsigned char c : text) {
    if (allow_newlines && (c == '\n' || c == '\t' || c == '\r')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// RFC 5646 §2.1 in its common shape: a 2-8 letter primary subtag, then 1-8 alphanumerics.
bool is_language_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  std::size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    auto end = tag.find('-', start);
    auto part = tag.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty() || part.size() > 8 || (first && part.size() < 2)) return false;
    for (char c : part) {
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool digit = c >= '0' && c <= '9';
      if (!(letter || (!first && digit))) return false;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
    first = false;
  }
  return true;
}

Result<nlohmann::json> validate_settings(const nlohmann::json& given) {
  // record_published: press tokens may read the record (docs/record.md);
  // record_includes_chat: the record carries the chat.
  nlohmann::json settings = {{"lobby", false},           {"chat", "everyone"},
                             {"recording", false},       {"registration", "closed"},
                             {"record_published", false}, {"record_includes_chat", false}};
  if (given.is_null()) return settings;
  if (!given.is_object()) return Error{"\"settings\" must be an object"};
  for (const auto& [key, value] : given.items()) {
    if (key == "lobby" || key == "recording" || key == "record_published" ||
        key == "record_includes_chat") {
      if (!value.is_boolean()) return Error{fmt::format("settings.{} must be true or false", key)};
    } else if (key == "chat") {
      if (value != "everyone" && value != "panel" && value != "off") {
        return Error{"settings.chat must be \"everyone\", \"panel\" or \"off\""};
      }
    } else if (key == "registration") {
      if (value != "open" && value != "closed") {
        return Error{"settings.registration must be \"open\" or \"closed\""};
      }
    } else if (key == "lobby_skip") {
      // The roles that go straight in when the lobby is on (default: the panel).
      constexpr std::string_view kRoles[] = {"organizer", "moderator", "speaker",
                                             "interpreter", "attendee", "press"};
      if (!value.is_array() || value.size() > std::size(kRoles)) {
        return Error{"settings.lobby_skip must be a list of roles"};
      }
      for (const auto& role : value) {
        if (!role.is_string() ||
            std::find(std::begin(kRoles), std::end(kRoles), role.get<std::string>()) == std::end(kRoles)) {
          return Error{"settings.lobby_skip must be a list of roles"};
        }
      }
    } else {
      return Error{fmt::format("unknown setting '{}'", key.substr(0, 64))};
    }
    settings[key] = value;
  }
  return settings;
}

bool is_item_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The agenda planned before the event: items in order, each {id?, title, speakers,
// planned_ms, language?}. Items without an id get "i1", "i2", ... by position.
Result<nlohmann::json> validate_agenda(const nlohmann::json& given) {
  nlohmann::json agenda = nlohmann::json::array();
  if (given.is_null()) return agenda;
  if (!given.is_array() || given.size() > kMaxAgendaItems) {
    return Error{fmt::format("\"agenda\" must be an array of at most {} items", kMaxAgendaItems)};
  }
  std::size_t index = 0;
  for (const auto& item : given) {
    ++index;
    if (!item.is_object()) return Error{fmt::format("agenda[{}] must be an object", index - 1)};
    nlohmann::json out = {{"speakers", nlohmann::json::array()}, {"planned_ms", 0}, {"language", ""}};
    for (const auto& [key, value] : item.items()) {
      const auto where = fmt::format("agenda[{}].{}", index - 1, key.substr(0, 64));
      if (key == "id") {
        if (!value.is_string() || !is_item_id(value.get_ref<const std::string&>())) {
          return Error{where + ": 1-64 characters of A-Z a-z 0-9 . _ -"};
        }
      } else if (key == "title") {
        if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
            characters(value.get_ref<const std::string&>()) > kMaxTitle ||
            has_control(value.get_ref<const std::string&>(), false)) {
          return Error{fmt::format("{}: 1-{} characters, no control characters", where, kMaxTitle)};
        }
      } else if (key == "speakers") {
        if (!value.is_array() || value.size() > kMaxItemSpeakers) {
          return Error{fmt::format("{}: an array of at most {} names", where, kMaxItemSpeakers)};
        }
        for (const auto& name : value) {
          if (!name.is_string() || name.get_ref<const std::string&>().empty() ||
              characters(name.get_ref<const std::string&>()) > 128 ||
              has_control(name.get_ref<const std::string&>(), false)) {
            return Error{where + ": each speaker is a name of 1-128 characters"};
          }
        }
      } else if (key == "planned_ms") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
            value.get<std::int64_t>() > kMaxPlannedMs) {
          return Error{fmt::format("{}: an integer in 0..{}", where, kMaxPlannedMs)};
        }
      } else if (key == "language") {
        if (!value.is_string() ||
            (!value.get_ref<const std::string&>().empty() &&
             !is_language_tag(value.get_ref<const std::string&>()))) {
          return Error{where + ": a language tag such as \"en\""};
        }
      } else {
        return Error{fmt::format("unknown field '{}'", where)};
      }
      out[key] = value;
    }
    if (!out.contains("title")) return Error{fmt::format("agenda[{}].title is required", index - 1)};
    if (!out.contains("id")) out["id"] = fmt::format("i{}", index);
    for (const auto& earlier : agenda) {
      if (earlier["id"] == out["id"]) {
        return Error{fmt::format("agenda item id '{}' is used twice", out["id"].get<std::string>())};
      }
    }
    agenda.push_back(std::move(out));
  }
  return agenda;
}

std::string query_or(std::string_view target, std::string_view name, std::string fallback) {
  auto value = query_parameter(target, name);
  return value ? *value : std::move(fallback);
}

}  // namespace

Result<nlohmann::json> validate_conference_document(const nlohmann::json& fields) {
  if (!fields.is_object()) return Error{"a conference is a JSON object"};
  for (const auto& [key, value] : fields.items()) {
    if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) {
      return Error{fmt::format("unknown field '{}'", key.substr(0, 64))};
    }
  }
  nlohmann::json document = nlohmann::json::object();

  auto title = fields.find("title");
  if (title == fields.end() || !title->is_string()) return Error{"\"title\" is required (a string)"};
  const auto& title_text = title->get_ref<const std::string&>();
  if (title_text.empty() || characters(title_text) > kMaxTitle || has_control(title_text, false)) {
    return Error{fmt::format("\"title\": 1-{} characters, no control characters", kMaxTitle)};
  }
  document["title"] = title_text;

  std::string description;
  if (auto it = fields.find("description"); it != fields.end() && !it->is_null()) {
    if (!it->is_string()) return Error{"\"description\" must be a string"};
    description = it->get<std::string>();
    if (characters(description) > kMaxDescription || has_control(description, true)) {
      return Error{fmt::format("\"description\": at most {} characters", kMaxDescription)};
    }
  }
  document["description"] = description;

  nlohmann::json languages = nlohmann::json::array();
  if (auto it = fields.find("languages"); it != fields.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > kMaxLanguages) {
      return Error{fmt::format("\"languages\" must be an array of at most {} tags", kMaxLanguages)};
    }
    for (const auto& tag : *it) {
      if (!tag.is_string() || !is_language_tag(tag.get_ref<const std::string&>())) {
        return Error{"\"languages\" holds language tags such as \"en\" or \"de-CH\""};
      }
      if (std::find(languages.begin(), languages.end(), tag) != languages.end()) {
        return Error{fmt::format("language '{}' is listed twice", tag.get<std::string>())};
      }
      languages.push_back(tag);
    }
  }
  document["languages"] = languages;

  std::optional<std::int64_t> start, end;
  for (auto [key, out] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
    auto it = fields.find(key);
    if (it == fields.end() || it->is_null()) continue;
    if (!it->is_string() || !(*out = parse_rfc3339(it->get_ref<const std::string&>()))) {
      return Error{fmt::format("\"{}\" must be an RFC 3339 time such as 2025-05-01T09:00:00Z", key)};
    }
    document[key] = *it;
  }
  if (start && end && *end <= *start) return Error{"\"end\" must be after \"start\""};

  auto settings = validate_settings(fields.contains("settings") ? fields["settings"] : nlohmann::json());
  if (!settings) return Error{settings.error()};
  document["settings"] = std::move(*settings);

  auto agenda = validate_agenda(fields.contains("agenda") ? fields["agenda"] : nlohmann::json());
  if (!agenda) return Error{agenda.error()};
  document["agenda"] = std::move(*agenda);
  return document;
}

nlohmann::json conference_representation(const store::ConferenceRecord& record) {
  nlohmann::json out = record.document;
  out.erase("owner");
  out.erase("live");  // the running conference's state, kept by the signaling layer
  out["name"] = record.name;
  out["version"] = record.version;
  return out;
}

Result<store::ConferenceRecord, HttpResponse> owned_conference(store::Store& store,
                                                               std::string_view name,
                                                               std::int64_t organizer) {
  if (!is_valid_conference_name(name)) {
    return problem(404, "no such conference");
  }
  auto record = store.get_conference(name);
  if (!record) {
    if (record.code() == store::StoreErrc::kNotFound) return problem(404, "no such conference");
    return store_problem(record.failure());
  }
  auto owner = record->document.find("owner");
  if (owner == record->document.end() || *owner != organizer) {
    return problem(404, "no such conference");
  }
  return std::move(*record);
}

HttpResponse ConferenceResource::create(const HttpRequest& request, std::int64_t organizer) {
  auto body = parse_json_body(request);
  if (!body) return body.failure();
  auto name = body->find("name");
  if (name == body->end() || !name->is_string() ||
      !is_valid_conference_name(name->get_ref<const std::string&>())) {
    return problem(422, "\"name\" is required: 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  std::string conference = name->get<std::string>();
  body->erase("name");
  auto document = validate_conference_document(*body);
  if (!document) return problem(422, document.error());
  (*document)["owner"] = organizer;
  auto record = store_.create_conference(conference, *document);
  if (!record) {
    if (record.code() == store::StoreErrc::kAlreadyExists) {
      return problem(409, fmt::format("the name '{}' is taken", conference));
    }
    return store_problem(record.failure());
  }
  auto response = json_response(201, conference_representation(*record));
  response.headers.emplace_back("Location", "/api/v1/conferences/" + conference);
  response.headers.emplace_back("ETag", etag_of(record->version));
  return response;
}

HttpResponse ConferenceResource::list(const HttpRequest& request, std::int64_t organizer) {
  auto limit_text = query_or(request.target, "limit", std::to_string(kDefaultPageSize));
  int limit = 0;
  if (limit_text.empty() || limit_text.size() > 3 ||
      limit_text.find_first_not_of("0123456789") != std::string::npos ||
      (limit = std::stoi(limit_text)) < 1 || limit > kMaxPageSize) {
    return problem(400, fmt::format("limit must be an integer from 1 to {}", kMaxPageSize));
  }
  auto cursor = query_or(request.target, "cursor", "");
  if (!cursor.empty() && !is_valid_conference_name(cursor)) return problem(400, "invalid cursor");

  // The store pages over every conference by name (its cursor is the last name seen), and
  // we keep this organizer's. Our cursor is then the last name we returned.
  // TODO(store): an owner column would let the store page over one organizer's conferences.
  nlohmann::json items = nlohmann::json::array();
  std::optional<std::string> next;
  std::string store_cursor = cursor;
  while (true) {
    auto page = store_.list_conferences(store::kMaxPageSize, store_cursor);
    if (!page) return store_problem(page.failure());
    for (const auto& record : page->conferences) {
      auto owner = record.document.find("owner");
      if (owner == record.document.end() || *owner != organizer) continue;
      if (static_cast<int>(items.size()) == limit) {
        next = items.back()["name"].get<std::string>();
        break;
      }
      items.push_back(conference_representation(record));
    }
    if (next || !page->next_cursor) break;
    store_cursor = *page->next_cursor;
  }

  nlohmann::json body = {{"conferences", items}};
  auto response = json_response(200, body);
  if (next) {
    response.body = nlohmann::json{{"conferences", items}, {"next_cursor", *next}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    // RFC 8288 §3: the next page, for clients that follow links rather than read bodies.
    response.headers.emplace_back(
        "Link", fmt::format("</api/v1/conferences?limit={}&cursor={}>; rel=\"next\"", limit, *next));
  }
  return response;
}

HttpResponse ConferenceResource::get(std::string_view name, std::int64_t organizer) {
  auto record = owned_conference(store_, name, organizer);
  if (!record) return record.failure();
  auto response = json_response(200, conference_representation(*record));
  response.headers.emplace_back("ETag", etag_of(record->version));
  return response;
}

HttpResponse ConferenceResource::patch(const HttpRequest& request, std::string_view name,
                                       std::int64_t organizer) {
  auto record = owned_conference(store_, name, organizer);
  if (!record) return record.failure();
  // RFC 6585 §3: edits without If-Match could overwrite someone else's change unseen.
  if (request.if_match.empty()) {
    return problem(428, "PATCH needs If-Match with the ETag of the version you edited");
  }
  auto if_match = parse_if_match(request.if_match);
  if (!if_match) return problem(412, "If-Match must be a strong ETag such as \"3\"");
  if (!if_match->any && if_match->version != record->version) {
    return problem(412, fmt::format("the conference is at version {}, not {}", record->version,
                                    if_match->version));
  }
  auto patch = parse_json_body(request);
  if (!patch) return patch.failure();
  if (patch->contains("name") || patch->contains("owner") || patch->contains("version") ||
      patch->contains("live")) {
    return problem(422, "name, owner, version and live cannot be changed");
  }
  // RFC 7396: the patch is merged into the representation; null removes a member.
  nlohmann::json fields = record->document;
  fields.erase("owner");
  fields.erase("live");
  fields.merge_patch(*patch);
  auto document = validate_conference_document(fields);
  if (!document) return problem(422, document.error());
  (*document)["owner"] = organizer;
  // The running conference's state stays as the signaling layer last wrote it.
  if (record->document.contains("live")) (*document)["live"] = record->document["live"];
  auto updated = store_.update_conference_if_version(name, record->version, *document);
  if (!updated) return store_problem(updated.failure());
  auto response = json_response(200, conference_representation(*updated));
  response.headers.emplace_back("ETag", etag_of(updated->version));
  return response;
}

HttpResponse ConferenceResource::remove(std::string_view name, std::int64_t organizer) {
  auto record = owned_conference(store_, name, organizer);
  if (!record) return record.failure();
  auto deleted = store_.delete_conference(name);
  if (!deleted) return store_problem(deleted.failure());
  return {204, "", "", {}};
}

}  // namespace podium::api
