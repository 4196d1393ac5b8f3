// The signaling "command" message on the conference domain: each command's name, the
// arguments it allows, how they are checked (a clear refusal for a malformed one, never
// an exception out of here), and the domain call it makes.
#include "api/conference_commands.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace podium::api {
namespace {

using nlohmann::json;
namespace c = podium::conference;

constexpr std::int64_t kMaxAllottedMs = 24LL * 3600 * 1000;

// A client's malformed argument; caught in ConferenceService::command, never escapes it.
struct BadArgument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  explicit Args(const json& j) : j_(j) {}
  std::string text(const char* key, std::size_t max = c::Conference::kMaxTextBytes) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_string()) throw BadArgument(fmt::format("'{}' must be a string", key));
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max) throw BadArgument(fmt::format("'{}' is too long", key));
    return s;
  }
  std::string text_or(const char* key, std::string fallback) const {
    return j_.contains(key) ? text(key) : std::move(fallback);
  }
  std::string participant(const char* key = "participant") const { return text(key, 64); }
  std::int64_t integer(const char* key, std::int64_t lo, std::int64_t hi) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_number_integer()) {
      throw BadArgument(fmt::format("'{}' must be an integer", key));
    }
    auto v = it->get<std::int64_t>();
    if (v < lo || v > hi) throw BadArgument(fmt::format("'{}' must be in {}..{}", key, lo, hi));
    return v;
  }
  std::int64_t ms_or_zero() const {
    return j_.contains("ms") ? integer("ms", 0, kMaxAllottedMs) : 0;
  }
  std::uint64_t id(const char* key) const {
    return static_cast<std::uint64_t>(integer(key, 1, std::numeric_limits<std::int64_t>::max()));
  }
  bool flag(const char* key, bool fallback) const {
    auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_boolean()) throw BadArgument(fmt::format("'{}' must be true or false", key));
    return it->get<bool>();
  }
  c::MediaKind kind() const {
    auto k = text("kind", 8);
    if (k == "audio") return c::MediaKind::audio;
    if (k == "video") return c::MediaKind::video;
    throw BadArgument("'kind' must be \"audio\" or \"video\"");
  }
  c::Role role() const {
    auto r = c::parse_role(text("role", 16));
    if (!r) throw BadArgument("'role' is not a role");
    return *r;
  }
  // A language tag ("ru", "az") or "" where the command allows it; the domain checks it
  // against the conference's languages.
  std::string language(const char* key = "language") const { return text(key, 35); }
  std::optional<std::string> optional_language(const char* key = "language") const {
    if (!j_.contains(key)) return std::nullopt;
    return language(key);
  }
  std::optional<std::string> optional_participant() const {
    if (!j_.contains("participant")) return std::nullopt;
    return participant();
  }
  std::vector<std::string> languages(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) return {};
    if (!it->is_array() || it->size() > 32) {
      throw BadArgument(fmt::format("'{}' must be a list of up to 32 languages", key));
    }
    std::vector<std::string> out;
    for (const auto& v : *it) {
      if (!v.is_string() || v.get_ref<const std::string&>().size() > 35) {
        throw BadArgument(fmt::format("'{}' must be a list of language tags", key));
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  bool has(const char* key) const { return j_.contains(key); }
  // An agenda item id: 1-64 characters of [A-Za-z0-9._-], as the REST API gives them.
  std::string item_id() const {
    auto id = text("item", 64);
    bool ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
    });
    if (!ok) throw BadArgument("'item' must be 1-64 characters of A-Z a-z 0-9 . _ -");
    return id;
  }
  // Who speaks in an agenda item: participant ids or names, up to 32.
  std::vector<std::string> speakers() const {
    auto it = j_.find("speakers");
    if (it == j_.end()) return {};
    if (!it->is_array() || it->size() > 32) throw BadArgument("'speakers' must be a list of up to 32 names");
    std::vector<std::string> out;
    for (const auto& v : *it) {
      if (!v.is_string() || v.get_ref<const std::string&>().empty() ||
          v.get_ref<const std::string&>().size() > 200) {
        throw BadArgument("'speakers' must be a list of names (1-200 bytes each)");
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  std::optional<double> level(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) return std::nullopt;
    if (!it->is_number()) throw BadArgument(fmt::format("'{}' must be a number from 0 to 1", key));
    return it->get<double>();
  }

 private:
  const json& j_;
};

// The first "i<N>" no agenda item has (items added live without an id); the same state
// gives the same id, so a replayed input adds the same item.
std::string free_item_id(const c::Conference& cf) {
  for (std::size_t n = cf.agenda().size() + 1;; ++n) {
    auto id = fmt::format("i{}", n);
    if (std::none_of(cf.agenda().begin(), cf.agenda().end(),
                     [&](const c::AgendaItem& i) { return i.id == id; })) {
      return id;
    }
  }
}

using Handler = std::function<c::Outcome(c::Conference&, const std::string&, const Args&)>;

struct CommandSpec {
  std::string_view name;
  std::vector<std::string_view> args;  // allowed besides type, id, command
  Handler run;
};

const std::vector<CommandSpec>& commands() {
  using C = c::Conference;
  using S = const std::string;
  static const std::vector<CommandSpec> kCommands = {
      {"open", {}, [](C& cf, S& a, const Args&) { return cf.open(a); }},
      {"go-live", {}, [](C& cf, S& a, const Args&) { return cf.go_live(a); }},
      {"end", {}, [](C& cf, S& a, const Args&) { return cf.end(a); }},
      {"start-item", {"item"},
       [](C& cf, S& a, const Args& x) { return cf.start_item(a, x.text("item", 64)); }},
      {"end-item", {}, [](C& cf, S& a, const Args&) { return cf.end_item(a); }},
      // Live agenda edits (docs/protocol.md): everyone gets the whole agenda again.
      {"add-item", {"item", "title", "speakers", "planned_ms", "language", "index"},
       [](C& cf, S& a, const Args& x) {
         c::AgendaItem item;
         item.id = x.has("item") ? x.item_id() : free_item_id(cf);
         item.title = x.text("title");
         item.speakers = x.speakers();
         item.planned_ms = x.has("planned_ms") ? x.integer("planned_ms", 0, kMaxAllottedMs) : 0;
         item.language = x.has("language") ? x.language() : std::string();
         std::optional<std::size_t> index;
         if (x.has("index")) index = static_cast<std::size_t>(x.integer("index", 0, 100000));
         return cf.add_item(a, std::move(item), index);
       }},
      {"edit-item", {"item", "title", "speakers", "planned_ms", "language"},
       [](C& cf, S& a, const Args& x) -> c::Outcome {
         auto id = x.item_id();
         auto it = std::find_if(cf.agenda().begin(), cf.agenda().end(),
                                [&](const c::AgendaItem& i) { return i.id == id; });
         if (it == cf.agenda().end()) return Error{"no agenda item " + id};
         c::AgendaItem item = *it;  // what is not given stays
         if (x.has("title")) item.title = x.text("title");
         if (x.has("speakers")) item.speakers = x.speakers();
         if (x.has("planned_ms")) item.planned_ms = x.integer("planned_ms", 0, kMaxAllottedMs);
         if (x.has("language")) item.language = x.language();
         return cf.edit_item(a, item);
       }},
      {"remove-item", {"item"},
       [](C& cf, S& a, const Args& x) { return cf.remove_item(a, x.item_id()); }},
      {"move-item", {"item", "index"},
       [](C& cf, S& a, const Args& x) {
         return cf.move_item(a, x.item_id(), static_cast<std::size_t>(x.integer("index", 0, 100000)));
       }},
      {"grant-floor", {"participant", "ms"},
       [](C& cf, S& a, const Args& x) { return cf.grant_floor(a, x.participant(), x.ms_or_zero()); }},
      {"revoke-floor", {}, [](C& cf, S& a, const Args&) { return cf.revoke_floor(a); }},
      {"yield-floor", {}, [](C& cf, S& a, const Args&) { return cf.yield_floor(a); }},
      {"extend-floor", {"ms"},
       [](C& cf, S& a, const Args& x) { return cf.extend_floor(a, x.integer("ms", 1, kMaxAllottedMs)); }},
      {"pause-floor", {}, [](C& cf, S& a, const Args&) { return cf.pause_floor(a); }},
      {"resume-floor", {}, [](C& cf, S& a, const Args&) { return cf.resume_floor(a); }},
      {"raise-hand", {"topic"},
       [](C& cf, S& a, const Args& x) { return cf.raise_hand(a, x.text_or("topic", "")); }},
      {"lower-hand", {}, [](C& cf, S& a, const Args&) { return cf.lower_hand(a); }},
      {"move-hand", {"participant", "index"},
       [](C& cf, S& a, const Args& x) {
         return cf.move_hand(a, x.participant(), static_cast<std::size_t>(x.integer("index", 0, 100000)));
       }},
      {"grant-hand", {"participant", "ms"},
       [](C& cf, S& a, const Args& x) { return cf.grant_hand(a, x.participant(), x.ms_or_zero()); }},
      {"dismiss-hand", {"participant"},
       [](C& cf, S& a, const Args& x) { return cf.dismiss_hand(a, x.participant()); }},
      {"admit", {"participant"},
       [](C& cf, S& a, const Args& x) { return cf.admit(a, x.participant()); }},
      {"reject", {"participant"},
       [](C& cf, S& a, const Args& x) { return cf.reject(a, x.participant()); }},
      {"admit-all", {}, [](C& cf, S& a, const Args&) { return cf.admit_all(a); }},
      {"mute", {"participant", "kind"},
       [](C& cf, S& a, const Args& x) { return cf.mute(a, x.participant(), x.kind()); }},
      {"ask-to-unmute", {"participant", "kind"},
       [](C& cf, S& a, const Args& x) { return cf.ask_to_unmute(a, x.participant(), x.kind()); }},
      {"accept-unmute", {"kind"},
       [](C& cf, S& a, const Args& x) { return cf.accept_unmute(a, x.kind()); }},
      {"change-role", {"participant", "role"},
       [](C& cf, S& a, const Args& x) { return cf.change_role(a, x.participant(), x.role()); }},
      {"send-chat", {"text"},
       [](C& cf, S& a, const Args& x) { return cf.send_chat(a, x.text("text")); }},
      {"delete-chat", {"message"},
       [](C& cf, S& a, const Args& x) { return cf.delete_chat(a, x.id("message")); }},
      {"mute-chat", {"participant", "muted"},
       [](C& cf, S& a, const Args& x) {
         return cf.mute_chat(a, x.participant(), x.flag("muted", true));
       }},
      {"ask-question", {"text"},
       [](C& cf, S& a, const Args& x) { return cf.ask_question(a, x.text("text")); }},
      {"upvote-question", {"question"},
       [](C& cf, S& a, const Args& x) { return cf.upvote_question(a, x.id("question")); }},
      {"pick-question", {"question", "promote", "ms"},
       [](C& cf, S& a, const Args& x) {
         return cf.pick_question(a, x.id("question"), x.flag("promote", false), x.ms_or_zero());
       }},
      {"answer-question", {"question"},
       [](C& cf, S& a, const Args& x) { return cf.answer_question(a, x.id("question")); }},
      {"dismiss-question", {"question"},
       [](C& cf, S& a, const Args& x) { return cf.dismiss_question(a, x.id("question")); }},
      {"start-recording", {}, [](C& cf, S& a, const Args&) { return cf.start_recording(a); }},
      {"stop-recording", {}, [](C& cf, S& a, const Args&) { return cf.stop_recording(a); }},
      // Interpretation (docs/interpretation.md).
      {"set-floor-language", {"participant", "language"},
       [](C& cf, S& a, const Args& x) {
         return cf.set_speaker_language(a, x.optional_participant().value_or(a), x.language());
       }},
      {"assign-interpreter", {"participant", "language", "sources"},
       [](C& cf, S& a, const Args& x) {
         return cf.assign_interpreter(a, x.participant(), x.language(), x.languages("sources"));
       }},
      {"unassign-interpreter", {"participant"},
       [](C& cf, S& a, const Args& x) { return cf.unassign_interpreter(a, x.participant()); }},
      {"request-handover", {"participant"},
       [](C& cf, S& a, const Args& x) { return cf.request_handover(a, x.optional_participant()); }},
      {"confirm-handover", {}, [](C& cf, S& a, const Args&) { return cf.confirm_handover(a); }},
      {"cancel-handover", {"language"},
       [](C& cf, S& a, const Args& x) { return cf.cancel_handover(a, x.optional_language()); }},
      {"mute-booth", {"language", "muted"},
       [](C& cf, S& a, const Args& x) {
         return cf.mute_booth(a, x.optional_language(), x.flag("muted", true));
       }},
      {"interpreter-source", {"source"},
       [](C& cf, S& a, const Args& x) { return cf.set_interpreter_source(a, x.language("source")); }},
      {"choose-language", {"language", "floor_level"},
       [](C& cf, S& a, const Args& x) {
         return cf.choose_listening(a, x.language(), x.level("floor_level"));
       }},
      {"slower-please", {}, [](C& cf, S& a, const Args&) { return cf.ask_slower(a); }},
  };
  return kCommands;
}

}  // namespace

// One signaling command on the domain: its name and arguments checked, then run.
c::Outcome run_command(c::Conference& cf, const std::string& actor, const json& message) {
  auto command_name = message.value("command", std::string());
  const CommandSpec* spec = nullptr;
  for (const auto& s : commands()) {
    if (s.name == command_name) spec = &s;
  }
  if (!spec) return Error{fmt::format("unknown command {}", json(command_name).dump(-1, ' ', true))};
  for (const auto& [key, value] : message.items()) {
    (void)value;
    if (key == "type" || key == "id" || key == "command") continue;
    if (std::find(spec->args.begin(), spec->args.end(), key) == spec->args.end()) {
      return Error{fmt::format("{}: unknown argument '{}'", spec->name, key.substr(0, 64))};
    }
  }
  try {
    return spec->run(cf, actor, Args(message));
  } catch (const BadArgument& e) {
    return Error{fmt::format("{}: {}", spec->name, e.what())};
  }
}

const std::vector<std::string_view>& command_names() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    for (const auto& spec : commands()) names.push_back(spec.name);
    return names;
  }();
  return kNames;
}

}  // namespace podium::api
