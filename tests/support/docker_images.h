// Test images built locally (no registry is reachable here): FROM scratch with Debian's
// static busybox as /bin/sh and /bin/busybox, plus host programs copied with the libraries
// `ldd` lists, at the same paths.
#pragma once
#include <set>
#include <string>
#include <vector>

namespace outpost::testing {

// Starts a Docker engine where none answers (scripts/start-dockerd). "" when one answers,
// else why not.
std::string ensure_docker_engine();

// Builds `tag` with busybox and `programs` (absolute host paths), and `entrypoint` (Docker's
// exec form) when not empty. "" on success, else why not.
std::string build_test_image(const std::string& tag, const std::vector<std::string>& programs = {},
                             const std::vector<std::string>& entrypoint = {});

// Removes containers named in `names` that a test's outpostd made (labelled
// net.outpost.instance=<a folder under the temp directory>) and an earlier run left behind —
// killed by ctest's timeout or by CI — so they do not hold IoT Edge's names (edgeAgent, ...).
// A device's outpostd rightly refuses to take over another instance's container. Call it only
// while holding the docker_module_names lock. Returns the names removed.
std::vector<std::string> remove_leftover_containers(const std::set<std::string>& names);

}  // namespace outpost::testing
