// The conference record as one self-contained HTML page (inline style, no script, no
// request to anywhere): the press kit's index.html and GET .../record.html. English
// labels; the conference's own texts as they were written, each marked dir="auto" so
// Hebrew or Azerbaijani titles read the right way.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "record/conference_record.h"

namespace podium::record {

struct HtmlOptions {
  // Recording id → file name next to the page (the ZIP); speeches then link there instead
  // of to the REST API.
  std::map<std::int64_t, std::string> local_recordings;
};

std::string render_record_html(const Record& record, const HtmlOptions& options = {});

// Text for an HTML text node or a quoted attribute value: & < > " ' escaped.
std::string html_escape(std::string_view text);

// 65 s → "1:05"; 3 725 s → "1:02:05".
std::string format_duration(std::int64_t ms);

}  // namespace podium::record
