#include "record/record_html.h"

#include <fmt/format.h>

#include <cmath>

namespace podium::record {
namespace {

namespace c = podium::conference;

constexpr std::string_view kStyle = R"(
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1a1a1a;background:#fff}
h1{font-size:1.7rem;margin:.2rem 0}h2{font-size:1.3rem;margin-top:2rem;border-bottom:2px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:start;padding:.3rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{background:#f3f3f3}.muted{color:#555}.num{font-variant-numeric:tabular-nums;white-space:nowrap}
ul{padding-inline-start:1.2rem}a{color:#0645ad}.note{background:#fff8e1;padding:.4rem .6rem;border-inline-start:4px solid #f0b400}
@media print{a{color:inherit}}
)";

std::string esc(std::string_view text) { return html_escape(text); }

// "2026-11-25T14:00:05.123Z" → "2026-11-25 14:00:05 UTC"
std::string when(UnixMillis t) {
  auto iso = format_time(t);
  return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
}
std::string when(const std::optional<UnixMillis>& t) { return t ? when(*t) : "—"; }

// The clock time only, for rows inside one day.
std::string clock_time(UnixMillis t) { return format_time(t).substr(11, 8); }

std::string role_label(c::Role role) {
  switch (role) {
    case c::Role::organizer: return "Organizer";
    case c::Role::moderator: return "Moderator";
    case c::Role::speaker: return "Speaker";
    case c::Role::interpreter: return "Interpreter";
    case c::Role::attendee: return "Attendee";
    case c::Role::press: return "Press";
  }
  return "";
}

std::string who(const Person& p) {
  std::string out = p.name ? fmt::format("<bdi>{}</bdi>", esc(*p.name))
                           : std::string("<span class=\"muted\">not named</span>");
  out += fmt::format(" <span class=\"muted\">({}", role_label(p.role));
  if (p.organization) out += fmt::format(", <bdi>{}</bdi>", esc(*p.organization));
  out += ")</span>";
  return out;
}

std::string playback_link(const Playback& p, const HtmlOptions& options) {
  auto local = options.local_recordings.find(p.recording);
  std::string href = local != options.local_recordings.end()
                         ? local->second + seek_fragment(std::llround(p.offset_s * 1000))
                         : p.url;
  std::string out = fmt::format("<a href=\"{}\">play from {}</a>", esc(href),
                                format_duration(static_cast<std::int64_t>(p.offset_s * 1000)));
  // The file has one audio track per language: say which is which, for the player's menu.
  if (p.languages.size() > 1) {
    std::string tracks;
    for (std::size_t i = 0; i < p.languages.size(); ++i)
      tracks += fmt::format("{}{} {}", i ? ", " : "", i + 1, esc(p.languages[i]));
    out += fmt::format(" <span class=\"muted\">(audio tracks: {})</span>", tracks);
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(ch);
    }
  }
  return out;
}

std::string format_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  std::int64_t s = ms / 1000;
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string render_record_html(const Record& r, const HtmlOptions& options) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No script and nothing fetched: the page is a document, whoever serves it.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
       "'unsafe-inline'; media-src 'self'\">\n";
  h += fmt::format("<title>Record: {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                   esc(r.title), kStyle);

  h += fmt::format("<header>\n<p class=\"muted\">Conference record</p>\n<h1 dir=\"auto\">{}</h1>\n",
                   esc(r.title));
  if (!r.description.empty()) h += fmt::format("<p dir=\"auto\">{}</p>\n", esc(r.description));
  h += "<table>\n";
  h += fmt::format("<tr><th>Scheduled</th><td class=\"num\">{} – {}</td></tr>\n",
                   when(r.scheduled_start), when(r.scheduled_end));
  h += fmt::format("<tr><th>Held</th><td class=\"num\">{} – {}</td></tr>\n", when(r.live_at),
                   r.ended_at ? when(r.ended_at) : fmt::format("(state: {})", esc(r.state)));
  std::string languages;
  for (const auto& l : r.languages) languages += (languages.empty() ? "" : ", ") + esc(l);
  h += fmt::format("<tr><th>Languages</th><td>{}</td></tr>\n", languages.empty() ? "—" : languages);
  h += fmt::format("<tr><th>Record made</th><td class=\"num\">{}</td></tr>\n</table>\n</header>\n",
                   when(r.generated_at));
  for (const auto& note : r.notes) h += fmt::format("<p class=\"note\">{}</p>\n", esc(note));

  h += "<section id=\"agenda\">\n<h2>Agenda as it happened</h2>\n";
  if (r.agenda.empty()) {
    h += "<p class=\"muted\">No agenda.</p>\n";
  } else {
    h += "<table>\n<tr><th>Item</th><th>Planned</th><th>Actual</th><th>Status</th></tr>\n";
    for (const auto& a : r.agenda) {
      std::string speakers;
      for (const auto& s : a.planned_speakers) speakers += (speakers.empty() ? "" : ", ") + esc(s);
      h += fmt::format(
          "<tr><td><bdi>{}</bdi>{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
          esc(a.title),
          speakers.empty() ? "" : fmt::format("<br><span class=\"muted\" dir=\"auto\">{}</span>", speakers),
          a.planned_start ? clock_time(*a.planned_start) + ", " : "", format_duration(a.planned_ms),
          a.started_at ? fmt::format("{} – {}, {}", clock_time(*a.started_at),
                                     a.ended_at ? clock_time(*a.ended_at) : "…",
                                     format_duration(a.actual_ms.value_or(0)))
                       : "—",
          esc(a.status));
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  h += "<section id=\"speeches\">\n<h2>Speeches</h2>\n";
  if (r.speeches.empty()) {
    h += "<p class=\"muted\">Nobody has spoken yet.</p>\n";
  } else {
    h += "<table>\n<tr><th>#</th><th>Speaker</th><th>Language</th><th>Time</th><th>Interpreters</th><th>Recording</th></tr>\n";
    for (const auto& s : r.speeches) {
      std::string interpreters;
      for (const auto& i : s.interpreters) {
        interpreters += fmt::format("{}{}: {}", interpreters.empty() ? "" : "<br>", esc(i.language),
                                    who(i.interpreter));
      }
      h += fmt::format(
          "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{} – {}<br>{}</td><td>{}</td><td>{}</td></tr>\n",
          s.number, who(s.speaker), s.language.empty() ? "—" : esc(s.language),
          clock_time(s.started_at), s.ended_at ? clock_time(*s.ended_at) : "speaking",
          format_duration(s.duration_ms), interpreters.empty() ? "—" : interpreters,
          s.playback ? playback_link(*s.playback, options) : "—");
    }
    h += "</table>\n";
  }
  h += "</section>\n";

  h += "<section id=\"questions\">\n<h2>Questions and answers</h2>\n";
  if (r.questions.empty()) {
    h += "<p class=\"muted\">No questions.</p>\n";
  } else {
    h += "<ul>\n";
    for (const auto& q : r.questions) {
      std::string answered;
      for (const auto& p : q.answered_by) answered += (answered.empty() ? "" : ", ") + who(p);
      h += fmt::format(
          "<li><q dir=\"auto\">{}</q><br><span class=\"muted\">asked by</span> {} <span class=\"num\">at {}</span>, {} "
          "vote(s), {}{}</li>\n",
          esc(q.text), who(q.asked_by), clock_time(q.asked_at), q.votes, esc(q.status),
          answered.empty() ? "" : "; answered by " + answered);
    }
    h += "</ul>\n";
  }
  h += "</section>\n";

  if (r.chat_included) {
    h += "<section id=\"chat\">\n<h2>Chat</h2>\n";
    if (r.chat.empty()) h += "<p class=\"muted\">No messages.</p>\n";
    else {
      h += "<ul>\n";
      for (const auto& m : r.chat) {
        h += fmt::format("<li><span class=\"num\">{}</span> {}: <span dir=\"auto\">{}</span></li>\n",
                         clock_time(m.at), who(m.from), esc(m.text));
      }
      h += "</ul>\n";
    }
    h += "</section>\n";
  }

  h += "<section id=\"participants\">\n<h2>Participants</h2>\n";
  for (const auto& g : r.participants) {
    h += fmt::format("<h3 dir=\"auto\">{}</h3>\n<ul>\n",
                     g.organization ? esc(*g.organization) : "No organization given");
    for (const auto& p : g.people) {
      h += fmt::format("<li><bdi>{}</bdi> <span class=\"muted\">({})</span></li>\n",
                       esc(p.name.value_or("")), role_label(p.role));
    }
    for (const auto& [role, count] : g.unnamed_by_role) {
      auto parsed = c::parse_role(role);
      h += fmt::format("<li class=\"muted\">{} × {} (not named)</li>\n", count,
                       parsed ? role_label(*parsed) : esc(role));
    }
    h += "</ul>\n";
  }
  h += "</section>\n";

  if (!r.recordings.empty()) {
    h += "<section id=\"recordings\">\n<h2>Program recordings</h2>\n<ul>\n";
    for (const auto& rec : r.recordings) {
      auto local = options.local_recordings.find(rec.id);
      std::string href = local != options.local_recordings.end() ? local->second
                                                                  : recording_file_url("", rec.id);
      std::string languages;
      for (const auto& l : rec.languages) languages += (languages.empty() ? "" : ", ") + esc(l);
      h += fmt::format("<li><a href=\"{}\">Recording {}</a>, from {} to {}{}</li>\n", esc(href), rec.id,
                       when(rec.started_at), when(rec.ended_at),
                       languages.empty() ? "" : "; audio: " + languages);
    }
    h += "</ul>\n</section>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace podium::record
