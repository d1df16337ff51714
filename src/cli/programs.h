// The system's programs the CLI runs (systemctl, journalctl, outpostd --check): where they
// are, what they print. Tests put fakes in place through the environment (OUTPOST_SYSTEMCTL,
// OUTPOST_JOURNALCTL): there is no systemd where the tests run.
#pragma once
#include <string>
#include <vector>

namespace outpost::cli {

// The program `env` names when it is set, else `name` looked up on PATH; empty when there is
// no such executable. A name with a '/' is taken as a path.
std::string find_program(const std::string& name, const char* env = nullptr);

struct ProgramOutput {
  int status = -1;     // its exit code; -1 when it could not run or was killed
  std::string output;  // stdout and stderr, interleaved as written
};
// Runs argv (argv[0] a path) to its end; stdin is /dev/null.
ProgramOutput capture(const std::vector<std::string>& argv);

// Replaces this process with argv (`journalctl -f`: its output, its Ctrl-C and its exit code
// are the user's). Returns only when that failed, with why.
std::string exec_program(const std::vector<std::string>& argv);

// The first line of `text`, without trailing blanks: a tool's message on one line.
std::string first_line(const std::string& text);

}  // namespace outpost::cli
