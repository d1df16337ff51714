#include "support/docker_images.h"

#include <filesystem>
#include <sstream>

#include "support/process.h"

namespace outpost::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string ensure_docker_engine() {
  const auto started = run_command({source_path("scripts/start-dockerd")}, 60s);
  return started.status == 0 ? "" : "no Docker engine could be started here: " + started.output;
}

std::string build_test_image(const std::string& tag, const std::vector<std::string>& programs,
                             const std::vector<std::string>& entrypoint) {
  if (!fs::exists("/bin/busybox")) return "/bin/busybox is missing (scripts/install-deps installs busybox-static)";
  const auto context = make_temp_dir("outpost-docker-image");
  const auto add = [&](const std::string& path) {
    const auto target = fs::path(context) / "root" / fs::path(path).relative_path();
    fs::create_directories(target.parent_path());
    fs::copy_file(fs::canonical(path), target, fs::copy_options::overwrite_existing);
  };
  fs::create_directories(context + "/root/bin");
  fs::copy_file("/bin/busybox", context + "/root/bin/busybox");
  fs::copy_file("/bin/busybox", context + "/root/bin/sh");
  for (const auto& program : programs) {
    add(program);
    // "libx.so.1 => /lib/x86_64-linux-gnu/libx.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
    std::istringstream libs(run_command({"ldd", program}, 30s).output);
    for (std::string line; std::getline(libs, line);) {
      const auto slash = line.find('/');
      if (slash == std::string::npos) continue;
      const auto path = line.substr(slash, line.find(' ', slash) - slash);
      if (fs::exists(path)) add(path);
    }
  }
  std::string dockerfile = "FROM scratch\nCOPY root/ /\n";
  if (!entrypoint.empty()) {
    dockerfile += "ENTRYPOINT [";
    for (std::size_t i = 0; i < entrypoint.size(); ++i) dockerfile += (i ? ", \"" : "\"") + entrypoint[i] + "\"";
    dockerfile += "]\n";
  }
  write_file(context + "/Dockerfile", dockerfile);
  const auto built = run_command({"docker", "build", "-q", "-t", tag, context}, 180s);
  fs::remove_all(context);
  return built.status == 0 ? "" : "docker build " + tag + " failed: " + built.output;
}

std::vector<std::string> remove_leftover_containers(const std::set<std::string>& names) {
  const auto listed = run_command({"docker", "ps", "-a", "--filter", "label=net.outpost.instance", "--format",
                                   "{{.ID}} {{.Names}} {{.Label \"net.outpost.instance\"}}"}, 30s);
  const auto temp = fs::temp_directory_path().string() + "/";
  std::vector<std::string> removed;
  std::istringstream lines(listed.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, name, instance;
    if (!(fields >> id >> name >> instance) || !names.count(name) || instance.rfind(temp, 0) != 0) continue;
    if (run_command({"docker", "rm", "-f", id}, 30s).status == 0) removed.push_back(name + " (left by " + instance + ")");
  }
  return removed;
}

}  // namespace outpost::testing
