// A ZIP archive writer (PKWARE APPNOTE 6.3.10), streaming to a sink: entries from memory
// (deflated with zlib, or stored) or from a file (stored, read in chunks, so a large
// recording never sits in memory). No ZIP64: an archive that would pass 4 GiB, an entry
// of 4 GiB or more, or more than 65535 entries is refused with a reason before anything of
// that entry is written.
//
//   std::string out;
//   ZipWriter zip([&](std::string_view bytes) { out += bytes; }, now_ms);
//   zip.add("record.json", json_text);
//   zip.add_file("program.mkv", path, ZipMethod::stored);
//   zip.finish();
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace podium::record {

enum class ZipMethod : std::uint16_t { stored = 0, deflated = 8 };

class ZipWriter {
 public:
  using Sink = std::function<void(std::string_view bytes)>;
  // APPNOTE §4.4.24: 0xFFFFFFFF in a size or offset field means "see ZIP64".
  static constexpr std::uint64_t kMaxZip32 = 0xFFFFFFFEull;
  static constexpr std::size_t kMaxEntries = 0xFFFF;

  // modified_unix_ms: the time every entry carries (MS-DOS time, UTC, 2 s steps).
  ZipWriter(Sink sink, std::int64_t modified_unix_ms);

  // name: a relative path with "/" separators, no "..", no leading "/", UTF-8.
  // Returns the bytes the archive has now.
  Result<std::uint64_t> add(std::string_view name, std::string_view data,
                            ZipMethod method = ZipMethod::deflated);
  Result<std::uint64_t> add_file(std::string_view name, const std::filesystem::path& path,
                                 ZipMethod method = ZipMethod::stored);
  // Writes the central directory; the archive is complete. Returns its size, or an error
  // when a file entry was cut short (the bytes already sent are then not a valid ZIP).
  Result<std::uint64_t> finish();

 private:
  struct Entry {
    std::string name;
    ZipMethod method;
    std::uint32_t crc;
    std::uint32_t compressed;
    std::uint32_t size;
    std::uint32_t offset;
  };
  Result<std::uint64_t> check(std::string_view name, std::uint64_t compressed_size) const;
  void write_local_header(const Entry& e);
  void emit(std::string_view bytes);

  Sink sink_;
  std::uint16_t dos_time_ = 0;
  std::uint16_t dos_date_ = 0;
  std::uint64_t written_ = 0;
  std::vector<Entry> entries_;
  bool finished_ = false;
  bool broken_ = false;  // a file changed after its header was written
};

// CRC-32 (ISO 3309, the ZIP and PNG one), continued from crc.
std::uint32_t crc32(std::uint32_t crc, std::string_view data);

}  // namespace podium::record
