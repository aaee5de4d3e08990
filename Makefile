# The two commands of the README: `make run` and `make test`. Both install what they need first.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
ifeq ($(CI),true)
CMAKE_FLAGS += -DVIDSERVE_WERROR=ON
endif

.PHONY: deps build run test test-asan bench format clean

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Serves on loopback with a development key unless VIDSERVE_API_KEYS is set.
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= ./data
run: build
	VIDSERVE_API_KEYS="$${VIDSERVE_API_KEYS:-dev-local-key}" $(BUILD_DIR)/src/app/vidserve serve --listen $(LISTEN) --data $(DATA_DIR)

bench: build
	bench/control_plane/run.sh $(BUILD_DIR)/src/app/vidserve
	bench/relay/run.sh $(BUILD_DIR)/src/app/vidserve
	bench/websocket/run.sh $(BUILD_DIR)/src/app/vidserve

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIDSERVE_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
