// The ZIP writer's archives open with the tools a newsroom has: `unzip -t` and Python's
// zipfile (both check every CRC), and the press kit's record.json validates against
// docs/record.schema.json.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "record/record_html.h"
#include "record/zip_writer.h"
#include "record_fixture.h"

namespace podium::record {
namespace {

namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string output;
};

Run run(const std::string& command) {
  Run r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) r.output.append(buffer, n);
  r.status = ::pclose(pipe);
  return r;
}

class ZipWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("podium-zip-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path save(const std::string& bytes, const std::string& name = "out.zip") {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  fs::path dir_;
};

TEST(Crc32, KnownAnswer) {
  // The check value of CRC-32/ISO-HDLC.
  EXPECT_EQ(crc32(0, "123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(crc32(0, "1234"), "56789"), 0xCBF43926u);
  EXPECT_EQ(crc32(0, ""), 0u);
}

TEST_F(ZipWriterTest, PressKitOpensAndItsRecordValidates) {
  ModelEvent event;
  ASSERT_NO_FATAL_FAILURE(event.run());
  ProgramRecording program{.id = 7, .started_at = kEpoch + 9 * kMinute, .ended_at = event.now(),
                           .languages = {"az", "he"}, .url = ""};
  auto source = event.source({program});
  source.options.include_chat = true;
  auto record = build_record(source);

  // A stand-in for the program recording: incompressible bytes, larger than one chunk.
  std::string media(200'000, '\0');
  std::mt19937 rng(7);
  for (auto& ch : media) ch = static_cast<char>(rng());
  auto media_path = save(media, "program.webm");

  std::string out;
  ZipWriter zip([&](std::string_view bytes) { out += bytes; }, event.now());
  ASSERT_TRUE(zip.add("record.json", to_json(record).dump(2)));
  ASSERT_TRUE(zip.add("index.html",
                      render_record_html(record, {.local_recordings = {{7, "program-7.webm"}}})));
  ASSERT_TRUE(zip.add_file("program-7.webm", media_path));
  ASSERT_TRUE(zip.add("empty.txt", "", ZipMethod::stored));
  auto size = zip.finish();
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, out.size());
  auto kit = save(out);

  auto unzip = run("unzip -t " + kit.string());
  EXPECT_EQ(unzip.status, 0) << unzip.output;
  EXPECT_NE(unzip.output.find("No errors detected"), std::string::npos) << unzip.output;

  auto checked = run("python3 " + std::string(PODIUM_SOURCE_DIR) + "/tests/record/check_press_kit.py " +
                     kit.string() + " " + std::string(PODIUM_SOURCE_DIR) + "/docs/record.schema.json");
  EXPECT_EQ(checked.status, 0) << checked.output;
  EXPECT_NE(checked.output.find("record.json index.html program-7.webm empty.txt"), std::string::npos)
      << checked.output;

  // The media comes out byte for byte.
  auto extracted = run("unzip -p " + kit.string() + " program-7.webm | cmp - " + media_path.string());
  EXPECT_EQ(extracted.status, 0) << extracted.output;
}

TEST_F(ZipWriterTest, DeflatesText) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "floor_granted floor_released ";
  std::string out;
  ZipWriter zip([&](std::string_view bytes) { out += bytes; }, 0);
  ASSERT_TRUE(zip.add("a/b.txt", text));
  ASSERT_TRUE(zip.finish());
  EXPECT_LT(out.size(), text.size() / 10);
  auto kit = save(out);
  auto listed = run("unzip -p " + kit.string() + " a/b.txt | wc -c");
  EXPECT_EQ(std::stoul(listed.output), text.size());
}

TEST_F(ZipWriterTest, RefusesWhatNeedsZip64AndStaysValid) {
  // A sparse file of 4 GiB: refused from its size, before a byte of it is read or written.
  auto big = dir_ / "big.mkv";
  { std::ofstream(big, std::ios::binary).put('x'); }
  fs::resize_file(big, 4ull << 30);
  std::string out;
  ZipWriter zip([&](std::string_view bytes) { out += bytes; }, 0);
  ASSERT_TRUE(zip.add("record.json", "{}"));
  auto before = out.size();
  auto refused = zip.add_file("program.mkv", big);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("ZIP64"), std::string::npos) << refused.error();
  EXPECT_EQ(out.size(), before);
  ASSERT_TRUE(zip.finish());
  auto unzip = run("unzip -t " + save(out).string());
  EXPECT_EQ(unzip.status, 0) << unzip.output;
}

TEST_F(ZipWriterTest, RefusesBadNamesAndDuplicates) {
  std::string out;
  ZipWriter zip([&](std::string_view bytes) { out += bytes; }, 0);
  for (const char* name : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a\\b", "dir/"}) {
    EXPECT_FALSE(zip.add(name, "x")) << name;
  }
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(zip.add("x", "1"));
  EXPECT_FALSE(zip.add("x", "2"));
  EXPECT_FALSE(zip.add_file("missing", dir_ / "does-not-exist"));
  ASSERT_TRUE(zip.finish());
  EXPECT_FALSE(zip.add("late", "x"));
}

}  // namespace
}  // namespace podium::record
