// Standalone driver for a fuzz target: runs LLVMFuzzerTestOneInput once on every file named
// on the command line (directories recursively), so the corpus, including past crash
// reproducers, is replayed by `ctest` in ordinary builds without libFuzzer.
//
//   stun_replay fuzz/corpus/stun [more files or directories...]
//
// Arguments starting with '-' are ignored, so a libFuzzer command line works unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool collect(const fs::path& path, std::vector<fs::path>& files) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    files.push_back(path);
    return true;
  }
  if (!fs::is_directory(path, error)) {
    std::fprintf(stderr, "replay: %s: not a file or directory\n", path.c_str());
    return false;
  }
  for (fs::recursive_directory_iterator it(path, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) files.push_back(it->path());
  }
  if (error) {
    std::fprintf(stderr, "replay: %s: %s\n", path.c_str(), error.message().c_str());
    return false;
  }
  return true;
}

bool read_file(const fs::path& path, std::unique_ptr<std::uint8_t[]>& data, std::size_t& size) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  auto end = in.tellg();
  if (end < 0) return false;
  size = static_cast<std::size_t>(end);
  // Exactly `size` bytes on the heap, so AddressSanitizer flags a read one past the input.
  data.reset(new std::uint8_t[size]);
  in.seekg(0);
  return size == 0 || static_cast<bool>(in.read(reinterpret_cast<char*>(data.get()), size));
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);

  std::vector<fs::path> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    ok = collect(argv[i], files) && ok;
  }
  if (!ok) return 1;
  // A stable order makes a failure reproducible run after run.
  std::sort(files.begin(), files.end());

  std::size_t replayed = 0;
  for (const fs::path& file : files) {
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t size = 0;
    if (!read_file(file, data, size)) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 1;
    }
    // stderr is unbuffered: if the input crashes, the last line names it.
    std::fprintf(stderr, "running %s (%zu bytes)\n", file.c_str(), size);
    LLVMFuzzerTestOneInput(data.get(), size);
    ++replayed;
  }
  std::printf("replayed %zu inputs\n", replayed);
  if (replayed == 0) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  return 0;
}
