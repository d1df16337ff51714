// A bounded random-input driver for libFuzzer-style targets, so every fuzz target also runs
// as an ordinary test under g++ (and under ASan+UBSan in the sanitizer tree). It replays the
// seed corpus, then mutates seeds for a fixed number of iterations with a fixed RNG seed, so
// a failure reproduces. With clang, -DOUTPOST_LIBFUZZER=ON links the real libFuzzer instead.
//
//   usage: <target> [corpus-dir] [iterations]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::string> load_corpus(const std::filesystem::path& dir) {
  std::vector<std::string> seeds;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (seeds.empty()) seeds.emplace_back();
  return seeds;
}

std::string mutate(std::string input, const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  static const char kInteresting[] = "%&=/?$.#\\\"' \n\r\t\x00\xff\x7f{}[]:,0123456789abcdefAF";
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    const auto pick = rng() % 6;
    const std::size_t pos = input.empty() ? 0 : rng() % (input.size() + 1);
    switch (pick) {
      case 0:  // flip a bit
        if (!input.empty()) input[pos % input.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // insert a character that parsers care about
        input.insert(pos, 1, kInteresting[rng() % (sizeof kInteresting - 1)]);
        break;
      case 2:  // delete a run
        if (!input.empty()) input.erase(pos % input.size(), 1 + rng() % 4);
        break;
      case 3:  // random byte
        input.insert(pos, 1, static_cast<char>(rng() & 0xff));
        break;
      case 4: {  // splice part of another seed
        const auto& other = seeds[rng() % seeds.size()];
        if (!other.empty()) {
          const std::size_t from = rng() % other.size();
          input.insert(pos, other.substr(from, 1 + rng() % 16));
        }
        break;
      }
      default:  // duplicate a slice (finds length and nesting bugs)
        if (!input.empty()) {
          const std::size_t from = rng() % input.size();
          input.insert(pos, input.substr(from, 1 + rng() % 32));
        }
    }
  }
  if (input.size() > 64 * 1024) input.resize(64 * 1024);
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path corpus = argc > 1 ? argv[1] : "";
  const long iterations = argc > 2 ? std::atol(argv[2]) : 20000;
  const auto seeds = load_corpus(corpus);
  for (const auto& s : seeds)
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  std::mt19937_64 rng(0x07905eedull);
  for (long i = 0; i < iterations; ++i) {
    const auto input = mutate(seeds[rng() % seeds.size()], seeds, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("fuzz: %zu seeds, %ld mutated inputs, no crash\n", seeds.size(), iterations);
  return 0;
}
