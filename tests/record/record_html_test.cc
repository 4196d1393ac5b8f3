// The record page: self-contained, and whatever a participant typed shows as text.
#include <gtest/gtest.h>

#include "record/record_html.h"
#include "record_fixture.h"

namespace podium::record {
namespace {

TEST(RecordHtml, EscapesEverythingPeopleTyped) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  ModelEvent event;
  ASSERT_NO_FATAL_FAILURE(event.run());
  auto source = event.source();
  source.options.include_chat = true;
  auto html = render_record_html(build_record(source));
  // The speaker named "<script>alert(1)</script>" is text, and so is the chat's markup.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>here</b>"), std::string::npos);
  EXPECT_NE(html.find("Sound is good &lt;b&gt;here&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("Members of both parliaments &amp; experts"), std::string::npos);
  EXPECT_NE(html.find("Institute &amp; Co"), std::string::npos);
}

TEST(RecordHtml, SelfContainedAndComplete) {
  ModelEvent event;
  ASSERT_NO_FATAL_FAILURE(event.run());
  ProgramRecording program{
      .id = 7, .started_at = kEpoch + 9 * kMinute, .ended_at = event.now(), .languages = {}, .url = ""};
  auto record = build_record(event.source({program}));
  auto online = render_record_html(record);
  auto packed = render_record_html(record, {.local_recordings = {{7, "program-7.webm"}}});
  for (const auto& html : {online, packed}) {
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_NE(html.find("Strategic Partnership — online conference"), std::string::npos);
    EXPECT_NE(html.find("Aysel Mammadova"), std::string::npos);
    EXPECT_NE(html.find("When will the agreement be signed?"), std::string::npos);
    EXPECT_NE(html.find("Noa Cohen"), std::string::npos);
    EXPECT_EQ(html.find("Private Attendee"), std::string::npos);
  }
  // il-1 spoke from minute 29; the recording started at 9: 20 minutes in.
  EXPECT_NE(online.find("href=\"/api/v1/recordings/7/file#t=1200.0\""), std::string::npos);
  EXPECT_NE(packed.find("href=\"program-7.webm#t=1200.0\""), std::string::npos);
}

TEST(RecordHtml, Durations) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(65'000), "1:05");
  EXPECT_EQ(format_duration(3'725'000), "1:02:05");
}

}  // namespace
}  // namespace podium::record
