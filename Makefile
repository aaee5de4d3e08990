# The two commands of the README: `make run` and `make test`. Both install what they need first
# (as does `make fuzz`).
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
ifeq ($(CI),true)
CMAKE_FLAGS += -DVIDSERVE_WERROR=ON
endif

.PHONY: deps build server run install test test-asan fuzz bench format clean

deps:
	@scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only the server binary: the Debian packages it needs (checked again only when install-deps
# changes), the build directory configured once and reused, then the one target.
$(BUILD_DIR)/.deps-server: scripts/install-deps
	@scripts/install-deps --server
	@mkdir -p $(BUILD_DIR) && touch $@
server: $(BUILD_DIR)/.deps-server
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  echo "First build of the server: about $(FIRST_BUILD_MINUTES) minutes on 2 cores; later ones only rebuild what changed."; \
	  cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS); \
	fi
	cmake --build $(BUILD_DIR) -j $(JOBS) --target vidserve
FIRST_BUILD_MINUTES ?= 7

# Serves on loopback with a development key unless VIDSERVE_API_KEYS is set.
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= ./data
run: server
	VIDSERVE_API_KEYS="$${VIDSERVE_API_KEYS:-dev-local-key}" $(BUILD_DIR)/src/app/vidserve serve --listen $(LISTEN) --data $(DATA_DIR)

# The binary, the model catalog, an example config file and a systemd unit under PREFIX
# (bin/vidserve, share/vidserve/...); DESTDIR stages a package.
PREFIX ?= /usr/local
install: server
	DESTDIR=$(DESTDIR) cmake --install $(BUILD_DIR) --prefix $(PREFIX)

bench: build
	bench/control_plane/run.sh $(BUILD_DIR)/src/app/vidserve
	bench/relay/run.sh $(BUILD_DIR)/src/app/vidserve
	bench/websocket/run.sh $(BUILD_DIR)/src/app/vidserve
	bench/scaleout/run.sh $(BUILD_DIR)/src/app/vidserve
	bench/render/run.sh $(BUILD_DIR)/src/app/vidserve

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIDSERVE_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (fuzz/, docs/fuzzing.md) built with clang, run one after another for
# FUZZ_SECONDS each; FUZZ_TARGETS picks a subset. Corpora grow in $(FUZZ_DIR)/corpus/<target>,
# crashes land in $(FUZZ_DIR)/crashes/<target>; fails when any target crashed.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 600
# -O1 with line tables only: fast enough to fuzz, quick to build, file:line in every report.
FUZZ_CXXFLAGS ?= -O1 -gline-tables-only
FUZZ_TARGETS ?= runware_json kling_json apimart_json kling_jwt data_uri http_session media_probe
fuzz:
	@scripts/install-deps --fuzz
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="$(FUZZ_CXXFLAGS)" -DVIDSERVE_FUZZ=ON -DVIDSERVE_BUILD_TESTS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	python3 fuzz/make_seeds.py $(FUZZ_DIR)/corpus $(FUZZ_TARGETS)
	fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
