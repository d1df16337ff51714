# The two set-up commands (README.md): `make run` and `make test`.
# Both install what is missing (scripts/install-deps), configure and build.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
CTEST_JOBS ?= 2
CMAKE_ARGS ?=
RUNTIME    ?= process

.PHONY: all deps build build-asan build-tsan test test-unit test-asan run package clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOUTPOST_SANITIZE=ON -DOUTPOST_UNIT_ONLY=ON -DOUTPOST_WERROR=ON $(CMAKE_ARGS)

# Unit tests (and the bounded fuzz runs) again under AddressSanitizer + UBSan.
build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD)

$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOUTPOST_TSAN=ON -DOUTPOST_UNIT_ONLY=ON -DOUTPOST_WERROR=ON $(CMAKE_ARGS)

# Unit tests again under ThreadSanitizer: the hub's loop, the store's sync thread, the cloud's
# telemetry writer, Paho's threads.
build-tsan: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD)

test: build build-asan build-tsan
	@scripts/test-env-setup
	@echo "== ctest: all tests ($(BUILD)) =="
	cd $(BUILD) && ctest -j$(CTEST_JOBS) --output-on-failure
	@echo "== ctest: unit tests under ASan+UBSan ($(ASAN_BUILD)) =="
	cd $(ASAN_BUILD) && ctest -j$(CTEST_JOBS) --output-on-failure -L unit
	@echo "== ctest: unit tests under ThreadSanitizer ($(TSAN_BUILD)) =="
	cd $(TSAN_BUILD) && ctest -j$(CTEST_JOBS) --output-on-failure -L unit

test-unit: build
	cd $(BUILD) && ctest -j$(CTEST_JOBS) --output-on-failure -L unit

# RUNTIME=docker: the quickstart with every module a container (scripts/run).
run: build
	@RUNTIME=$(RUNTIME) scripts/run

# The Debian packages, into $(BUILD)/packages (packaging/README.md).
package: build
	cd $(BUILD) && cpack

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
