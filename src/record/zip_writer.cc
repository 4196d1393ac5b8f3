#include "record/zip_writer.h"

#include <zlib.h>

#include <ctime>
#include <fstream>

#include <fmt/format.h>

namespace podium::record {
namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;    // APPNOTE §4.3.7
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;  // §4.3.12
constexpr std::uint32_t kEndSignature = 0x06054b50;            // §4.3.16
constexpr std::uint16_t kVersionNeeded = 20;                   // 2.0: deflate, folders
constexpr std::uint16_t kVersionMadeBy = (3 << 8) | 20;        // §4.4.2: Unix, 2.0
constexpr std::uint16_t kUtf8Names = 1 << 11;                  // §4.4.4 bit 11
constexpr std::uint32_t kUnixRegularFile = 0100644u << 16;     // external attributes
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kChunk = 1 << 16;

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 1024 || name.front() == '/' || name.back() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto end = name.find('/', start);
    auto part = name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == '\\' || c == 0x7f) return false;
  }
  return true;
}

// Raw deflate (RFC 1951), as ZIP method 8 stores it: no zlib header, no checksum.
Result<std::string> deflate_raw(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Error{"zlib: deflateInit2 failed"};
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  std::size_t produced = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Error{"zlib: deflate did not finish"};
  out.resize(produced);
  return out;
}

}  // namespace

std::uint32_t crc32(std::uint32_t crc, std::string_view data) {
  while (!data.empty()) {
    auto n = static_cast<uInt>(std::min<std::size_t>(data.size(), 1u << 30));
    crc = static_cast<std::uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(data.data()), n));
    data.remove_prefix(n);
  }
  return crc;
}

ZipWriter::ZipWriter(Sink sink, std::int64_t modified_unix_ms) : sink_(std::move(sink)) {
  // APPNOTE §4.4.6: MS-DOS date and time; years before 1980 cannot be written.
  std::time_t seconds = static_cast<std::time_t>(std::max<std::int64_t>(modified_unix_ms / 1000, 315532800));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  dos_time_ = static_cast<std::uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  dos_date_ = static_cast<std::uint16_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

Result<std::uint64_t> ZipWriter::check(std::string_view name, std::uint64_t compressed_size) const {
  if (finished_) return Error{"the archive is already finished"};
  if (broken_) return Error{"an entry was cut short; the archive is not valid"};
  if (!valid_name(name)) return Error{fmt::format("'{}' is not a valid name inside a ZIP", name)};
  for (const auto& e : entries_) {
    if (e.name == name) return Error{fmt::format("'{}' is in the archive twice", name)};
  }
  if (entries_.size() >= kMaxEntries) return Error{"a ZIP without ZIP64 holds at most 65535 entries"};
  if (compressed_size > kMaxZip32) {
    return Error{fmt::format("'{}' is 4 GiB or more, which needs ZIP64 (not written)", name)};
  }
  // The central directory must still start below 4 GiB (its offset is a 32-bit field).
  std::uint64_t after = written_ + kLocalHeaderSize + name.size() + compressed_size;
  std::uint64_t directory = 0;
  for (const auto& e : entries_) directory += kCentralHeaderSize + e.name.size();
  directory += kCentralHeaderSize + name.size() + kEndSize;
  if (after + directory > kMaxZip32) {
    return Error{"the archive would pass 4 GiB, which needs ZIP64 (not written)"};
  }
  return after;
}

void ZipWriter::emit(std::string_view bytes) {
  written_ += bytes.size();
  sink_(bytes);
}

void ZipWriter::write_local_header(const Entry& e) {
  std::string h;
  put32(h, kLocalHeaderSignature);
  put16(h, kVersionNeeded);
  put16(h, kUtf8Names);
  put16(h, static_cast<std::uint16_t>(e.method));
  put16(h, dos_time_);
  put16(h, dos_date_);
  put32(h, e.crc);
  put32(h, e.compressed);
  put32(h, e.size);
  put16(h, static_cast<std::uint16_t>(e.name.size()));
  put16(h, 0);  // no extra field
  h += e.name;
  emit(h);
}

Result<std::uint64_t> ZipWriter::add(std::string_view name, std::string_view data, ZipMethod method) {
  if (data.size() > kMaxZip32) return Error{fmt::format("'{}' is 4 GiB or more, which needs ZIP64", name)};
  std::string deflated;
  std::string_view body = data;
  if (method == ZipMethod::deflated) {
    auto packed = deflate_raw(data);
    if (!packed) return Error{packed.error()};
    deflated = std::move(*packed);
    body = deflated;
  }
  auto ok = check(name, body.size());
  if (!ok) return ok;
  Entry e{std::string(name), method, crc32(0, data), static_cast<std::uint32_t>(body.size()),
          static_cast<std::uint32_t>(data.size()), static_cast<std::uint32_t>(written_)};
  write_local_header(e);
  emit(body);
  entries_.push_back(std::move(e));
  return written_;
}

Result<std::uint64_t> ZipWriter::add_file(std::string_view name, const std::filesystem::path& path,
                                          ZipMethod method) {
  if (method != ZipMethod::stored) {
    // Deflating a large file would need the compressed size before the data (or a data
    // descriptor); media files do not shrink anyway.
    return Error{"files are added stored"};
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error{fmt::format("cannot read {}: {}", path.filename().string(), ec.message())};
  auto ok = check(name, size);
  if (!ok) return ok;
  // The file may still grow (a recording being written): take the first `size` bytes.
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot open {}", path.filename().string())};
  std::string buffer(kChunk, '\0');
  std::uint32_t crc = 0;
  for (std::uint64_t left = size; left > 0;) {
    auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(left, kChunk));
    if (!in.read(buffer.data(), n)) return Error{fmt::format("{} became shorter", path.filename().string())};
    crc = crc32(crc, std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    left -= static_cast<std::uint64_t>(n);
  }
  in.clear();
  in.seekg(0);
  Entry e{std::string(name), method, crc, static_cast<std::uint32_t>(size),
          static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(written_)};
  write_local_header(e);
  std::uint32_t check_crc = 0;
  for (std::uint64_t left = size; left > 0;) {
    auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(left, kChunk));
    if (!in.read(buffer.data(), n)) {
      // The header is out: the archive is broken, and finish() will say so.
      broken_ = true;
      return Error{fmt::format("{} changed while it was archived", path.filename().string())};
    }
    std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    check_crc = crc32(check_crc, chunk);
    emit(chunk);
    left -= static_cast<std::uint64_t>(n);
  }
  if (check_crc != crc) {
    broken_ = true;
    return Error{fmt::format("{} changed while it was archived", path.filename().string())};
  }
  entries_.push_back(std::move(e));
  return written_;
}

Result<std::uint64_t> ZipWriter::finish() {
  if (finished_) return Error{"the archive is already finished"};
  if (broken_) return Error{"an entry was cut short; the archive is not valid"};
  std::string d;
  for (const auto& e : entries_) {
    put32(d, kCentralHeaderSignature);
    put16(d, kVersionMadeBy);
    put16(d, kVersionNeeded);
    put16(d, kUtf8Names);
    put16(d, static_cast<std::uint16_t>(e.method));
    put16(d, dos_time_);
    put16(d, dos_date_);
    put32(d, e.crc);
    put32(d, e.compressed);
    put32(d, e.size);
    put16(d, static_cast<std::uint16_t>(e.name.size()));
    put16(d, 0);  // extra
    put16(d, 0);  // comment
    put16(d, 0);  // disk number start
    put16(d, 0);  // internal attributes
    put32(d, kUnixRegularFile);
    put32(d, e.offset);
    d += e.name;
  }
  auto directory_offset = static_cast<std::uint32_t>(written_);
  auto directory_size = static_cast<std::uint32_t>(d.size());
  put32(d, kEndSignature);
  put16(d, 0);  // this disk
  put16(d, 0);  // the disk with the directory
  put16(d, static_cast<std::uint16_t>(entries_.size()));
  put16(d, static_cast<std::uint16_t>(entries_.size()));
  put32(d, directory_size);
  put32(d, directory_offset);
  put16(d, 0);  // no comment
  emit(d);
  finished_ = true;
  return written_;
}

}  // namespace podium::record
